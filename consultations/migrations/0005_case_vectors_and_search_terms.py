"""Case vectors and the index vocabulary for hybrid search, and the database
cache table, so search (and allauth's rate limits) work right after `migrate`
without `createcachetable`."""

import django.db.models.deletion
from django.conf import settings
from django.core.management import call_command
from django.db import migrations, models


def create_cache_table(apps, schema_editor):
    # Only database caches need a table; with Redis this does nothing.
    if any(c["BACKEND"].endswith("DatabaseCache") for c in settings.CACHES.values()):
        call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("consultations", "0004_gin_without_pending_list")]

    operations = [
        migrations.CreateModel(
            name="CaseEmbedding",
            fields=[
                (
                    "case",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="embedding",
                        serialize=False,
                        to="consultations.case",
                    ),
                ),
                ("digest", models.CharField(max_length=40)),
                ("vector", models.BinaryField()),
                ("updated_at", models.DateTimeField(db_index=True)),
            ],
            options={"verbose_name": "事例のベクトル", "verbose_name_plural": "事例のベクトル"},
        ),
        migrations.CreateModel(
            name="SearchTerm",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.CharField(max_length=100)),
                ("reading", models.CharField(db_index=True, max_length=200)),
                ("synonym_groups", models.CharField(blank=True, max_length=200)),
            ],
            options={
                "verbose_name": "検索語彙",
                "verbose_name_plural": "検索語彙",
                "constraints": [models.UniqueConstraint(fields=("token", "reading"), name="search_term_unique")],
            },
        ),
        migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=True),
    ]
