"""Query budgets and search at catalogue scale: the whole Orphanet catalogue (4,000+ pages,
~100,000 signs) is imported once for this module and removed after it."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from pytest_django.asserts import assertContains

from conditions.models import Condition, Origin, Symptom

CATALOGUE_TABLES = [
    # children first; SQLite's FTS triggers follow the search entries
    "conditions_searchentry", "conditions_conditionsymptom", "conditions_conditioncode", "conditions_reference",
    "conditions_conditionfact", "conditions_synonym",
]  # fmt: skip


@pytest.fixture(scope="module")
def catalogue(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("import_catalogue", verbosity=0)
        yield
        with connection.cursor() as cursor:
            ids = "SELECT id FROM conditions_condition WHERE origin = 'catalogue'"
            for table in CATALOGUE_TABLES:
                cursor.execute(f"DELETE FROM {table} WHERE condition_id IN ({ids})")
            cursor.execute("DELETE FROM conditions_condition WHERE origin = 'catalogue'")
            cursor.execute("DELETE FROM conditions_symptom")


@pytest.fixture
def busiest(catalogue, db):
    condition = (
        Condition.objects.filter(origin=Origin.CATALOGUE).annotate(n=Count("signs")).order_by("-n", "pk").first()
    )
    symptom = Symptom.objects.annotate(n=Count("condition_links")).order_by("-n", "pk").first()
    return condition, symptom


def test_the_catalogue_is_real_and_large(catalogue, db):
    assert Condition.objects.filter(origin=Origin.CATALOGUE).count() >= 4000


def test_condition_page_budget_with_the_most_signs(client, busiest, django_assert_max_num_queries, settings):
    settings.PAGE_CACHE = False
    condition, _ = busiest
    client.get("/")  # the footer's disclaimer is cached for every page
    # first view: condition; synonyms; references; codes+code; reviews; related; signs+symptom;
    # open-data facts; storing the parts; member count; stories
    with django_assert_max_num_queries(11):
        response = client.get(condition.get_absolute_url())
    assertContains(response, "Catalogue entry, not yet reviewed")
    with django_assert_max_num_queries(3):  # later views: condition with its parts; member count; stories
        assert client.get(condition.get_absolute_url()).status_code == 200


def test_index_letter_budget(client, catalogue, django_assert_max_num_queries):
    # count for the paginator; the page of conditions
    with django_assert_max_num_queries(3):
        response = client.get("/conditions/?letter=M&page=2")
    assert response.status_code == 200
    assertContains(response, "Page 2 of")


def test_search_budget_and_ranking(client, catalogue, django_assert_max_num_queries):
    # code lookup; full-text candidates; typo pass; conditions; code titles
    with django_assert_max_num_queries(6):
        response = client.get("/search/", {"q": "lamber eaton"})
    first, reason = response.context["results"][0]
    assert first.name == "Lambert-Eaton myasthenic syndrome"
    assert reason == "name"


def test_typo_finds_the_right_condition_in_the_catalogue(client, catalogue):
    first, _ = client.get("/search/", {"q": "marfn syndrome"}).context["results"][0]
    assert first.name == "Marfan syndrome"


def test_symptom_page_budget(client, busiest, django_assert_max_num_queries):
    _, symptom = busiest
    # symptom; count; page of links with conditions
    with django_assert_max_num_queries(4):
        response = client.get(symptom.get_absolute_url())
    assert response.status_code == 200


def test_community_page_budget(client, busiest, django_assert_max_num_queries):
    condition, _ = busiest
    with django_assert_max_num_queries(8):
        response = client.get(f"{condition.get_absolute_url()}community/")
    assert response.status_code == 200


def test_home_budget(client, catalogue, django_assert_max_num_queries):
    # recently reviewed; recently updated; page totals; community totals; the footer's disclaimer
    with django_assert_max_num_queries(5):
        assert client.get("/").status_code == 200
