"""The embedded default cache: Django's database cache, with an increment that holds across processes.

Django's DatabaseCache increments by reading and then writing the value, so two processes counting
the same failed log-in at once could both write the same number. Here the read and the write are
one transaction; on SQLite (transaction_mode IMMEDIATE) it holds the write lock from its start, so
concurrent increments queue and every attempt is counted."""

from django.core.cache.backends import db
from django.db import router, transaction


class DatabaseCache(db.DatabaseCache):
    def incr(self, key, delta=1, version=None):
        with transaction.atomic(using=router.db_for_write(self.cache_model_class)):
            return super().incr(key, delta, version)
