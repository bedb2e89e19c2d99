"""The ICD-10-CM conventions (issue 14): notes reach every code they bind, are said as the official
text says them, and a condition's own codes are kept apart from the codes coded with it."""

import json
import re
from io import StringIO
from types import SimpleNamespace

import pytest
import simple_icd_10_cm as icd
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from pytest_django.asserts import assertContains, assertNotContains

from conditions.codes import format as code_format
from conditions.codes import notes as code_notes
from conditions.models import Code, Condition, ConditionCode

I10 = code_format.ICD10CM

# --- over the whole loaded release -------------------------------------------------------------


@pytest.fixture(scope="module")
def release(django_db_blocker):
    """Every loaded ICD-10-CM entry in memory, each with its chain of ancestors (chapter first)."""
    with django_db_blocker.unblock():
        rows = list(
            Code.objects.filter(system=I10).values("id", "code", "title", "kind", "is_billable", "notes", "parent_id")
        )
    entries = {row["id"]: SimpleNamespace(**row) for row in rows}
    for entry in entries.values():
        entry.parent = entries.get(entry.parent_id)
    for entry in entries.values():
        chain, parent = [], entry.parent
        while parent is not None:
            chain.insert(0, parent)
            parent = parent.parent
        entry.chain = chain
    return {entry.code: entry for entry in entries.values()}


def test_every_code_inherits_the_notes_of_each_range_that_spans_it(release):
    # A range A-B spans every category from A to B in the tabular list's order (the package's own
    # order, not the loader's), so each code under one must have it as an ancestor and its notes.
    order = {code: n for n, code in enumerate(icd.get_all_codes(with_dots=True)) if icd.is_category(code)}
    ranges = [e for e in release.values() if e.kind == "block" and "-" in e.code]
    assert {"V00-V99", "T20-T32", "M00-M25", "Y62-Y84"} <= {r.code for r in ranges}
    spans = []  # (first position, last position, range, the notes it binds its codes to)
    for span in ranges:
        first, last = span.code.split("-")
        if first in order and last in order:  # not U00-U49: reserved, with no category U00
            binding = {k for k in code_notes.INHERITED_KINDS if span.notes.get(k)} - {"code_first"}
            spans.append((order[first], order[last], span.code, binding))
    missing = []
    for entry in release.values():
        if entry.kind in ("chapter", "block"):
            continue
        position = order[entry.code.split(".")[0]]
        chain = {ancestor.code for ancestor in entry.chain}
        inherited_from = None  # worked out once per code, when a range binds it to notes
        for first, last, span, binding in spans:
            if not first <= position <= last:
                continue
            if span not in chain:
                missing.append((entry.code, span))
                continue
            if binding and inherited_from is None:
                _, inherited = code_notes.note_groups(entry, entry.chain)
                inherited_from = {ancestor.code for ancestor, _ in inherited}
            if binding and span not in inherited_from:
                missing.append((entry.code, span))
    assert missing == []
    v37 = release["V37.0XXS"]
    _, inherited = code_notes.note_groups(v37, v37.chain)
    items = [item for ancestor, groups in inherited if ancestor.code == "V00-V99" for g in groups for item in g.items]
    assert "Airbag injury (W22.1)" in items
    burn = release["T21.01XA"]
    _, inherited = code_notes.note_groups(burn, burn.chain)
    assert any("sunburn (L55.-)" in g.items for a, groups in inherited if a.code == "T20-T32" for g in groups)


def test_no_poisoning_code_carries_the_adverse_effect_instruction(release):
    checked = {"adverse": 0, "poisoning": 0}
    for entry in release.values():
        if not ("T36" <= entry.code[:3] <= "T50" and entry.is_billable):
            continue
        own, inherited = code_notes.note_groups(entry, entry.chain)
        groups = [*own, *(g for _, gs in inherited for g in gs)]
        said = any(item.startswith("Code first, for adverse effects") for g in groups for item in g.items)
        if entry.title.startswith("Adverse effect of"):
            checked["adverse"] += 1
            assert said, entry.code
        else:  # poisoning (accidental, intentional self-harm, assault, undetermined) and underdosing
            checked["poisoning"] += 1
            assert not said, entry.code
    assert checked["adverse"] == 525  # three encounters each (A, D, S) for 175 substances
    assert checked["poisoning"] == 3186 - 525


def test_no_explanation_of_any_code_writes_a_code_in_lower_case(release):
    lower = re.compile(r"(?<![A-Za-z0-9])[a-z][0-9][0-9a-z](?:\.[0-9a-z]{1,4})?(?![A-Za-z0-9])")
    found = set()
    explained = 0
    for entry in release.values():
        own, inherited = code_notes.note_groups(entry, entry.chain)
        for group in [*own, *(g for _, gs in inherited for g in gs)]:
            explained += 1
            found.update(lower.findall(group.explanation))
    assert explained > 500_000
    assert found == set()


