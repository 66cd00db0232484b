"""PostgreSQL: keep each entry's tsvector in a stored generated column.

Ranking a match re-ran to_tsvector over the row for every candidate when the vector lived only in an expression
index (a common word over 100k tickets took 1.3 s); a stored vector is read, not recomputed.
"""

from django.db import migrations

VECTOR = (
    "setweight(to_tsvector('simple'::regconfig, title), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, body), 'B')"
)
POSTGRES_FORWARD = [
    "DROP INDEX IF EXISTS search_entry_vector",
    f"ALTER TABLE search_searchentry ADD COLUMN vector tsvector GENERATED ALWAYS AS ({VECTOR}) STORED",
    "CREATE INDEX search_entry_vector ON search_searchentry USING gin (vector)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_entry_vector",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS vector",
    f"CREATE INDEX search_entry_vector ON search_searchentry USING gin (({VECTOR}))",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
