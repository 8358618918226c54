import datetime
import itertools
import os
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.utils.text import slugify

from fines.models import ArticleCitation, Authority, Decision, ImportSource, Organisation
from fines.names import name_key
from fines.permissions import CHIEF_EDITORS_GROUP, EDITORS_GROUP
from fines.services import decision_convert, decision_next_number
from fines.vocabularies import ImportFormat, Status
from tests.forms import STRONG_PASSWORD

IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_collection_modifyitems(config, items) -> None:
    """Tests of PostgreSQL's own behaviour run in the PostgreSQL pass; on SQLite they are left out, not
    skipped (CI runs the suite on both, and a skip in CI means something was missing)."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    left_out = [item for item in items if item.get_closest_marker("postgresql")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("postgresql")]


def skip_or_fail(reason: str) -> None:
    """A missing service or browser may skip a test on a laptop, never in CI."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this must be available)")
    pytest.skip(reason)


@pytest.fixture
def register(db):
    """The bundled register, loaded as `manage.py load_register` does."""
    call_command("load_register", verbosity=0)


@pytest.fixture
def editor(db):
    """A staff account in the Editors group."""
    user = User.objects.create_user("editor", password=STRONG_PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS_GROUP))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def chief_editor(db):
    """A staff account in Editors and Chief editors, as `create_editor --chief` makes it."""
    user = User.objects.create_user("chief", password=STRONG_PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS_GROUP), Group.objects.get(name=CHIEF_EDITORS_GROUP))
    return user


@pytest.fixture
def chief_editor_client(client, chief_editor):
    client.force_login(chief_editor)
    return client


@pytest.fixture
def press_feed(make_authority):
    """An authority's press feed as an import source (the AP's, in Dutch)."""
    return ImportSource.objects.create(
        name="ap-press", title="AP press releases", format=ImportFormat.PRESS_FEED,
        url="https://example.org/feed.xml", authority=make_authority("ap", "AP", "NL"), language="nl",
    )


@pytest.fixture
def make_authority(db):
    def make(slug="cnil", short_name=None, country="FR", name=None):
        authority, _ = Authority.objects.get_or_create(
            slug=slug,
            defaults={"short_name": short_name or slug.upper(), "country": country, "name": name or slug.upper()},
        )
        return authority

    return make


@pytest.fixture
def make_organisation(db):
    def make(name="Example SA", parent=None, slug=None):
        return Organisation.objects.create(
            name=name, slug=slug or slugify(name), name_key=name_key(name), parent=parent
        )

    return make


@pytest.fixture
def make_decision(db, make_authority, make_organisation):
    serial = itertools.count(1)

    def make(
        *,
        authority=None,
        organisation=None,
        amount="1000000",
        currency="EUR",
        decision_date=datetime.date(2021, 7, 15),
        status=Status.IMPOSED,
        **fields,
    ):
        fields.setdefault("current_amount", None if status == Status.PROPOSED else Decimal(amount))
        # The register's data as readers see it; a test of drafts says is_published=False.
        fields.setdefault("is_published", True)
        decision = Decision(
            number=decision_next_number(),
            authority=authority or make_authority(),
            organisation=organisation or make_organisation(name=f"Organisation {next(serial)}"),
            amount=Decimal(amount),
            currency=currency,
            decision_date=decision_date,
            status=status,
            **fields,
        )
        decision_convert(decision=decision)
        decision.save()
        return decision

    return make


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    """Tests render pages without `collectstatic`: no hashed-name manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def sample(make_authority, make_organisation, make_decision):
    """A small register for list, filter and API tests: France (CNIL, two fines), Luxembourg (CNPD), Norway (NOK), a notice of intent."""
    cnil = make_authority("cnil", "CNIL", "FR")
    cnpd = make_authority("cnpd", "CNPD", "LU")
    dt = make_authority("datatilsynet-no", "Datatilsynet", "NO")
    ico = make_authority("ico", "ICO", "GB")
    alphabet = make_organisation("Alphabet Inc.")
    google = make_organisation("Google LLC", parent=alphabet)
    amazon = make_organisation("Amazon Europe Core S.à r.l.", slug="amazon-europe-core")
    d = {}
    d["google"] = make_decision(authority=cnil, organisation=google, amount="50000000",
                                decision_date=datetime.date(2019, 1, 21), sector="technology",
                                violation_type="legal_basis", summary="Android ads personalisation consent.")
    d["criteo"] = make_decision(authority=cnil, organisation=make_organisation("Criteo S.A."), amount="40000000",
                                decision_date=datetime.date(2023, 6, 15), sector="media", status=Status.APPEALED)
    d["amazon"] = make_decision(authority=cnpd, organisation=amazon, amount="746000000",
                                decision_date=datetime.date(2021, 7, 15), status=Status.UPHELD, case_number="46762")
    d["grindr"] = make_decision(authority=dt, organisation=make_organisation("Grindr LLC"), amount="65000000",
                                currency="NOK", decision_date=datetime.date(2021, 12, 13))
    d["cookies"] = make_decision(authority=cnil, organisation=google, amount="90000000",
                                 decision_date=datetime.date(2021, 12, 31), legal_basis="eprivacy")
    d["ba_notice"] = make_decision(authority=ico, organisation=make_organisation("British Airways plc"),
                                   amount="183390000", currency="GBP", decision_date=datetime.date(2019, 7, 8),
                                   status=Status.PROPOSED)
    ArticleCitation.objects.create(decision=d["google"], article_id=6, provision="6")
    ArticleCitation.objects.create(decision=d["amazon"], article_id=5, provision="5(1)(a)")
    ArticleCitation.objects.create(decision=d["grindr"], article_id=9, provision="9(1)")
    return d
