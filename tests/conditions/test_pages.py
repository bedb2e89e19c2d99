import pytest
from pytest_django.asserts import assertContains, assertNotContains

from conditions import derived
from conditions.models import ConditionSymptom, Symptom


def test_home_has_search_recently_reviewed_updated_and_totals(client, make_condition, reviewer, make_review,
                                                              make_membership):  # fmt: skip
    reviewed = make_condition(name="Wilson disease")
    unreviewed = make_condition(name="Never reviewed")
    make_review(reviewed, reviewer)
    make_membership(reviewed)
    response = client.get("/")
    assertContains(response, 'role="search"')
    assert [c.name for c in response.context["recently_reviewed"]] == ["Wilson disease"]
    assert unreviewed.name in [c.name for c in response.context["recently_updated"]]
    assertContains(response, "2 condition pages:")
    assertContains(response, "1 checked by our medical reviewers")
    assertContains(response, "1 member in 1 condition community.")


def test_home_says_truthfully_what_is_reviewed_demo_and_catalogue(client, make_condition):
    make_condition(origin="demo")
    for _ in range(2):
        make_condition(origin="catalogue")
    response = client.get("/")
    assertNotContains(response, "Rare conditions, reviewed")
    assertContains(response, "0 checked by our medical reviewers")
    assertContains(response, "1 demo page written from public sources, not yet reviewed")
    assertContains(response, "2 catalogue entries built from public rare-disease data")
    assertNotContains(response, "Recently reviewed")  # shown only once a page has a review


def test_cards_show_the_summary_as_plain_words_escaped_once(client, make_condition):
    make_condition(name="Tom and Jerry syndrome", summary="Affects **cats** & [mice](https://example.org/).")
    for response in (client.get("/"), client.get("/search/?q=jerry")):
        assertContains(response, "Affects cats &amp; mice.")
        assertNotContains(response, "&amp;amp;")
        assertNotContains(response, "**cats**")


def test_index_filters_by_letter(client, make_condition):
    make_condition(name="Lambert-Eaton myasthenic syndrome")
    make_condition(name="lipoid proteinosis")
    make_condition(name="Marfan syndrome")
    response = client.get("/conditions/?letter=L")
    assert [c.name for c in response.context["entries"]] == ["Lambert-Eaton myasthenic syndrome", "lipoid proteinosis"]
    assertContains(response, "<h1>Conditions A–Z: L</h1>", html=True)


def test_a_name_starting_with_an_accent_is_under_its_letter_and_numbers_under_0_9(client, make_condition):
    for name in ["Émery syndrome", "Ehlers-Danlos syndrome", "10q22.3q23.3 microdeletion", "Zellweger syndrome"]:
        make_condition(name=name)
    shown = [c.name for c in client.get("/conditions/", {"letter": "E"}).context["entries"]]
    assert shown == ["Ehlers-Danlos syndrome", "Émery syndrome"]
    shown = [c.name for c in client.get("/conditions/", {"letter": "0-9"}).context["entries"]]
    assert shown == ["10q22.3q23.3 microdeletion"]


def test_index_is_paginated(client, make_condition):
    for n in range(55):
        make_condition(name=f"Alpha {n:02}")
    first = client.get("/conditions/?letter=A")
    assertContains(first, "Page 1 of 2")
    assertContains(first, 'href="?letter=A&amp;page=2"')  # the next page keeps the letter
    second = client.get("/conditions/?letter=A&page=2")
    assertContains(second, "Alpha 54")
    assertNotContains(second, "Alpha 00")


def test_index_sorts_naturally_ignoring_case_letters_before_digits(client, make_condition):
    names = ["10q22.3q23.3 microdeletion", "MAN1B1 deficiency", "MALT lymphoma", "Machado-Joseph disease",
             "Type 10 thing", "Type 2 thing", "Émery syndrome", "alpha-mannosidosis"]  # fmt: skip
    for name in names:
        make_condition(name=name)
    response = client.get("/conditions/")
    shown = [c.name for c in response.context["entries"]]
    assert shown == ["alpha-mannosidosis", "Émery syndrome", "Machado-Joseph disease", "MALT lymphoma",
                     "MAN1B1 deficiency", "Type 2 thing", "Type 10 thing", "10q22.3q23.3 microdeletion"]  # fmt: skip


