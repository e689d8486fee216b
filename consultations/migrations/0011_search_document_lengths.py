from django.db import migrations, models

TABLE = "consultations_casesearchdocument"
FTS_TABLE = "consultations_case_fts"


def fill_lengths(apps, schema_editor):
    """Index rows written before this migration: their lengths from what the
    index holds (PostgreSQL: the tsvectors' positions; SQLite: the FTS5 rows)."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            positions = "coalesce((SELECT sum(cardinality(u.positions)) FROM unnest({}) u), 0)"
            cursor.execute(
                f"UPDATE {TABLE} SET title_length = {positions.format('title_vector')},"
                f" body_length = greatest({positions.format('vector')} - {positions.format('title_vector')}, 0)"
                " WHERE vector IS NOT NULL"
            )
            return
        cursor.execute(f"SELECT rowid, title, body FROM {FTS_TABLE}")
        rows = [(len(title.split()), len(body.split()), rowid) for rowid, title, body in cursor.fetchall()]
        cursor.executemany(f"UPDATE {TABLE} SET title_length = %s, body_length = %s WHERE case_id = %s", rows)


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0010_case_neighbours"),
    ]

    operations = [
        migrations.AddField(
            model_name="casesearchdocument",
            name="body_length",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="casesearchdocument",
            name="title_length",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(fill_lengths, migrations.RunPython.noop),
    ]
