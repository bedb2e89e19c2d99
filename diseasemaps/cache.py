"""The embedded default cache: Django's database cache, with an increment that holds across
processes and a cheaper read.

Django's DatabaseCache increments by reading and then writing the value, so two processes counting
the same failed log-in at once could both write the same number. Here the read and the write are
one transaction; on SQLite (transaction_mode IMMEDIATE) it holds the write lock from its start, so
concurrent increments queue and every attempt is counted.

Its read converts every row's expiry date to a Python datetime to compare it with the clock; here
the database compares them, as Django's own has_key() does. The page cache reads its keys'
versions twice for every reader page, and this made each read about a third cheaper. An expired row
is left for the next cull rather than deleted by the read that finds it."""

import base64
import pickle

from django.core.cache.backends import db
from django.db import connections, router, transaction
from django.utils import timezone


class DatabaseCache(db.DatabaseCache):
    def incr(self, key, delta=1, version=None):
        with transaction.atomic(using=router.db_for_write(self.cache_model_class)):
            return super().incr(key, delta, version)

    def get_many(self, keys, version=None):
        wanted = {self.make_and_validate_key(key, version=version): key for key in keys}
        if not wanted:
            return {}
        connection = connections[router.db_for_read(self.cache_model_class)]
        now = timezone.now().replace(microsecond=0, tzinfo=None)
        table, column = connection.ops.quote_name(self._table), connection.ops.quote_name
        placeholders = ", ".join(["%s"] * len(wanted))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {column('cache_key')}, {column('value')} FROM {table} "
                f"WHERE {column('cache_key')} IN ({placeholders}) AND {column('expires')} > %s",
                [*wanted, connection.ops.adapt_datetimefield_value(now)],
            )
            rows = cursor.fetchall()
        return {wanted[key]: pickle.loads(base64.b64decode(connection.ops.process_clob(value))) for key, value in rows}
