"""Two indexes for search.

Code entries by role: the code-first, use-additional-code and code-also entries, few, which every
code search reads (conditions.codes.reads.coded_with). Without it each code search read every code
row of the catalogue, 63 ms at 47,000 pages on SQLite.

PostgreSQL's full-text indexes of search entries and code titles, without GIN's pending list.

With fastupdate (the default) new index entries wait in an unsorted pending list until VACUUM or
4 MB of them, and every search reads that list whole for each of its words. After a rebuild of the
search entries (a catalogue import, rebuild_derived) the whole index sat there: a 20-word query
took 16 ms in the index instead of about 1 ms. Searches are many and rebuilds rare, so entries go
straight into the index, and the list left by earlier writes is merged now (SQLite has no such list)."""

from django.db import migrations, models

INDEXES = ["conditions_searchentry_fts", "conditions_code_title_fts"]


def _fastupdate(on):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for index in INDEXES:
            schema_editor.execute(f"ALTER INDEX {index} SET (fastupdate = {'on' if on else 'off'})")
            if not on:
                schema_editor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("conditions", "0016_symptom_published_count"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="conditioncode",
            index=models.Index(fields=["role", "system", "value"], name="conditions_conditioncode_role"),
        ),
        migrations.RunPython(_fastupdate(False), _fastupdate(True)),
    ]
