"""The demo site is loaded once for this module (tests/conftest.py's `demo`); each test's changes
are rolled back."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from community.models import Membership, User
from conditions.catalogue.demo import LEMS
from conditions.models import Code, Condition, ConditionCode

LEMS_URL = "/conditions/lambert-eaton-myasthenic-syndrome/"


def test_demo_lems_page_has_verified_codes(demo):
    lems = Condition.objects.get(slug="lambert-eaton-myasthenic-syndrome")
    codes = {(c.system, c.value): c for c in lems.codes.all()}
    assert codes[("icd-10-cm", "G70.80")].role == ConditionCode.Role.PRIMARY
    assert codes[("icd-9-cm", "358.30")].role == ConditionCode.Role.PRIMARY
    # the seed's ICD-9-CM 358.41 does not exist, so it must not be copied
    assert ("icd-9-cm", "358.41") not in codes
    assert not Code.objects.filter(system="icd-9-cm", code="358.41").exists()
    for code in lems.codes.filter(system__in=["icd-10-cm", "icd-9-cm"]).exclude(value="C00-D49"):
        assert code.code is not None and code.code.code == code.value
    # G73.1's official note: "Code first underlying neoplasm (C00-D49)", a range (chapter 2), not C34.90
    neoplasm = codes[("icd-10-cm", "C00-D49")]
    assert neoplasm.role == ConditionCode.Role.CODE_FIRST
    assert neoplasm.fit == ""
    assert neoplasm.code.title == "Neoplasms (C00-D49)"
    assert ("icd-10-cm", "C34.90") not in codes


def test_demo_lems_community_has_the_seeds_23_members(demo):
    assert Membership.objects.filter(condition__slug="lambert-eaton-myasthenic-syndrome").count() == 23


def test_demo_has_at_least_six_published_conditions_all_with_codes(demo):
    published = Condition.objects.published()
    assert published.count() >= 6
    for condition in published:
        assert condition.codes.filter(system="icd-10-cm", role="primary").exists(), condition


def test_demo_content_is_marked_unreviewed_and_says_who_wrote_it(demo, client):
    html = client.get(LEMS_URL).content.decode()
    assert "Demo content, not yet reviewed: the DiseaseMaps team put this page together from the sources listed" in html
    assert not Condition.objects.filter(reviews__isnull=False).exists()


def test_demo_accounts_can_log_in(demo, client):
    response = client.post(
        reverse("community:login"), {"username": "editor@diseasemaps.example", "password": "editor-demo-2026"}
    )
    assert response.status_code == 302
    assert client.get(reverse("community:me")).context["user"].email == "editor@diseasemaps.example"
    assert User.objects.get(email="reviewer@diseasemaps.example").credentials


def test_load_demo_twice_changes_nothing(demo, settings):
    settings.DEBUG = True  # load_demo refuses production
    before = list(Condition.objects.values_list("slug", "updated_at", "content_version"))
    counts = (ConditionCode.objects.count(), Membership.objects.count(), User.objects.count())
    call_command("load_demo", verbosity=0)
    assert list(Condition.objects.values_list("slug", "updated_at", "content_version")) == before
    assert (ConditionCode.objects.count(), Membership.objects.count(), User.objects.count()) == counts


def test_load_demo_refuses_production(db, settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=true"):
        call_command("load_demo", verbosity=0)


def test_load_demo_leaves_a_page_an_editor_took_over(demo, settings):
    settings.DEBUG = True  # load_demo refuses production
    lems = Condition.objects.get(slug="lambert-eaton-myasthenic-syndrome")
    lems.summary = "Rewritten by our editor."
    lems.origin = "editorial"
    lems.save()
    call_command("load_demo", verbosity=0)
    lems.refresh_from_db()
    assert lems.summary == "Rewritten by our editor."


def _section(html, heading_id):
    """The reader page's text under one heading, up to the end of its section, tags removed."""
    start = html.index(f'id="{heading_id}"')
    return re.sub(r"<[^>]+>", " ", html[start : html.index("</section>", start)])


def test_lems_short_answer_is_plain_words_without_codes(demo, client):
    answer = _section(client.get(LEMS_URL).content.decode(), "short-answer-heading")
    assert "immune system attacks the places where nerves pass signals to muscles" in answer
    assert not re.search(r"\b[A-Z]\d\d\.\d|\b\d{3}\.\d\d\b|ICD", answer)  # no G70.80, 358.30, ICD-10-CM
    assert "presynaptic" not in answer and "paraneoplastic" not in answer
    sentences = [s for s in re.split(r"(?<=\.)\s+", " ".join(answer.split())) if s.endswith(".")]
    assert 3 <= len(sentences) <= 5 and all(len(s.split()) <= 25 for s in sentences), sentences  # short, NHS style


