"""Case vectors and the index vocabulary for hybrid search. (The database
cache table that search falls back on comes from worq's 0003 migration.)"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0004_gin_without_pending_list"),
        ("worq", "0003_outbox_and_form_tokens"),
    ]

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
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.CharField(max_length=100)),
                ("reading", models.CharField(db_index=True, max_length=200)),
                ("synonym_groups", models.CharField(blank=True, max_length=200)),
            ],
            options={
                "verbose_name": "検索語彙",
                "verbose_name_plural": "検索語彙",
                "constraints": [
                    models.UniqueConstraint(fields=("token", "reading"), name="search_term_unique")
                ],
            },
        ),
    ]
