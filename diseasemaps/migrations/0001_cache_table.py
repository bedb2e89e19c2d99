"""The table of the embedded default cache (settings.CACHES without CACHE_URL), so a fresh clone,
`./dev run` and the tests have it after `migrate`. createcachetable skips a table that exists and
does nothing when the cache is Redis; run it again after switching CACHE_URL off on a live site."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = []
    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=False)]
