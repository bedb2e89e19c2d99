"""Anonymous readers get cached pages; every change a reader could see retires them at once."""

import pytest
from django.test import override_settings
from pytest_django.asserts import assertContains, assertNotContains

from community.models import Membership


@pytest.fixture
def page(make_condition, settings):
    settings.COMMUNITY_MIN_PUBLIC_COUNT = 1
    return make_condition(name="Quokka fever", slug="quokka-fever", summary="First summary.")


def test_second_anonymous_read_comes_from_the_cache(client, page, django_assert_num_queries):
    assert client.get("/conditions/quokka-fever/")["X-Cache"] == "miss"
    with django_assert_num_queries(0):
        response = client.get("/conditions/quokka-fever/")
    assert response["X-Cache"] == "hit"
    assertContains(response, "First summary.")


def test_editing_the_page_retires_the_cached_copy(client, page):
    client.get("/conditions/quokka-fever/")
    page.summary = "Second summary."
    page.save()
    assertContains(client.get("/conditions/quokka-fever/"), "Second summary.")


def test_a_new_member_changes_the_cached_count(client, page, make_membership):
    make_membership(page)
    assertContains(client.get("/conditions/quokka-fever/"), "1 member")
    make_membership(page)
    assertContains(client.get("/conditions/quokka-fever/"), "2 members")


def test_a_leaving_member_changes_the_cached_count(client, page, make_membership):
    make_membership(page)
    leaving = make_membership(page)
    assertContains(client.get("/conditions/quokka-fever/"), "2 members")
    Membership.objects.get(pk=leaving.pk).delete()
    assertContains(client.get("/conditions/quokka-fever/"), "1 member")


def test_an_approved_story_appears_at_once(client, page, make_story):
    story = make_story(page, title="Finding a name for it", status="pending")
    assertNotContains(client.get("/conditions/quokka-fever/"), "Finding a name for it")
    story.status = "approved"
    story.save()
    assertContains(client.get("/conditions/quokka-fever/"), "Finding a name for it")


def test_a_logged_in_member_is_never_served_the_shared_copy(client, page, make_user):
    client.get("/conditions/quokka-fever/")
    client.force_login(make_user())
    response = client.get("/conditions/quokka-fever/")
    assert "X-Cache" not in response


def test_search_results_follow_a_rename(client, page):
    assertContains(client.get("/search/", {"q": "quokka"}), "Quokka fever")
    page.name = "Wombat fever"
    page.save()
    response = client.get("/search/", {"q": "wombat"})
    assertContains(response, "Wombat fever")


def test_page_cache_can_be_switched_off(client, page, settings):
    settings.PAGE_CACHE = False
    client.get("/conditions/quokka-fever/")
    assert "X-Cache" not in client.get("/conditions/quokka-fever/")


def test_a_join_keeps_other_pages_cached_but_refreshes_home_totals(client, page, make_condition, make_membership,
                                                                   django_assert_num_queries):  # fmt: skip
    other = make_condition(name="Wombat fever", slug="wombat-fever")
    client.get(other.get_absolute_url())
    client.get("/conditions/")
    assertContains(client.get("/"), "0 members")
    make_membership(page)
    with django_assert_num_queries(0):
        assert client.get(other.get_absolute_url())["X-Cache"] == "hit"
        assert client.get("/conditions/")["X-Cache"] == "hit"
    assertContains(client.get("/"), "1 member in 1 condition community")
    assertContains(client.get("/conditions/quokka-fever/"), "1 member")
    assertContains(client.get("/conditions/quokka-fever/community/"), "1 member")


def test_a_story_on_another_condition_keeps_this_page_cached(client, page, make_condition, make_story):
    other = make_condition(name="Wombat fever", slug="wombat-fever")
    client.get("/conditions/quokka-fever/")
    make_story(other, title="Hello", status="approved")
    assert client.get("/conditions/quokka-fever/")["X-Cache"] == "hit"


def _cached_pages():
    from django.core.cache import cache

    return [key for key in cache._cache if ":pagecache:" in key and ":pagecache:key:" not in key]


def test_junk_query_parameters_share_one_cached_copy(client, page):
    client.get("/conditions/quokka-fever/")
    for n in range(20):
        response = client.get("/conditions/quokka-fever/", {"utm_source": f"junk-{n}"})
        assert response["X-Cache"] == "hit"
    assert len(_cached_pages()) == 1


def test_the_parameters_a_page_reads_still_tell_copies_apart(client, page, make_condition):
    make_condition(name="Lemur pox", slug="lemur-pox")
    assertContains(client.get("/conditions/", {"letter": "Q", "junk": "1"}), "Quokka fever")
    response = client.get("/conditions/", {"letter": "L", "junk": "2"})
    assertContains(response, "Lemur pox")
    assertNotContains(response, "Quokka fever")
    assert client.get("/search/", {"q": "lemur", "x": "1"})["X-Cache"] == "miss"
    assert client.get("/search/", {"q": "lemur", "x": "2"})["X-Cache"] == "hit"
    assertContains(client.get("/search/", {"q": "quokka"}), "Quokka fever")


def test_check_deploy_refuses_a_per_process_cache_with_several_workers(settings, monkeypatch):
    from django.core import checks

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    monkeypatch.setenv("GUNICORN_WORKERS", "4")
    errors = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.caches])
    assert [e.id for e in errors if e.level >= checks.WARNING] == ["diseasemaps.E001"]

    monkeypatch.setenv("GUNICORN_WORKERS", "1")  # one process: its own cache is the only one
    assert not checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.caches])


def test_check_deploy_accepts_the_default_shared_cache(monkeypatch):
    from django.core import checks
    from django.test import override_settings

    from diseasemaps import settings as project_settings

    assert project_settings.CACHES["default"]["BACKEND"] in {
        "diseasemaps.cache.DatabaseCache", "django.core.cache.backends.redis.RedisCache"
    }  # fmt: skip
    monkeypatch.setenv("GUNICORN_WORKERS", "4")
    with override_settings(CACHES=project_settings.CACHES):  # what the site runs with (tests: a memory cache)
        assert not checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.caches])


def test_with_the_default_database_cache_a_hit_costs_one_query(client, page, django_assert_num_queries):
    database_cache = {"default": {"BACKEND": "diseasemaps.cache.DatabaseCache", "LOCATION": "diseasemaps_cache"}}
    with override_settings(CACHES=database_cache):  # its rows roll back with the test
        assert client.get("/conditions/quokka-fever/")["X-Cache"] == "miss"
        with django_assert_num_queries(1):  # the page and the versions of its keys, together
            assert client.get("/conditions/quokka-fever/")["X-Cache"] == "hit"
        page.summary = "Second summary."
        page.save()
        response = client.get("/conditions/quokka-fever/")
        assert response["X-Cache"] == "miss"
        assertContains(response, "Second summary.")
