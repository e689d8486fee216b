from pathlib import Path

from django.db import migrations

CONTENT = Path(__file__).resolve().parent.parent / "content"
PAGES = [("terms", "利用規約"), ("privacy", "プライバシーポリシー"), ("about", "運営について")]


def load_pages(apps, schema_editor):
    Page = apps.get_model("worq", "Page")
    for slug, title in PAGES:
        body = (CONTENT / f"{slug}.md").read_text(encoding="utf-8")
        # Never overwrite what staff have edited since.
        Page.objects.get_or_create(slug=slug, defaults={"title": title, "body": body})


class Migration(migrations.Migration):
    dependencies = [("worq", "0001_initial")]
    operations = [migrations.RunPython(load_pages, migrations.RunPython.noop)]