def test_a_renamed_page_moves_in_the_index(client, make_condition):
    page = make_condition(name="Zeta syndrome")
    make_condition(name="Beta syndrome")
    page.name = "Alpha syndrome"
    page.save()
    shown = [c.name for c in client.get("/conditions/").context["entries"]]
    assert shown == ["Alpha syndrome", "Beta syndrome"]


def test_the_signs_index_counts_published_conditions_only(client, make_condition):
    dry_mouth = Symptom.objects.create(hpo_id="HP:0000217", name="Xerostomia", slug="x-217", layperson_name="Dry mouth")
    for status in ["published", "published", "draft"]:
        ConditionSymptom.objects.create(condition=make_condition(status=status), symptom=dry_mouth)
    drafts_only = Symptom.objects.create(hpo_id="HP:0000001", name="Recorded in drafts", slug="d-1")
    ConditionSymptom.objects.create(condition=make_condition(status="draft"), symptom=drafts_only)
    derived.refresh(ConditionSymptom.objects.values_list("condition", flat=True))  # as the importers do
    response = client.get("/symptoms/")
    assertContains(response, '<span class="meta">2 conditions</span>', html=True)
    assertNotContains(response, "Recorded in drafts")


def test_index_filters_reviewed_community_and_described_pages(client, make_condition, reviewer, make_review,
                                                              make_membership, settings):  # fmt: skip
    settings.COMMUNITY_MIN_PUBLIC_COUNT = 2
    reviewed = make_condition(name="Reviewed one")
    make_review(reviewed, reviewer)
    crowded = make_condition(name="Crowded one", origin="catalogue")
    for _ in range(2):
        make_membership(crowded)
    lonely = make_condition(name="Lonely one", origin="catalogue")
    make_membership(lonely)  # below the public threshold: not listed as having a community
    make_condition(name="Bare one", origin="catalogue")  # no definition, no text by people

    def names(**params):
        return [c.name for c in client.get("/conditions/", params).context["entries"]]

    assert names(reviewed=1) == ["Reviewed one"]
    assert names(community=1) == ["Crowded one"]
    assert names(described=1) == ["Reviewed one"]
    assert names(q="ONE", community=1) == ["Crowded one"]
    assert names(q="lonely") == ["Lonely one"]


def test_index_badges_each_entry_with_its_status(client, make_condition, reviewer, make_review):
    make_review(make_condition(name="Alpha"), reviewer)
    make_condition(name="Beta", origin="demo")
    make_condition(name="Gamma", origin="catalogue")
    response = client.get("/conditions/")
    assertContains(response, '<span class="badge badge-reviewed">Reviewed</span>', html=True)
    assertContains(response, '<span class="badge badge-unreviewed">Demo, not reviewed</span>', html=True)
    assertContains(response, '<span class="badge badge-catalogue">Catalogue entry, not reviewed</span>', html=True)


def test_index_letter_links_keep_the_filters(client, make_condition):
    make_condition(name="Alpha")
    response = client.get("/conditions/", {"reviewed": "1"})
    assertContains(response, 'href="?reviewed=1&amp;letter=B"')


def test_index_hides_drafts(client, make_condition):
    make_condition(name="Draft thing", status="draft")
    assertNotContains(client.get("/conditions/"), "Draft thing")


@pytest.mark.parametrize("query", ["lambert", "LEMS", "eaton-lambert", "G70.80", "g7080", "358.30"])
def test_search_finds_by_name_acronym_synonym_and_code(client, make_condition, add_code, query):
    from conditions.models import Synonym

    lems = make_condition(name="Lambert-Eaton myasthenic syndrome", acronym="LEMS")
    Synonym.objects.create(condition=lems, name="Eaton-Lambert syndrome")
    add_code(lems, "icd-10-cm", "G70.80")
    response = client.get("/search/", {"q": query})
    assertContains(response, lems.get_absolute_url())


def test_search_by_legacy_code_follows_the_crosswalk(client, make_condition, add_code):
    lems = make_condition(name="Lambert-Eaton myasthenic syndrome")
    add_code(lems, "icd-10-cm", "G70.80")  # no ICD-9-CM code recorded
    response = client.get("/search/", {"q": "358.30"})
    assertContains(response, lems.get_absolute_url())
    assertContains(response, "/codes/icd-9-cm/358.30/")