def test_a_group_page_names_its_codes_in_their_case(client, db):
    assertContains(client.get("/codes/icd-10-cm/G70/"), "never used at the same time as the codes in G70.")
    assertContains(client.get("/codes/icd-10-cm/T48.4/"), "adverse-effect codes in T48.4 only")


# --- code pages --------------------------------------------------------------------------------


def test_a_transport_accident_page_shows_the_notes_and_breadcrumb_of_v00_v99(client, db):
    response = client.get("/codes/icd-10-cm/V37.0XXS/")
    assertContains(response, '<a href="/codes/icd-10-cm/V00-V99/">V00-V99</a>', html=True)
    assertContains(response, "Notes on V00-V99 that apply to V37.0XXS too")
    assertContains(response, 'Airbag injury (<a href="/codes/icd-10-cm/W22.1/">W22.1</a>)')


def test_a_crosswalk_to_a_code_that_is_no_longer_billable_lists_the_billable_codes_under_it(client, db):
    response = client.get("/codes/icd-9-cm/359.1/")
    assertContains(response, "<strong>Not billable</strong> in the loaded release: G71.0 is a subcategory")
    assertContains(response, '<a class="code" href="/codes/icd-10-cm/G71.01/">G71.01</a> Duchenne or Becker')
    assertNotContains(client.get("/codes/icd-10-cm/G70.80/"), "Not billable")


# --- the model: roles and fit ------------------------------------------------------------------


@pytest.fixture
def lems(make_condition):
    return make_condition(name="Lambert-Eaton myasthenic syndrome", slug="lems", acronym="LEMS")


def _errors(**fields):
    with pytest.raises(ValidationError) as raised:
        ConditionCode(**fields).full_clean()
    return raised.value.message_dict


def test_fit_is_refused_on_a_code_first_entry_and_required_on_an_own_code(lems):
    errors = _errors(condition=lems, system=I10, value="C00-D49", role="code_first", fit="broader")
    assert "names another condition, so leave fit empty" in errors["fit"][0]
    errors = _errors(condition=lems, system=I10, value="G70.80", role="primary", fit="")
    assert errors["fit"] == ["Say how this code fits the condition: exact, broader or narrower."]


def test_the_database_refuses_fit_on_an_instruction_and_an_own_code_without_fit(lems):
    for role, fit in [("code_also", "exact"), ("use_additional", "narrower"), ("alternative", "")]:
        with pytest.raises(IntegrityError), transaction.atomic():
            ConditionCode.objects.create(condition=lems, system=I10, value="G73.1", role=role, fit=fit)


def test_a_code_first_entry_may_name_the_range_of_its_official_note(lems, add_code):
    entry = add_code(lems, I10, "c00 - d49", role="code_first", fit="")
    assert entry.value == "C00-D49"
    assert entry.code.title == "Neoplasms (C00-D49)"  # chapter 2
    assert entry.url == "/codes/icd-10-cm/2/"
    errors = _errors(condition=lems, system=I10, value="C00-D49", role="primary", fit="exact")
    assert "a condition's own code is one code" in errors["value"][0]
    errors = _errors(condition=lems, system=I10, value="C00-C99", role="code_first", fit="")
    assert "C99 is not an ICD-10-CM code" in errors["value"][0]


# --- the LEMS page, its JSON-LD and code search --------------------------------------------------


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = True
    call_command("load_demo", verbosity=0)


def _json_ld(response):
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S)
    return json.loads(found.group(1))


def test_the_lems_page_keeps_its_own_codes_apart_from_the_neoplasm_coded_first(client, demo):
    response = client.get("/conditions/lambert-eaton-myasthenic-syndrome/")
    page = response.content.decode()
    own, coded_with = page.split("This condition’s codes")[1].split("Codes sometimes recorded with it")
    assert '<a href="/codes/icd-10-cm/G70.80/">G70.80</a>' in own
    assert ">C00-D49</a>" not in own
    assert "Only when a doctor has also found this other condition: its code is listed first." in coded_with
    assert "seeing it here does not mean you have it" in coded_with
    assert '<a href="/codes/icd-10-cm/2/">C00-D49</a>' in coded_with
    assert "a range of codes: the one used depends on what the doctor found" in coded_with
    assert "by its site and, where the codes distinguish them, its side" in coded_with
    assertNotContains(response, "C34.90")
    assertNotContains(response, "Code also")
    assertContains(response, "When the medical record does not document an associated disease.")
    codes = [c["codeValue"] for c in _json_ld(response)["about"]["code"]]
    assert codes == ["G70.80", "G70.81", "G73.1", "358.30", "358.31", "358.39", "43393", "254200"][: len(codes)]
    assert "C00-D49" not in codes


