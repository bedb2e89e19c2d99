"""The embedded default cache (diseasemaps.cache.DatabaseCache) on the test database, SQLite or
PostgreSQL: what it returns is what was stored, and nothing once it has expired."""

import time

import pytest
from django.core.cache import caches
from django.test import override_settings

DATABASE_CACHE = {"default": {"BACKEND": "diseasemaps.cache.DatabaseCache", "LOCATION": "diseasemaps_cache"}}


@pytest.fixture
def cache(db):
    with override_settings(CACHES=DATABASE_CACHE):  # its rows roll back with the test
        yield caches["default"]


def test_a_read_returns_what_was_stored_and_leaves_out_what_was_not(cache):
    cache.set("page", ("v1", b"<html>\xe2\x80\x93</html>"), None)
    cache.set("count", 41)
    cache.incr("count")
    assert cache.get_many(["page", "count", "never-stored"]) == {
        "page": ("v1", b"<html>\xe2\x80\x93</html>"),
        "count": 42,
    }
    assert cache.get("never-stored", "fallback") == "fallback"
    assert cache.get_many([]) == {}


def test_an_expired_entry_is_not_returned(cache):
    cache.set("short", "soon gone", 1)
    cache.set("long", "still here", 3600)
    time.sleep(2.1)  # expiry is kept to the second
    assert cache.get_many(["short", "long"]) == {"long": "still here"}
    assert cache.get("short") is None
