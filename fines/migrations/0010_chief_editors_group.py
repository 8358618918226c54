"""The Chief editors group: the Editors' permissions and publishing, exactly as fines.permissions says."""
from django.db import migrations

from fines.permissions import CHIEF_EDITORS_GROUP, chief_editors_group_sync


def create_group(apps, schema_editor):
    chief_editors_group_sync(apps)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=CHIEF_EDITORS_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("fines", "0009_publishing"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_group, remove_group)]
