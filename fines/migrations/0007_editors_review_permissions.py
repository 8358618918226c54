"""Editors may review what the importers found: sources, runs, candidates, provenances, disagreements."""
from django.db import migrations

from fines.permissions import editors_group_sync


def sync(apps, schema_editor):
    editors_group_sync(apps)


class Migration(migrations.Migration):
    dependencies = [("fines", "0006_provenance_and_review")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
