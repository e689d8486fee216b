"""GIN indexes without the "fast update" pending list.

With fastupdate on, new index entries wait in an unsorted pending list until a
vacuum; every search scans that list linearly. After a large import the search
median at 100,000 cases went from ~15 ms to ~40-50 ms. Cases are written by
staff and imports, rarely, so entries go straight into the index instead."""

from django.db import migrations

INDEXES = ["consultations_casesearch_vector_gin", "consultations_casesearch_title_gin"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"ALTER INDEX {name} SET (fastupdate = off)")
        schema_editor.execute(f"SELECT gin_clean_pending_list('{name}'::regclass)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"ALTER INDEX {name} SET (fastupdate = on)")


class Migration(migrations.Migration):
    dependencies = [("consultations", "0003_vocabulary_labels")]
    operations = [migrations.RunPython(forwards, backwards)]
