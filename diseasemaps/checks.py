"""System checks for how the site is deployed (`manage.py check --deploy`)."""

import os

from django.conf import settings
from django.core import checks

PER_PROCESS_CACHES = {"django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.dummy.DummyCache"}


def gunicorn_workers():
    """How many processes gunicorn.conf.py starts: GUNICORN_WORKERS, or 2 × CPUs + 1."""
    return int(os.environ.get("GUNICORN_WORKERS", 2 * (os.cpu_count() or 1) + 1))


@checks.register(checks.Tags.caches, deploy=True)
def shared_cache(app_configs, **kwargs):
    """Cached pages, rate limits and sessions are correct only in a cache every process shares."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend in PER_PROCESS_CACHES and gunicorn_workers() > 1:
        return [
            checks.Error(
                f"The cache ({backend.rsplit('.', 1)[-1]}) belongs to one process, but gunicorn starts "
                f"{gunicorn_workers()} workers: each would serve its own stale pages and count its own "
                "log-in failures.",
                hint="Leave CACHE_URL unset (the database cache every process shares), set it to a "
                "redis:// URL, or run one worker (GUNICORN_WORKERS=1).",
                id="diseasemaps.E001",
            )
        ]
    return []
