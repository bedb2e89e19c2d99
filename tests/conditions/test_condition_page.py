import json
import re

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from conditions.models import Reference, Synonym


@pytest.fixture
def lems(make_condition, add_code):
    condition = make_condition(
        name="Lambert-Eaton myasthenic syndrome",
        slug="lems",
        acronym="LEMS",
        summary="LEMS is a rare condition with muscle weakness.",
        diagnosis="1. Antibody test\n2. EMG",
        treatment="Amifampridine <script>alert(1)</script>",
    )
    Synonym.objects.create(condition=condition, name="Eaton-Lambert syndrome")
    add_code(condition, "icd-10-cm", "g7080", role="primary")
    add_code(condition, "icd-10-cm", "G73.1", role="alternative", note="Code first the underlying neoplasm.")
    add_code(condition, "icd-9-cm", "35830", role="primary")
    Reference.objects.create(condition=condition, title="ICD-10-CM Tabular List", url="https://example.org/icd")
    return condition


def test_page_shows_name_acronym_summary_and_sections(client, lems):
    response = client.get("/conditions/lems/")
    assert response.status_code == 200
    assertContains(
        response, '<h1>Lambert-Eaton myasthenic syndrome <span class="acronym">(LEMS)</span></h1>', html=True
    )
    assertContains(response, "LEMS is a rare condition with muscle weakness.")
    assertContains(response, '<h2 id="diagnosis">Diagnosis</h2>', html=True)
    assertContains(response, "<li>Antibody test</li>", html=True)
    assertContains(response, "Also called: Eaton-Lambert syndrome")


def test_markdown_sections_are_sanitised(client, lems):
    response = client.get("/conditions/lems/")
    assertNotContains(response, "<script>alert(1)</script>")
    assertContains(response, "Amifampridine")


def test_codes_panel_shows_official_titles_roles_and_notes(client, lems):
    response = client.get("/conditions/lems/")
    assertContains(response, "G70.80")  # typed as g7080, stored canonical
    assertContains(response, "Lambert-Eaton syndrome, unspecified")
    assertContains(response, "Lambert-Eaton syndrome in neoplastic disease")
    assertContains(response, "Code first the underlying neoplasm.")
    assertContains(response, "358.30")
    assertContains(response, 'href="/codes/icd-10-cm/G73.1/"')


def test_unreviewed_page_never_claims_a_review(client, lems):
    response = client.get("/conditions/lems/")
    assertContains(response, "Not yet medically reviewed")
    assertNotContains(response, "Medically reviewed</span> by")


def test_review_line_names_reviewer_credentials_and_dates(client, lems, reviewer, make_review):
    make_review(lems, reviewer)
    response = client.get("/conditions/lems/")
    assertContains(response, "Dr Ada Reviewer, MD, neurologist")
    assertContains(response, "1 November 2026")
    assertContains(response, "Next review due")
    assertContains(response, "1 November 2027")


def test_edit_after_review_shows_changed_since_review_with_last_date(client, lems, reviewer, make_review):
    make_review(lems, reviewer)
    lems.treatment = "Amifampridine and treatment of the underlying cancer."
    lems.save()
    response = client.get("/conditions/lems/")
    assertContains(response, "Changed since review")
    assertContains(response, "1 November 2026")
    assertNotContains(response, "Next review due")


def test_medical_disclaimer_on_every_page(client, lems):
    for url in ["/", "/conditions/", "/conditions/lems/", "/search/?q=lems"]:
        assertContains(client.get(url), "Medical disclaimer:")


def test_disclaimer_is_editable(client, lems, admin_client):
    from conditions.models import SiteText

    admin_client.get("/admin/conditions/sitetext/")  # makes the row on a fresh site
    text = SiteText.objects.get(key=SiteText.Key.MEDICAL_DISCLAIMER)  # beside the privacy notice
    admin_client.post(f"/admin/conditions/sitetext/{text.pk}/change/", {"text": "Talk to your doctor first."})
    assert SiteText.objects.get(key=SiteText.Key.MEDICAL_DISCLAIMER).text == "Talk to your doctor first."
    assertContains(client.get("/conditions/lems/"), "Talk to your doctor first.")


