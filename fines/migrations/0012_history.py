"""Change history (django-simple-history): a historical table for each kept model, and a first entry for every
row that exists already, so that its first change has something to be compared with."""

import django.core.validators
import django.db.models.deletion
import django.db.models.functions.datetime
import simple_history.models
from decimal import Decimal
from itertools import batched
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

KEPT = ["Authority", "Organisation", "OrganisationAlias", "Decision", "ArticleCitation", "Source", "AppealEvent"]
BATCH = 2000
HISTORY_BEGINS = "history begins"  # fines.history.HISTORY_BEGINS: no earlier change is known


def history_begin(apps, schema_editor):
    moment = timezone.now()
    for name in KEPT:
        model = apps.get_model("fines", name)
        historical = apps.get_model("fines", f"Historical{name}")
        kept = {field.attname for field in model._meta.concrete_fields}
        copied = [field.attname for field in historical._meta.concrete_fields if field.attname in kept]
        for rows in batched(model.objects.order_by("pk").iterator(chunk_size=BATCH), BATCH):
            historical.objects.bulk_create(
                historical(
                    **{attname: getattr(row, attname) for attname in copied},
                    history_date=moment, history_type="+", history_change_reason=HISTORY_BEGINS,
                )
                for row in rows
            )


class Migration(migrations.Migration):

    dependencies = [
        ('fines', '0011_import_run_sign_of_life'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalAppealEvent',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('date', models.DateField(blank=True, null=True, verbose_name='date')),
                ('date_precision', models.CharField(choices=[('day', 'day'), ('month', 'month'), ('year', 'year'), ('unknown', 'unknown')], default='day', max_length=10, verbose_name='date precision')),
                ('body', models.CharField(max_length=200, verbose_name='court or board')),
                ('case_number', models.CharField(blank=True, max_length=100, verbose_name='case number')),
                ('outcome', models.CharField(choices=[('lodged', 'appeal lodged'), ('interim', 'interim step (referral, stay, hearing)'), ('remitted', 'set aside and sent back'), ('upheld', 'fine upheld'), ('reduced', 'fine reduced'), ('increased', 'fine increased'), ('annulled', 'fine annulled')], max_length=12, verbose_name='outcome')),
                ('amount_after', models.DecimalField(blank=True, decimal_places=2, help_text="The fine that stands after this ruling, in the decision's currency.", max_digits=16, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0'), 'An amount cannot be negative.')], verbose_name='amount after')),
                ('source_url', models.URLField(blank=True, max_length=500, verbose_name='source URL')),
                ('note', models.CharField(blank=True, max_length=500, verbose_name='note')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('decision', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='fines.decision')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical appeal event',
                'verbose_name_plural': 'historical appeal events',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalArticleCitation',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('provision', models.CharField(help_text='e.g. 5(1)(f); just 32 for the whole article', max_length=40, verbose_name='provision')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('article', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='fines.article', verbose_name='article')),
                ('decision', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='fines.decision')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical article cited',
                'verbose_name_plural': 'historical articles cited',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalAuthority',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('name', models.CharField(max_length=200, verbose_name='name')),
                ('short_name', models.CharField(help_text='CNIL, DPC, AP, ICO…', max_length=40, verbose_name='short name')),
                ('slug', models.SlugField(max_length=60, verbose_name='slug')),
                ('country', models.CharField(max_length=2, validators=[django.core.validators.RegexValidator('^[A-Z]{2}$', 'Use an ISO 3166-1 alpha-2 country code, e.g. FR.')], verbose_name='country')),
                ('kind', models.CharField(choices=[('national', 'national data protection authority'), ('regional', 'regional data protection authority'), ('court', 'court')], default='national', max_length=20, verbose_name='kind')),
                ('website', models.URLField(blank=True, verbose_name='website')),
                ('needs_review', models.BooleanField(default=False, help_text='Created by an import from the name a source gave: check the name, kind and website, then untick.', verbose_name='new from an import')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical authority',
                'verbose_name_plural': 'historical authorities',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalDecision',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('number', models.PositiveIntegerField(db_index=True, editable=False, verbose_name='reference number')),
                ('decision_date', models.DateField(blank=True, help_text='With month or year precision: its first day.', null=True, verbose_name='decision date')),
                ('date_precision', models.CharField(choices=[('day', 'day'), ('month', 'month'), ('year', 'year'), ('unknown', 'unknown')], default='day', max_length=10, verbose_name='date precision')),
                ('announced_date', models.DateField(blank=True, null=True, verbose_name='announced')),
                ('date_added', models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), editable=False, verbose_name='added')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=16, validators=[django.core.validators.MinValueValidator(Decimal('0'), 'An amount cannot be negative.')], verbose_name='amount imposed')),
                ('currency', models.CharField(default='EUR', max_length=3, validators=[django.core.validators.RegexValidator('^[A-Z]{3}$', 'Use an ISO 4217 currency code, e.g. EUR.')], verbose_name='currency')),
                ('amount_eur', models.DecimalField(blank=True, decimal_places=2, editable=False, max_digits=16, null=True, verbose_name='amount in EUR')),
                ('eur_rate', models.DecimalField(blank=True, decimal_places=6, editable=False, help_text='Units of the currency per euro.', max_digits=18, null=True, verbose_name='ECB rate')),
                ('eur_rate_date', models.DateField(blank=True, editable=False, null=True, verbose_name='ECB rate date')),
                ('current_amount', models.DecimalField(blank=True, decimal_places=2, help_text='After appeals, in the original currency. Follows from the latest appeal ruling.', max_digits=16, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0'), 'An amount cannot be negative.')], verbose_name='amount that stands now')),
                ('current_amount_eur', models.DecimalField(blank=True, decimal_places=2, editable=False, max_digits=16, null=True, verbose_name='amount that stands now in EUR')),
                ('amount_paid', models.DecimalField(blank=True, decimal_places=2, max_digits=16, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0'), 'An amount cannot be negative.')], verbose_name='amount paid')),
                ('status', models.CharField(choices=[('proposed', 'proposed (notice of intent)'), ('imposed', 'imposed'), ('appealed', 'appealed'), ('upheld', 'upheld on appeal'), ('reduced', 'reduced on appeal'), ('increased', 'increased on appeal'), ('annulled', 'annulled'), ('final', 'final')], default='imposed', max_length=12, verbose_name='status')),
                ('legal_basis', models.CharField(choices=[('gdpr', 'GDPR'), ('eprivacy', 'ePrivacy / national law')], default='gdpr', max_length=10, verbose_name='legal basis')),
                ('violation_type', models.CharField(blank=True, choices=[('legal_basis', 'Insufficient legal basis'), ('principles', 'Non-compliance with general principles'), ('information', 'Insufficient information and transparency'), ('data_subject_rights', "Data subjects' rights not respected"), ('security', 'Insufficient security measures'), ('breach_notification', 'Data breach not notified'), ('international_transfer', 'Unlawful transfer to third countries'), ('children', "Children's data"), ('cooperation', 'Insufficient cooperation with the authority'), ('dpo', 'Data protection officer'), ('processing_agreement', 'Insufficient processing agreement'), ('cookies_marketing', 'Cookies, tracking and direct marketing'), ('other', 'Other')], max_length=30, verbose_name='violation type')),
                ('sector', models.CharField(blank=True, choices=[('technology', 'Technology and internet'), ('telecoms', 'Telecoms'), ('retail', 'Retail and e-commerce'), ('finance', 'Finance'), ('insurance', 'Insurance'), ('health', 'Health'), ('public', 'Public sector'), ('energy', 'Energy and utilities'), ('transport', 'Transport'), ('hospitality', 'Hospitality and travel'), ('real_estate', 'Real estate'), ('media', 'Media and advertising'), ('education', 'Education'), ('employment', 'Employment'), ('other', 'Other')], max_length=20, verbose_name='sector')),
                ('case_number', models.CharField(blank=True, max_length=100, verbose_name='case number')),
                ('summary', models.TextField(blank=True, verbose_name='summary')),
                ('is_published', models.BooleanField(default=False, help_text='Only published decisions appear on the public pages, exports, feed, API and statistics. New decisions start as drafts; a chief editor publishes them.', verbose_name='published')),
                ('external_source', models.CharField(blank=True, max_length=40, verbose_name='imported from')),
                ('external_id', models.CharField(blank=True, max_length=200, verbose_name='external id')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('authority', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='fines.authority', verbose_name='authority')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('organisation', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='fines.organisation', verbose_name='organisation')),
            ],
            options={
                'verbose_name': 'historical decision',
                'verbose_name_plural': 'historical decisions',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalOrganisation',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('name', models.CharField(max_length=200, verbose_name='name')),
                ('slug', models.SlugField(max_length=120, verbose_name='slug')),
                ('country', models.CharField(blank=True, max_length=2, validators=[django.core.validators.RegexValidator('^[A-Z]{2}$', 'Use an ISO 3166-1 alpha-2 country code, e.g. FR.')], verbose_name='country')),
                ('sector', models.CharField(blank=True, choices=[('technology', 'Technology and internet'), ('telecoms', 'Telecoms'), ('retail', 'Retail and e-commerce'), ('finance', 'Finance'), ('insurance', 'Insurance'), ('health', 'Health'), ('public', 'Public sector'), ('energy', 'Energy and utilities'), ('transport', 'Transport'), ('hospitality', 'Hospitality and travel'), ('real_estate', 'Real estate'), ('media', 'Media and advertising'), ('education', 'Education'), ('employment', 'Employment'), ('other', 'Other')], max_length=20, verbose_name='sector')),
                ('turnover', models.DecimalField(blank=True, decimal_places=2, help_text='Of the undertaking (the whole group where it heads one), in the currency of its accounts.', max_digits=16, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0'), 'An amount cannot be negative.')], verbose_name='worldwide annual turnover')),
                ('turnover_currency', models.CharField(blank=True, max_length=3, validators=[django.core.validators.RegexValidator('^[A-Z]{3}$', 'Use an ISO 4217 currency code, e.g. EUR.')], verbose_name='turnover currency')),
                ('turnover_year', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='financial year of the turnover')),
                ('turnover_source', models.URLField(blank=True, max_length=500, verbose_name='source of the turnover')),
                ('needs_review', models.BooleanField(default=False, help_text='Created by an import from the name a source gave: check the name, group and country, then untick.', verbose_name='new from an import')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('parent', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='fines.organisation', verbose_name='parent group')),
            ],
            options={
                'verbose_name': 'historical organisation',
                'verbose_name_plural': 'historical organisations',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalOrganisationAlias',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('name', models.CharField(max_length=200, verbose_name='name')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('organisation', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='fines.organisation')),
            ],
            options={
                'verbose_name': 'historical alias',
                'verbose_name_plural': 'historical aliases',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalSource',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('url', models.URLField(max_length=500, verbose_name='URL')),
                ('title', models.CharField(blank=True, max_length=300, verbose_name='title')),
                ('language', models.CharField(blank=True, help_text='e.g. en, fr, nl', max_length=8, verbose_name='language')),
                ('kind', models.CharField(choices=[('decision', 'decision text'), ('press_release', 'press release'), ('news', 'news')], default='press_release', max_length=20, verbose_name='kind')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('decision', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='fines.decision')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical source',
                'verbose_name_plural': 'historical sources',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(history_begin, migrations.RunPython.noop),
    ]