def test_lems_symptoms_say_plain_words_first_and_keep_the_recorded_signs(demo, client):
    symptoms = _section(client.get(LEMS_URL).content.decode(), "symptoms")
    assert "Dry mouth (xerostomia)" in symptoms
    assert "Drooping eyelids (ptosis)" in symptoms
    # the seed's "improves temporarily with exercise" read as advice; brief effort helps, longer effort tires
    assert "improves temporarily with exercise" not in symptoms
    assert "longer effort tires the muscles" in symptoms
    lems = Condition.objects.get(slug="lambert-eaton-myasthenic-syndrome")
    assert lems.signs.filter(symptom__name="Calcium channel antibody positivity").exists()


def test_lems_nerve_test_finding_is_an_increase_and_cancer_screening_is_repeated(demo, client):
    diagnosis = _section(client.get(LEMS_URL).content.decode(), "diagnosis")
    # a decrement points readers to myasthenia gravis; the increase after brief maximal effort identifies LEMS
    assert "increases markedly" in diagnosis
    assert "about 10 seconds of the strongest effort" in diagnosis
    assert "decremental" not in diagnosis
    assert "the scans are repeated" in diagnosis
    assert "every 6 months for 2 years (Titulaer 2008)" in diagnosis


def test_lems_treatment_names_more_than_amifampridine(demo, client):
    treatment = _section(client.get(LEMS_URL).content.decode(), "treatment")
    for name in ["Amifampridine", "Pyridostigmine", "prednisone", "azathioprine", "IVIg", "plasma exchange"]:
        assert name in treatment, name
    assert "Treating the cancer" in treatment


def test_lems_what_it_is_drops_the_claim_that_coding_drives_cancer_screening(demo, client):
    what_it_is = _section(client.get(LEMS_URL).content.decode(), "what-it-is")
    assert "coding" not in what_it_is.lower()
    assert "Why doctors look for cancer" in what_it_is
    assert "Many people have no cancer" in what_it_is


def test_every_lems_citation_is_a_listed_source_and_every_source_is_cited(demo, client):
    html = client.get(LEMS_URL).content.decode()
    sources = _section(html, "sources")
    # the page's Markdown as the loader writes it, with the sections other pages gain (urgent help, medicines...)
    text = "\n".join(value for value in LEMS.values() if isinstance(value, str))
    cited = {part.strip() for group in re.findall(r"\(([^()]*)\)", text) for part in group.split(";")}
    author_years = {c for c in cited if re.fullmatch(r"[A-Z][a-z]+ \d{4}", c)}
    assert author_years >= {"Titulaer 2011", "Titulaer 2008", "Keogh 2011", "Lipka 2020", "Weingarten 2014"}
    for citation in author_years:
        author, year = citation.split()
        assert re.search(rf"{author} [A-Z]+,.*?, {year}\.", sources), f"{citation} is not in Sources"
    for ref in LEMS["references"]:
        assert ref["title"] in sources, ref["title"]
        # cited by first author and year, or by the short name in brackets: (MDA), (FDA label)
        author = re.match(r"([A-Z][a-z]+) [A-Z]+,", ref["title"])
        key = author.group(1) if author else re.findall(r"\(([^()]+)\)", f"{ref['title']} {ref['publisher']}")[-1]
        assert any(c == key or c.startswith(f"{key} ") for c in cited), f"{ref['title']} is never cited"


def test_lems_corrections_are_in_its_history_not_on_the_reader_page(demo, client, reviewer, settings):
    html = client.get(LEMS_URL).content.decode()
    assert "Corrections to the page" not in html
    assert "358.41" not in html
    lems = Condition.objects.get(slug="lambert-eaton-myasthenic-syndrome")
    note = LEMS["history_note"]
    assert len(note) <= lems.history.model._meta.get_field("history_change_reason").max_length
    client.force_login(reviewer)
    response = client.get(f"/admin/conditions/condition/{lems.pk}/history/")
    assert note in response.content.decode()
    settings.DEBUG = True  # load_demo refuses production
    call_command("load_demo", verbosity=0)
    assert lems.history.filter(history_change_reason=note).count() == 1  # recorded once
