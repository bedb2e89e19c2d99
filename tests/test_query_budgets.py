"""Every page's query budget, at the scale the site runs at: the whole Orphanet catalogue (4,000+
pages, ~100,000 signs), and on its busiest page 1,000 members, 200 stories, 20 other names, 20
related pages and 20 reviews. A page whose queries grow with its rows (an N+1) breaks its budget
here. Search at catalogue scale is checked here too.

The data is made once for this module (shared_rows in tests/conftest.py) and rolled back after
it. The reader page cache is off, so each view really runs; the cache starts empty in each test,
so the first page of a test also reads the footer's medical disclaimer."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db.models import Count, Q
from pytest_django.asserts import assertContains

from community.models import Membership, Role, Story, User
from conditions.markdown import render
from conditions.models import Condition, ConditionCode, Origin, Status, Symptom, Synonym
from conditions.workflow import review_sign_off
from diseasemaps import roles
from tests.conftest import shared_rows

MEMBERS, STORIES, EACH = 1000, 200, 20
ROLES = Role.values


def populate(condition):
    """1,000 members (every seventh listed by name) and 200 stories (every tenth pending)."""
    users = User.objects.bulk_create(
        User(email=f"bulk-{n}@example.org", username=f"bulk-{n}", display_name=f"Bulk {n}", password="!")
        for n in range(MEMBERS)
    )
    Membership.objects.bulk_create(
        Membership(user=u, condition=condition, role=ROLES[n % len(ROLES)], is_public=n % 7 == 0)
        for n, u in enumerate(users)
    )
    body = "It took *years* to get a name for it.\n\n- a list\n- of things"
    Story.objects.bulk_create(
        Story(
            author=users[n], condition=condition, title=f"Story {n}", body=body, body_html=render(body),
            role=ROLES[n % len(ROLES)], show_name=n % 2 == 0, consent=True,
            status=Story.Status.APPROVED if n % 10 else Story.Status.PENDING,
        )
        for n in range(STORIES)
    )  # fmt: skip
    others = Condition.objects.filter(origin=Origin.CATALOGUE).exclude(pk=condition.pk).order_by("pk")[:EACH]
    condition.related.add(*others)
    Synonym.objects.bulk_create(Synonym(condition=condition, name=f"Other name {n}") for n in range(EACH))
    call_command("setup_roles", verbosity=0)
    reviewer = User.objects.create(email="rev@example.org", username="rev", display_name="Dr Rev", is_staff=True)
    reviewer.groups.add(Group.objects.get(name=roles.REVIEWER))
    for n in range(EACH):
        review_sign_off(condition=condition, reviewer=reviewer, reviewed_on=datetime.date(2026, 1, 1 + n))


def use_codes():
    """Fifteen catalogue pages carry each of three codes, so a code page lists many conditions."""
    pages = Condition.objects.filter(origin=Origin.CATALOGUE).order_by("-pk")[:45]
    for n, page in enumerate(pages):
        system, value = [("icd-10-cm", "G70.81"), ("icd-9-cm", "358.39"), ("icd-10-cm", "G70.80")][n % 3]
        code = ConditionCode(condition=page, system=system, value=value, role="alternative")
        code.full_clean()
        code.save()


def _load_site():
    call_command("import_catalogue", verbosity=0)
    busiest = Condition.objects.filter(origin=Origin.CATALOGUE).annotate(n=Count("signs")).order_by("-n", "pk").first()
    symptom = Symptom.objects.annotate(n=Count("condition_links")).order_by("-n", "pk").first()
    populate(busiest)
    use_codes()
    return busiest, symptom


@pytest.fixture(scope="module")
def _site(django_db_setup, django_db_blocker):
    with shared_rows(django_db_blocker, _load_site) as site:
        yield site


@pytest.fixture
def site(_site, db, settings):
    settings.PAGE_CACHE = False  # measure the views, not the whole-page cache
    return _site


@pytest.fixture
def busiest(site):
    return site[0]


def test_the_catalogue_is_real_and_large(site):
    assert Condition.objects.filter(origin=Origin.CATALOGUE).count() >= 4000


def test_condition_page_budget(client, busiest, django_assert_max_num_queries):
    # First view after a change: the condition's stored parts (stale); its whole row; synonyms;
    # references; codes+code; reviews+reviewer; related; signs+symptom; open-data facts; storing
    # the rendered parts; member count; 3 stories+authors; storing the community box; the medical
    # disclaimer
    with django_assert_max_num_queries(14):
        response = client.get(busiest.get_absolute_url())
    assertContains(response, "1,000 members")
    assertContains(response, "Other name 19")
    # Every later view: the condition's row with its stored parts and community box
    with django_assert_max_num_queries(1):
        again = client.get(busiest.get_absolute_url())
    assert again.content == response.content


def test_community_page_budget(client, make_user, busiest, django_assert_max_num_queries):
    url = f"{busiest.get_absolute_url()}community/"
    # condition; role counts; listed members; story count (paginator); story page+authors;
    # the medical disclaimer
    with django_assert_max_num_queries(6):
        response = client.get(url, {"page": 3})
    assertContains(response, "1,000 members")
    member = make_user()
    Membership.objects.create(user=member, condition=busiest, role="patient")
    client.force_login(member)
    # a member's view: session; user; condition; role counts; listed members; story count;
    # story page+authors; their own membership (the disclaimer is cached now)
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assertContains(response, "1,001 members")


def test_home_budget(client, site, django_assert_max_num_queries):
    # recently reviewed; recently updated; page totals; community totals; the medical disclaimer
    with django_assert_max_num_queries(5):
        response = client.get("/")
    assert response.status_code == 200


def test_a_to_z_budget(client, site, django_assert_max_num_queries):
    # count for the paginator; the page of conditions; the medical disclaimer
    with django_assert_max_num_queries(3):
        response = client.get("/conditions/", {"letter": "M", "page": 2})
    assertContains(response, "Page 2 of")


def test_a_to_z_last_page_budget(client, site, django_assert_max_num_queries):
    last = -(-Condition.objects.published().count() // 50)
    # count for the paginator; the page of conditions; the medical disclaimer
    with django_assert_max_num_queries(3):
        response = client.get("/conditions/", {"page": last})
    assertContains(response, f"Page {last} of {last}")
    assert not response.context["entries"][-1].name[0].isalpha()  # names starting with a digit come last


def test_sitemap_budget(client, site, django_assert_max_num_queries):
    # per section (conditions, codes): its newest change; its count
    with django_assert_max_num_queries(4):
        client.get("/sitemap.xml")
    # the count; the page of slugs and dates
    with django_assert_max_num_queries(2):
        response = client.get("/sitemap-conditions.xml")
    assert response.content.count(b"<url>") >= 3000


def test_search_budget_and_ranking(client, site, django_assert_max_num_queries):
    # code lookup; full-text candidates; typo pass; conditions; code titles; the medical disclaimer
    with django_assert_max_num_queries(6):
        response = client.get("/search/", {"q": "lamber eaton"})
    first, reason = response.context["results"][0]
    assert first.name == "Lambert-Eaton myasthenic syndrome"
    assert reason == "name"


def test_typo_finds_the_right_condition_in_the_catalogue(client, site):
    first, _ = client.get("/search/", {"q": "marfn syndrome"}).context["results"][0]
    assert first.name == "Marfan syndrome"


def test_symptom_page_budget(client, site, django_assert_max_num_queries):
    _, symptom = site
    # symptom; count for the paginator; the page of links with their conditions; the medical disclaimer
    with django_assert_max_num_queries(4):
        response = client.get(symptom.get_absolute_url())
    assertContains(response, "Page 1 of")


def test_symptom_list_budget(client, site, django_assert_max_num_queries):
    _, symptom = site
    # count for the paginator; the page of signs with their stored counts; the medical disclaimer
    with django_assert_max_num_queries(3):
        response = client.get("/symptoms/", {"letter": symptom.plain_name[0].upper(), "page": 2})
    assertContains(response, "Page 2 of")
    with django_assert_max_num_queries(2):  # the disclaimer is cached now
        response = client.get("/symptoms/")
    assertContains(response, "Page 1 of")


def test_the_signs_stored_counts_agree_with_the_catalogue(site):
    """The import wrote ~100,000 links in bulk; the counts the signs index shows are theirs."""
    counted = Symptom.objects.annotate(
        n=Count("condition_links", filter=Q(condition_links__condition__status=Status.PUBLISHED))
    )
    assert counted.count() > 5000
    assert [(s.name, s.published_count) for s in counted if s.published_count != s.n] == []


@pytest.mark.parametrize("url", ["/codes/icd-10-cm/G70.81/", "/codes/icd-9-cm/358.30/", "/codes/icd-10-cm/G70/"])
def test_code_page_budget(client, site, django_assert_max_num_queries, url):
    # code with its ancestors; children (ICD-9-CM: its category's codes); crosswalk; the conditions
    # using it; the codes its notes name; the medical disclaimer
    with django_assert_max_num_queries(6):
        response = client.get(url)
    assert response.status_code == 200


def test_code_chapter_page_budget(client, site, django_assert_max_num_queries):
    # chapter; its blocks; the codes its notes name; the medical disclaimer
    with django_assert_max_num_queries(4):
        response = client.get("/codes/icd-10-cm/19/")
    assert response.status_code == 200