@pytest.mark.parametrize(
    "query, holding",
    [("C34.90", "a range holding C34.90"), ("162.9", "a range holding C34.90, which the GEMs link to 162.9")],
)
def test_searching_a_code_coded_first_lists_lems_as_coded_together_not_as_a_match(client, demo, query, holding):
    response = client.get("/search/", {"q": query})
    page = response.content.decode()
    matches, coded_with = page.split("<h2>Conditions</h2>")[1].split('<h2 id="coded-with">')
    assert "No condition matches" in matches
    assert "/conditions/lambert-eaton-myasthenic-syndrome/" not in matches
    assert f"Coded together with {query}</h2>" in '<h2 id="coded-with">' + coded_with
    assert "Lambert-Eaton myasthenic syndrome (LEMS)</a>" in coded_with
    assert f"Code first: C00-D49 (Neoplasms (C00-D49)), {holding}." in coded_with


def test_a_code_first_entry_of_an_unpublished_page_is_not_listed_as_coded_together(
    client, demo, django_assert_max_num_queries
):
    Condition.objects.filter(slug="lambert-eaton-myasthenic-syndrome").update(status="draft")
    # the code; its GEMs links; the ICD-10-CM codes among them; the instruction entries with their
    # pages and codes (one query, however many); the sign names (built: the cache starts empty); the
    # search entries; the pages carrying the code; the medical disclaimer
    with django_assert_max_num_queries(8):
        response = client.get("/search/", {"q": "C34.90"})
    assertNotContains(response, 'id="coded-with"')
    assertNotContains(response, "Lambert-Eaton")


def test_searching_lems_own_code_still_finds_it_as_a_match(client, demo):
    response = client.get("/search/", {"q": "G73.1"})
    assertContains(response, "Matched code G73.1")
    assertNotContains(response, 'id="coded-with"')


def test_demo_fits_follow_the_rule_single_forms_are_narrower(demo):
    fits = dict(
        ConditionCode.objects.filter(
            condition__slug="myasthenia-gravis", system__in=["icd-10-cm", "icd-9-cm"]
        ).values_list("value", "fit")
    )
    assert fits == {"G70.00": "narrower", "G70.01": "narrower", "358.00": "narrower", "358.01": "narrower"}
    marfan = ConditionCode.objects.get(condition__slug="marfan-syndrome", value="Q87.40")
    assert "Q87.41- (cardiovascular), Q87.42 (ocular) and Q87.43 (skeletal)" in marfan.note
    for value in ["Q87.41", "Q87.42", "Q87.43"]:
        assert Code.objects.filter(system=I10, code=value).exists()
    assert not Code.objects.get(system=I10, code="Q87.41").is_billable
    assert Code.objects.get(system=I10, code="Q87.42").is_billable


# --- audit_codes checks the conventions ----------------------------------------------------------


def _audit():
    out = StringIO()
    try:
        call_command("audit_codes", stdout=out)
    except CommandError as error:
        return out.getvalue() + str(error)
    return out.getvalue()


def test_audit_reports_a_code_first_note_the_page_does_not_follow(lems, add_code):
    add_code(lems, I10, "G70.80")
    add_code(lems, I10, "G73.1", role="alternative", fit="narrower")
    printed = _audit()
    assert (
        "ICD-10-CM G73.1: its official note says “Code first underlying neoplasm (C00-D49)”, but the page has "
        "no code-first entry naming C00-D49." in printed
    )
    add_code(lems, I10, "C34.90", role="code_first", fit="")  # a code inside the range will do
    assert "No problems in 3 condition codes" in _audit()


def test_audit_reports_two_codes_coded_together_when_one_excludes1_the_other(lems, add_code):
    add_code(lems, I10, "G70.81")
    add_code(lems, I10, "G73.1", role="code_also", fit="")
    printed = _audit()
    assert "ICD-10-CM G70.81 and G73.1 are coded together on this page (code also), but an Excludes1 note" in printed


def test_audit_accepts_alternatives_that_exclude_each_other(lems, add_code):
    # G70.81 and G73.1 exclude each other, but an alternative is used instead of the primary code
    add_code(lems, I10, "G70.80")
    add_code(lems, I10, "G70.81", role="alternative", fit="narrower")
    add_code(lems, I10, "G73.1", role="alternative", fit="narrower")
    add_code(lems, I10, "C00-D49", role="code_first", fit="")
    assert "No problems in 4 condition codes" in _audit()


def test_audit_reports_a_range_whose_end_is_not_in_the_release(lems, add_code):
    entry = add_code(lems, I10, "C00-D49", role="code_first", fit="")
    ConditionCode.objects.filter(pk=entry.pk).update(value="C00-C99")  # bypasses clean()
    assert "ICD-10-CM C00-C99: C99 is not an ICD-10-CM code" in _audit()
