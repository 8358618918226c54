"""The Editors group, with exactly the permissions of fines.permissions at the time of migrating."""
from django.db import migrations

from fines.permissions import EDITORS_GROUP, editors_group_sync


def create_group(apps, schema_editor):
    editors_group_sync(apps)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=EDITORS_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("fines", "0002_gdpr_articles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_group, remove_group)]
