from django.db import migrations, models

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content='search_searchentry', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER search_entry_ai AFTER INSERT ON search_searchentry BEGIN "
    "INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER search_entry_ad AFTER DELETE ON search_searchentry BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER search_entry_au AFTER UPDATE ON search_searchentry BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS search_entry_au",
    "DROP TRIGGER IF EXISTS search_entry_ad",
    "DROP TRIGGER IF EXISTS search_entry_ai",
    "DROP TABLE IF EXISTS search_fts",
]
POSTGRES_FORWARD = [
    "CREATE INDEX search_entry_vector ON search_searchentry USING gin ("
    "(setweight(to_tsvector('simple'::regconfig, title), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, body), 'B')))",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS search_entry_vector"]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in SQLITE_FORWARD if vendor == "sqlite" else POSTGRES_FORWARD if vendor == "postgresql" else []:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in SQLITE_BACKWARD if vendor == "sqlite" else POSTGRES_BACKWARD if vendor == "postgresql" else []:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[("ticket", "ticket"), ("contact", "contact")], max_length=16, verbose_name="kind"
                    ),
                ),
                ("object_id", models.BigIntegerField()),
                ("title", models.TextField(blank=True)),
                ("body", models.TextField(blank=True)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("kind", "object_id"), name="search_entry_unique_object")
                ],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
