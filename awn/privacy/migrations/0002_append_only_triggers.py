"""The database refuses to change or delete an access record (issue 15, item 4; RELIABILITY S11).

For the access audit and the erasure ledger. PostgreSQL: a row trigger raises on UPDATE and DELETE (TRUNCATE, which only the table owner may run and which
Django's test flush uses, is not a row operation). SQLite: a trigger aborts UPDATE; Django empties SQLite tables
with DELETE between transactional tests, so there a DELETE is refused by the model only.
"""

from django.db import migrations

TABLES = ("privacy_accessrecord", "privacy_erasurerecord")

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION privacy_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""


def _pg_install(table):
    return [
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION privacy_append_only()",
    ]


def _sqlite_install(table):
    return [
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
        BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END"""
    ]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)
        for table in TABLES:
            for statement in _pg_install(table):
                schema_editor.execute(statement)
    elif vendor == "sqlite":
        for table in TABLES:
            for statement in _sqlite_install(table):
                schema_editor.execute(statement)


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS privacy_append_only()")


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]

    operations = [migrations.RunPython(install, remove, elidable=False)]
