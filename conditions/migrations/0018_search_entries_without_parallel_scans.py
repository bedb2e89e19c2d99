"""PostgreSQL reads the search entries in one process.

A name search for a common word ("syndrome": 24,000 of 47,000 entries) is big enough for the planner
to split its scan across a parallel worker. Starting the worker and merging its rows cost more than
they saved for a query of a few tens of milliseconds, and under load (a web site's normal state,
every core busy with requests) the worker waits for a core. At 47,011 pages on this project's
2-core benchmark machine, the search p95 over bench/inprocess.py's shapes went from 36-43 ms to
28-31 ms with the table's parallel workers off (bench/synthetic.py measure, alternated runs)."""

from django.db import migrations


def _parallel_workers(workers):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        if workers is None:
            schema_editor.execute("ALTER TABLE conditions_searchentry RESET (parallel_workers)")
        else:
            schema_editor.execute(f"ALTER TABLE conditions_searchentry SET (parallel_workers = {workers})")

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("conditions", "0017_search_speed"),
    ]

    operations = [
        migrations.RunPython(_parallel_workers(0), _parallel_workers(None)),
    ]