def test_search_with_no_result_says_so_and_keeps_the_query(client, db):
    response = client.get("/search/", {"q": "zzzz"})
    assertContains(response, "No condition matches “zzzz”")
    assertContains(response, 'value="zzzz"')


def test_friendly_404(client, db, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assertContains(response, "Page not found", status_code=404)
    assertContains(response, 'role="search"', status_code=404)


def test_friendly_500(client, db, settings):
    client.raise_request_exception = False
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.conditions.broken_urls"
    response = client.get("/")
    assert response.status_code == 500
    assertContains(response, "Something went wrong", status_code=500)


def test_sitemap_lists_published_conditions_only(client, make_condition):
    make_condition(slug="public-one")
    make_condition(slug="draft-one", status="draft")
    response = client.get("/sitemap-conditions.xml")
    assertContains(response, "/conditions/public-one/")
    assertNotContains(response, "/conditions/draft-one/")


def test_robots_names_the_sitemap(client, db):
    response = client.get("/robots.txt")
    assertContains(response, "Sitemap: http://testserver/sitemap.xml")


def test_updates_feed(client, make_condition):
    make_condition(name="Fabry disease")
    assertContains(client.get("/feeds/updates/"), "Fabry disease")


def test_healthz_checks_the_database(client, db):
    response = client.get("/healthz")
    assert response.json() == {"status": "ok", "tasks": {"ready": 0, "failed_last_day": 0}}


# --- stored page parts across releases -------------------------------------------------------


def test_parts_stored_by_an_older_release_are_rendered_again(client, make_condition, settings):
    from conditions.models import Condition

    condition = make_condition(name="Quokka fever", slug="quokka-fever", summary="Current summary.")
    old_release = {"site_url": settings.SITE_URL, "head": "", "intro": "<h1>Old template</h1>", "main": "",
                   "related": "", "description": "Old."}  # fmt: skip
    Condition.objects.filter(pk=condition.pk).update(page_parts=old_release)
    response = client.get("/conditions/quokka-fever/")
    assertNotContains(response, "Old template")
    assertContains(response, "Current summary.")


def test_a_changed_part_template_renders_every_page_again(client, make_condition, settings, tmp_path):
    from pathlib import Path

    from conditions import pages

    make_condition(name="Quokka fever", slug="quokka-fever", summary="Current summary.")
    assertNotContains(client.get("/conditions/quokka-fever/"), "Released today")
    # A release whose intro template says something new (a template directory found first).
    intro = Path(settings.BASE_DIR / "templates/conditions/parts/intro.html").read_text()
    (tmp_path / "conditions/parts").mkdir(parents=True)
    (tmp_path / "conditions/parts/intro.html").write_text("<p>Released today</p>" + intro)
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    pages._templates_digest.cache_clear()  # a new release starts new processes
    try:
        settings.PAGE_CACHE = False
        assertContains(client.get("/conditions/quokka-fever/"), "Released today")
    finally:
        pages._templates_digest.cache_clear()


def test_rebuild_derived_empties_stored_parts_and_rebuilds_search(client, make_condition):
    from django.core.management import call_command

    from conditions.models import Condition, SearchEntry

    condition = make_condition(name="Quokka fever", slug="quokka-fever")
    client.get("/conditions/quokka-fever/")
    assert Condition.objects.get(pk=condition.pk).page_parts
    SearchEntry.objects.all().delete()  # as after a restore made with dumpdata
    call_command("rebuild_search", verbosity=0)  # the former name of rebuild_derived still works
    assert Condition.objects.get(pk=condition.pk).page_parts == {}
    assertContains(client.get("/search/", {"q": "quokka"}), "Quokka fever")


def test_a_review_saved_in_the_shell_sets_the_last_reviewed_date(make_condition, reviewer):
    import datetime

    from conditions.models import Condition, Review

    condition = make_condition(name="Quokka fever", slug="quokka-fever")
    dates = {"reviewed_on": datetime.date(2026, 5, 1), "next_review_on": datetime.date(2027, 5, 1)}
    Review.objects.create(condition=condition, reviewer=reviewer, content_version=condition.content_version, **dates)
    assert Condition.objects.get(pk=condition.pk).last_reviewed_on == datetime.date(2026, 5, 1)
