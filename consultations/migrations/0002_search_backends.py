"""The database-specific half of the search index (consultations.search):
a GIN index on PostgreSQL, an FTS5 table on SQLite."""

from django.db import migrations

FTS = "consultations_case_fts"
GIN = "consultations_casesearch_vector_gin"
TITLE_GIN = "consultations_casesearch_title_gin"
TABLE = "consultations_casesearchdocument"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX {GIN} ON {TABLE} USING gin (vector)")
        schema_editor.execute(f"CREATE INDEX {TITLE_GIN} ON {TABLE} USING gin (title_vector)")
        # Keep the heap narrow (the big vector lives out of line, uncompressed),
        # so the GIN matches are fetched and ranked on the title cheaply.
        schema_editor.execute(f"ALTER TABLE {TABLE} SET (toast_tuple_target = 256)")
        schema_editor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN vector SET STORAGE EXTERNAL")
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            f"CREATE VIRTUAL TABLE {FTS} USING fts5("
            "title, body, tokenize = 'unicode61 remove_diacritics 0')"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TITLE_GIN}")
        schema_editor.execute(f"DROP INDEX IF EXISTS {GIN}")
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS}")


class Migration(migrations.Migration):
    dependencies = [("consultations", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
