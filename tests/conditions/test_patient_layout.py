"""The condition page and the visit sheet as a patient reads them: what comes first, how codes are
explained, where help is, and a sheet to take to the doctor."""

import json
import re

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from conditions.models import ConditionFact, Reference


@pytest.fixture
def full_page(make_condition, add_code):
    condition = make_condition(
        name="Lambert-Eaton myasthenic syndrome",
        slug="lems",
        acronym="LEMS",
        summary="A rare condition that makes **muscles** weak.",
        clinical_significance="What it means.",
        symptoms="Weak legs.",
        causes="The immune system.",
        diagnosis="A blood test.",
        treatment="Medicines.",
        living_with="Day to day.",
        coding_notes="Code G70.80 when nothing else is documented.",
    )
    add_code(condition, "icd-10-cm", "G70.80", role="primary")
    add_code(condition, "icd-10-cm", "G73.1", role="alternative", fit="narrower")
    add_code(condition, "icd-10-cm", "C00-D49", role="code_first", fit="", note="With G73.1: the neoplasm.")
    ConditionFact.objects.create(
        condition=condition, kind="link", text="GARD: LEMS", url="https://rarediseases.info.nih.gov/diseases/6851/x",
        source="MONDO",
    )  # fmt: skip
    ConditionFact.objects.create(condition=condition, kind="onset", text="Usually in adulthood.", source="HPO", order=1)
    Reference.objects.create(condition=condition, title="A clinical review", url="https://example.org/review")
    return condition


def _positions(html, markers):
    found = [(html.find(marker), marker) for marker in markers]
    missing = [marker for position, marker in found if position < 0]
    assert not missing, f"not on the page: {missing}"
    return [marker for _, marker in sorted(found)]


def test_sections_come_in_the_order_a_patient_asks(client, full_page):
    html = client.get("/conditions/lems/").content.decode()
    order = [
        "<h1>",
        'class="status-line"',
        ">Short answer</h2>",
        ">Community</h2>",
        ">On this page</h2>",
        ">What it is</h2>",
        ">Who gets it</h2>",
        ">Symptoms</h2>",
        ">Causes and inheritance</h2>",
        ">Diagnosis</h2>",
        ">Treatment</h2>",
        ">Living with it and outlook</h2>",
        ">Get help</h2>",
        ">Codes for your records</h2>",
        "<summary>Notes for coders</summary>",
        ">Sources</h2>",
        ">Review details</h2>",
    ]
    assert _positions(html, order) == order


def test_jump_links_list_only_the_sections_the_page_has(client, make_condition):
    make_condition(slug="short", diagnosis="A blood test.")
    response = client.get("/conditions/short/")
    toc = re.search(r'<nav class="toc".*?</nav>', response.content.decode(), re.S).group(0)
    assert re.findall(r'href="#([-a-z]+)"', toc) == ["diagnosis", "get-help", "codes", "sources", "review"]


def test_coding_notes_are_folded_away_for_coders_not_a_reader_section(client, full_page):
    response = client.get("/conditions/lems/")
    assertNotContains(response, "Coding notes</h2>")
    assertContains(response, "Code G70.80 when nothing else is documented.")


def test_codes_section_opens_with_a_plain_line_and_explains_code_first_gently(client, full_page):
    response = client.get("/conditions/lems/")
    assertContains(response, "the codes your doctor, hospital or insurer may use for this condition")
    assertContains(response, "seeing it here does not mean you have it")
    assertContains(response, "Only when a doctor has also found this other condition: its code is listed first.")


def test_get_help_links_say_where_they_go_and_offer_the_visit_sheet(client, full_page):
    response = client.get("/conditions/lems/")
    assertContains(response, 'href="https://rarediseases.info.nih.gov/diseases/6851/x"')
    assertContains(response, "Genetic and Rare Diseases Information Center (GARD): a page for patients.")
    assertContains(response, 'href="/conditions/lems/visit/"')


def test_structured_data_description_is_plain_text(client, full_page):
    html = client.get("/conditions/lems/").content.decode()
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["description"] == "A rare condition that makes muscles weak."


def test_status_line_says_what_kind_of_unreviewed_page_it_is(client, make_condition):
    make_condition(slug="demo", origin="demo")
    make_condition(slug="catalogue", origin="catalogue")
    assertContains(
        client.get("/conditions/demo/"),
        "Demo content put together by the DiseaseMaps team from the sources listed on this page, waiting for a medical "
        "reviewer.",
    )
    assertContains(client.get("/conditions/catalogue/"), "Catalogue entry from public rare-disease data")


def test_visit_sheet_has_codes_review_status_questions_medicines_and_notes(client, full_page):
    response = client.get("/conditions/lems/visit/")
    assert response.status_code == 200
    assertContains(response, "<h1>Lambert-Eaton myasthenic syndrome (LEMS)</h1>", html=True)
    assertContains(response, "G70.80")
    assertContains(response, "Lambert-Eaton syndrome, unspecified")
    assertContains(response, "Not yet medically reviewed.")
    assertContains(response, "What treatments are there for me")
    assertContains(response, "Medicines I take")
    assertContains(response, 'class="note-line"')
    assertContains(response, "only when a doctor has also found that condition")


def test_visit_sheet_shows_the_review_date(client, full_page, reviewer, make_review):
    make_review(full_page, reviewer)
    assertContains(client.get("/conditions/lems/visit/"), "medically reviewed on 1 November 2026 by Dr Ada Reviewer")


def test_visit_sheet_of_a_draft_is_not_public(client, make_condition):
    draft = make_condition(status="draft")
    assert client.get(f"/conditions/{draft.slug}/visit/").status_code == 404


def test_visit_sheet_costs_a_fixed_number_of_queries(client, full_page, django_assert_max_num_queries, settings):
    settings.PAGE_CACHE = False
    # condition; codes+code; reviews; the medical disclaimer
    with django_assert_max_num_queries(4):
        client.get("/conditions/lems/visit/")
