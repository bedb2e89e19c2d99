"""The search entry's symptoms column becomes `terms`: normalised word forms (conditions.search.normalise)
of the names and of the page's own symptom text. Signs leave the full-text index: they are matched one
sign at a time, so "dry mouth" never matches "dry" in one sign and "mouth" in another."""

from django.db import migrations, models

SQLITE_DROP = [
    "DROP TRIGGER conditions_search_au", "DROP TRIGGER conditions_search_ad", "DROP TRIGGER conditions_search_ai",
    "DROP TABLE conditions_search_vocab", "DROP TABLE conditions_search_fts",
]  # fmt: skip


def _sqlite_create(column):
    return [
        # External content: the rows live in conditions_searchentry; triggers keep the index in step.
        f"""CREATE VIRTUAL TABLE conditions_search_fts USING fts5(
            names, codes, {column}, content='conditions_searchentry', content_rowid='condition_id',
            tokenize="unicode61 remove_diacritics 2", prefix='2 3')""",
        "CREATE VIRTUAL TABLE conditions_search_vocab USING fts5vocab(conditions_search_fts, 'col')",
        f"""CREATE TRIGGER conditions_search_ai AFTER INSERT ON conditions_searchentry BEGIN
            INSERT INTO conditions_search_fts(rowid, names, codes, {column})
            VALUES (new.condition_id, new.names, new.codes, new.{column}); END""",
        f"""CREATE TRIGGER conditions_search_ad AFTER DELETE ON conditions_searchentry BEGIN
            INSERT INTO conditions_search_fts(conditions_search_fts, rowid, names, codes, {column})
            VALUES ('delete', old.condition_id, old.names, old.codes, old.{column}); END""",
        f"""CREATE TRIGGER conditions_search_au AFTER UPDATE ON conditions_searchentry BEGIN
            INSERT INTO conditions_search_fts(conditions_search_fts, rowid, names, codes, {column})
            VALUES ('delete', old.condition_id, old.names, old.codes, old.{column});
            INSERT INTO conditions_search_fts(rowid, names, codes, {column})
            VALUES (new.condition_id, new.names, new.codes, new.{column}); END""",
        "INSERT INTO conditions_search_fts(conditions_search_fts) VALUES ('rebuild')",
    ]


POSTGRES_DROP = ["DROP INDEX conditions_searchentry_fts"]
POSTGRES_CREATE = [
    # The expression must match conditions.search.VECTOR_SQL for the planner to use it.
    """CREATE INDEX conditions_searchentry_fts ON conditions_searchentry USING gin ((
        setweight(to_tsvector('simple', codes), 'A') || to_tsvector('simple', terms)))""",
]
POSTGRES_CREATE_OLD = [
    """CREATE INDEX conditions_searchentry_fts ON conditions_searchentry USING gin ((
        setweight(to_tsvector('simple', names), 'A') || setweight(to_tsvector('simple', codes), 'A')
        || setweight(to_tsvector('simple', symptoms), 'C')))""",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("conditions", "0010_restore_live_pages"),
    ]

    operations = [
        # The old index names the old column: dropped before the rename, built again after it.
        migrations.RunPython(
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
            _run({"sqlite": _sqlite_create("symptoms"), "postgresql": POSTGRES_CREATE_OLD}),
        ),
        migrations.RenameField(model_name="searchentry", old_name="symptoms", new_name="terms"),
        migrations.AlterField(
            model_name="searchentry",
            name="terms",
            field=models.TextField(
                blank=True,
                help_text="The names, then the page's symptom text, one line each, in search's normalised word forms.",
            ),
        ),
        migrations.RunPython(
            _run({"sqlite": _sqlite_create("terms"), "postgresql": POSTGRES_CREATE}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        ),
    ]