def test_a_new_disclaimer_replaces_the_one_every_page_has_shown(client, lems, make_user):
    from conditions.models import DEFAULT_DISCLAIMER, SiteText

    member = make_user()
    client.force_login(member)
    assertContains(client.get("/accounts/me/"), DEFAULT_DISCLAIMER[:60])  # a member's page
    client.logout()
    assertContains(client.get("/conditions/lems/"), DEFAULT_DISCLAIMER[:60])  # a reader page
    SiteText.objects.create(key=SiteText.Key.MEDICAL_DISCLAIMER, text="Ask your own doctor.")
    response = client.get("/conditions/lems/")
    assertContains(response, "Ask your own doctor.")
    assertNotContains(response, DEFAULT_DISCLAIMER[:60])
    client.force_login(member)
    assertContains(client.get("/accounts/me/"), "Ask your own doctor.")


def test_draft_page_is_not_public(client, make_condition):
    draft = make_condition(status="draft")
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_community_box_shows_member_count(client, lems, make_membership, settings):
    settings.COMMUNITY_MIN_PUBLIC_COUNT = 2
    for _ in range(3):
        make_membership(lems)
    response = client.get("/conditions/lems/")
    assertContains(response, "3 members")
    assertContains(response, 'href="/conditions/lems/community/"')


def test_small_community_count_is_not_exact(client, lems, make_membership):
    make_membership(lems)
    response = client.get("/conditions/lems/")
    assertContains(response, "Fewer than 10 members")


def test_related_conditions_are_linked(client, lems, make_condition):
    other = make_condition(name="Myasthenia gravis", slug="mg")
    lems.related.add(other)
    assertContains(client.get("/conditions/lems/"), 'href="/conditions/mg/"')


def test_structured_data_describes_the_condition_and_its_codes(client, lems, reviewer, make_review):
    make_review(lems, reviewer)
    html = client.get("/conditions/lems/").content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(block)
    assert data["@type"] == "MedicalWebPage"
    assert data["about"]["@type"] == "MedicalCondition"
    assert "Eaton-Lambert syndrome" in data["about"]["alternateName"]
    assert {"@type": "MedicalCode", "codeValue": "G70.80", "codingSystem": "ICD-10-CM"} in data["about"]["code"]
    assert data["lastReviewed"] == "2026-11-01"
    assert data["reviewedBy"]["name"] == "Dr Ada Reviewer"


def test_structured_data_cannot_be_broken_out_of(client, make_condition):
    make_condition(slug="x", summary="</script><script>alert(1)</script>")
    html = client.get("/conditions/x/").content.decode()
    assert "</script><script>alert(1)" not in html


def test_head_has_canonical_description_and_open_graph(client, lems):
    response = client.get("/conditions/lems/")
    assertContains(response, '<link rel="canonical" href="http://127.0.0.1:8000/conditions/lems/">')
    assertContains(response, '<meta name="description" content="LEMS is a rare condition with muscle weakness.">')
    assertContains(
        response, '<meta property="og:title" content="Lambert-Eaton myasthenic syndrome (LEMS) – DiseaseMaps">'
    )
    assertContains(response, "<title>Lambert-Eaton myasthenic syndrome (LEMS) – DiseaseMaps</title>")


def test_stored_page_follows_every_change(client, lems, make_condition, reviewer, make_review, settings):
    settings.PAGE_CACHE = False
    client.get("/conditions/lems/")
    Synonym.objects.create(condition=lems, name="Brand-new other name")
    assertContains(client.get("/conditions/lems/"), "Brand-new other name")
    lems.related.add(make_condition(name="Newly related condition"))
    assertContains(client.get("/conditions/lems/"), "Newly related condition")
    make_review(lems, reviewer)
    assertContains(client.get("/conditions/lems/"), "Dr Ada Reviewer")
    lems.codes.get(value="G73.1").delete()
    assertNotContains(client.get("/conditions/lems/"), "Lambert-Eaton syndrome in neoplastic disease")
    Reference.objects.create(condition=lems, title="A new source")
    assertContains(client.get("/conditions/lems/"), "A new source")


def test_meta_and_open_graph_descriptions_escape_entities_once(client, make_condition):
    condition = make_condition(slug="dosing", summary="Doses < 5 mg & rising are **common**.")
    response = client.get(f"/conditions/{condition.slug}/")
    assertContains(response, '<meta name="description" content="Doses &lt; 5 mg &amp; rising are common.">')
    assertContains(response, '<meta property="og:description" content="Doses &lt; 5 mg &amp; rising are common.">')
    assertNotContains(response, "&amp;lt;")
    assertNotContains(response, "&amp;amp;")
