"""The 99 articles of the GDPR, with their chapters and titles (fines/data/gdpr_articles.json)."""
import json
from pathlib import Path

from django.db import migrations

ARTICLES_FILE = Path(__file__).resolve().parent.parent / "data" / "gdpr_articles.json"


def load_articles(apps, schema_editor):
    Article = apps.get_model("fines", "Article")
    for item in json.loads(ARTICLES_FILE.read_text(encoding="utf-8")):
        Article.objects.update_or_create(
            number=item["number"],
            defaults={"chapter": item["chapter"], "title": item["title"], "title_nl": item.get("title_nl", "")},
        )


class Migration(migrations.Migration):
    dependencies = [("fines", "0001_initial")]
    operations = [migrations.RunPython(load_articles, migrations.RunPython.noop)]
