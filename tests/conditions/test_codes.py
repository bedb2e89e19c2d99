"""Official codes: normalisation, validation, code pages, browsing, code search and the sitemap."""

import functools
import json
import pathlib
import re
import subprocess
import sys

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse, set_script_prefix
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from conditions.codes import format as code_format
from conditions.codes import reads, release
from conditions.models import Code, Condition, ConditionCode

I10, I9 = code_format.ICD10CM, code_format.ICD9CM


# --- normalisation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("system", "typed", "canonical"),
    [
        (I10, "g7081", "G70.81"),
        (I10, " G70.81 ", "G70.81"),
        (I10, "G7081", "G70.81"),
        (I10, "g70.81", "G70.81"),
        (I10, "qa00101", "QA0.0101"),  # 2026: a letter in second place
        (I10, "s72001a", "S72.001A"),
        (I9, "35830", "358.30"),
        (I9, " 358.30", "358.30"),
        (I9, "v0101", "V01.01"),
        (I9, "E8001", "E800.1"),
        (code_format.ORPHA, "ORPHA:43393", "43393"),
        (code_format.ORPHA, "orpha 43393", "43393"),
        (code_format.OMIM, "OMIM:#254200", "254200"),
        (code_format.ICD11, "1a00", "1A00"),
    ],
)
def test_codes_are_normalised_to_their_canonical_form(system, typed, canonical):
    assert code_format.normalise(system, typed) == canonical


@pytest.mark.parametrize(
    ("system", "typed", "message"),
    [
        (I10, "7081", "“7081” is not an ICD-10-CM code"),
        (I10, "LEMS", "“LEMS” is not an ICD-10-CM code"),
        (I9, "G70.81", "“G70.81” is not an ICD-9-CM diagnosis code"),
        (code_format.ORPHA, "ORPHA:LEMS", "an ORPHAcode is a number"),
        (code_format.OMIM, "25420", "an OMIM number has six digits"),
        (code_format.ICD11, "1I00", "is not a valid ICD-11 code"),  # ICD-11 never uses I or O
    ],
)
def test_malformed_codes_are_refused_with_what_the_form_should_be(system, typed, message):
    with pytest.raises(ValueError, match=message):
        code_format.normalise(system, typed)


@functools.cache
def _release_codes(system):
    """Every code of the packaged release, read without the database."""
    if system == I9:
        return sorted(row["code"] for row in release.iter_icd9cm())
    import simple_icd_10_cm as icd

    return sorted(code for code in icd.get_all_codes(with_dots=True) if not icd.is_chapter(code) and "-" not in code)


def _typed(code, data):
    """The code as a person might type it: any case, with or without the dot, padded with spaces."""
    text = code.replace(".", "") if data.draw(st.booleans()) else code
    text = "".join(c.lower() if data.draw(st.booleans()) else c for c in text)
    return data.draw(st.sampled_from(["", " ", "\t"])) + text + data.draw(st.sampled_from(["", " ", "\n"]))


@settings(deadline=None)  # the first example reads the whole code list
@given(data=st.data(), system=st.sampled_from([I10, I9]))
def test_every_real_code_typed_loosely_normalises_to_itself(data, system):
    code = data.draw(st.sampled_from(_release_codes(system)))
    assert code_format.normalise(system, _typed(code, data)) == code


@given(system=st.sampled_from([s for s, _ in code_format.CHOICES]), text=st.text(max_size=12))
def test_normalise_accepts_a_code_or_says_why_not_and_is_idempotent(system, text):
    try:
        canonical = code_format.normalise(system, text)
    except ValueError as error:
        assert str(error)
    else:
        assert code_format.normalise(system, canonical) == canonical


@given(number=st.integers(1, 9_999_999), prefix=st.sampled_from(["", "ORPHA:", "orpha ", "Orpha:"]))
def test_any_orphacode_is_its_number(number, prefix):
    assert code_format.normalise(code_format.ORPHA, f"{prefix}{number}") == str(number)


def test_the_format_rules_import_nothing_of_django_or_the_project():
    """format.py is at the bottom of the imports, so any module (models.py included) may use it."""
    script = (
        "import sys, conditions.codes.format; "
        "print(sorted(m for m in sys.modules if m.partition('.')[0] in {'django', 'conditions', 'community'}))"
    )
    root = pathlib.Path(__file__).parents[2]
    found = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=root)
    assert found.stdout.split() == ["['conditions',", "'conditions.codes',", "'conditions.codes.format']"]


# --- validation in ConditionCode.clean() ----------------------------------------------------


@pytest.fixture
def lems(make_condition):
    return make_condition(name="Lambert-Eaton myasthenic syndrome", slug="lems", acronym="LEMS")


def _error(condition, system, value, role="primary"):
    code = ConditionCode(condition=condition, system=system, value=value, role=role)
    with pytest.raises(ValidationError) as raised:
        code.full_clean()
    return " ".join(raised.value.message_dict["value"])


def test_a_typed_code_is_stored_canonical_and_linked_to_its_official_title(lems, add_code):
    code = add_code(lems, I10, "g7081", role="alternative")
    assert code.value == "G70.81"
    assert code.title == "Lambert-Eaton syndrome in disease classified elsewhere"


def test_a_code_missing_from_the_release_names_the_nearest_real_codes_in_its_category(lems):
    message = _error(lems, I10, "G70.82")
    assert "G70.82 is not an ICD-10-CM code (April 1, 2026 update)." in message
    assert "Did you mean: G70.80 Lambert-Eaton syndrome, unspecified; G70.81 Lambert-Eaton syndrome in" in message


def test_a_code_whose_category_does_not_exist_is_matched_by_the_condition_name(lems):
    message = _error(lems, I10, "G7Z.1")
    assert "G7Z.1 is not an ICD-10-CM code" in message
    assert "G73.1 Lambert-Eaton syndrome in neoplastic disease" in message
    assert "G70.80 Lambert-Eaton syndrome, unspecified" in message


def test_an_icd9_group_that_is_not_a_code_lists_its_codes(lems):
    message = _error(lems, I9, "358.3")
    assert "358.3 is not an ICD-9-CM code (version 32)." in message
    assert "358.30 Lambert-Eaton syndrome, unspecified; 358.31 Lambert-Eaton" in message


def test_a_category_with_codes_under_it_cannot_be_primary(lems):
    message = _error(lems, I10, "G70.8")
    assert "G70.8 (Other specified myoneural disorders) is a subcategory with more specific codes under it" in message
    assert "a primary code must be a billable ICD-10-CM code: choose one such as G70.80 (" in message


def test_a_category_can_be_a_code_also_code(lems, add_code):
    code = add_code(lems, I10, "C34", role="code_also", fit="")
    assert code.title == "Malignant neoplasm of bronchus and lung"


def test_a_2026_code_with_a_letter_in_second_place_is_accepted(make_condition, add_code):
    condition = make_condition(name="SCN2A-related neurodevelopmental disorder")
    code = add_code(condition, I10, "QA0.0101")
    assert code.title == "SCN2A-related neurodevelopmental disorder"


def test_other_systems_are_checked_for_form_only(lems, add_code):
    assert add_code(lems, code_format.ORPHA, "ORPHA:43393").value == "43393"
    assert add_code(lems, code_format.OMIM, "OMIM #254200").value == "254200"
    assert "an ORPHAcode is a number" in _error(lems, code_format.ORPHA, "43393x")


def _inline_formset(condition, rows):
    """The condition admin's codes inline, as an editor submits it."""
    from conditions.admin import ConditionCodeInline

    request = RequestFactory().post("/")
    request.user = type("Editor", (), {"has_perm": lambda *a: True, "is_active": True, "is_staff": True})()
    formset_class = ConditionCodeInline(type(condition), admin.site).get_formset(request, condition)
    data = {"codes-TOTAL_FORMS": len(rows), "codes-INITIAL_FORMS": 0}
    for n, (system, value) in enumerate(rows):
        data |= {f"codes-{n}-system": system, f"codes-{n}-value": value, f"codes-{n}-role": "alternative",
                 f"codes-{n}-fit": "exact", f"codes-{n}-note": ""}  # fmt: skip
    return formset_class(data, instance=condition, prefix="codes")


def test_the_admin_inline_normalises_and_links_a_typed_code(lems):
    formset = _inline_formset(lems, [(I10, "g7081")])
    assert formset.is_valid(), formset.errors
    formset.save()
    assert lems.codes.get().code.code == "G70.81"


def test_the_admin_inline_shows_the_not_found_message_on_the_code_field(lems):
    formset = _inline_formset(lems, [(I10, "G70.82")])
    assert not formset.is_valid()
    assert "Did you mean: G70.80" in formset.forms[0].errors["value"][0]


def test_the_admin_inline_refuses_one_code_typed_twice_in_two_forms(lems):
    formset = _inline_formset(lems, [(I10, "g7080"), (I10, "G70.80")])
    assert not formset.is_valid()
    assert formset.forms[1].errors["value"] == ["G70.80 is already on this page as the alternative code (row 1)."]
    assert not formset.non_form_errors()


# --- the condition page explains how well each code fits ------------------------------------


def test_condition_page_explains_broader_and_narrower_codes_in_plain_words(client, make_condition, add_code):
    dmd = make_condition(name="Duchenne muscular dystrophy", slug="dmd")
    add_code(dmd, I10, "G71.01", fit="broader")
    lems = make_condition(name="Lambert-Eaton myasthenic syndrome", slug="lems")
    add_code(lems, I10, "G70.80")
    add_code(lems, I10, "G70.81", role="alternative", fit="narrower")
    add_code(lems, I10, "G73.1", role="alternative", fit="narrower")
    add_code(lems, I10, "C34.90", role="code_also", fit="")
    assertContains(
        client.get("/conditions/dmd/"),
        "There is no specific ICD-10-CM code for this condition; it is coded as G71.01 "
        "(Duchenne or Becker muscular dystrophy), a code that covers other conditions too.",
    )
    response = client.get("/conditions/lems/")
    assertContains(
        response,
        "ICD-10-CM G70.81 (Lambert-Eaton syndrome in disease classified elsewhere) and G73.1 (Lambert-Eaton "
        "syndrome in neoplastic disease) each cover only one form of this condition.",
    )
    assertNotContains(
        response, "C34.90 (Malignant neoplasm of unspecified part of unspecified bronchus or lung) covers"
    )
    assertNotContains(response, "G70.80 (Lambert-Eaton syndrome, unspecified) covers")


# --- code pages ----------------------------------------------------------------------------


def _breadcrumb(response):
    nav = re.search(r'<nav aria-label="Breadcrumb".*?</nav>', response.content.decode(), re.S).group(0)
    return re.findall(r'href="([^"]+)"', nav)


def test_code_page_shows_official_title_and_hierarchy_from_chapter_down(client, db):
    response = client.get("/codes/icd-10-cm/G70.81/")
    assertContains(response, "<h1>ICD-10-CM G70.81: Lambert-Eaton syndrome in disease classified elsewhere</h1>")
    assert _breadcrumb(response) == [
        "/codes/icd-10-cm/",
        "/codes/icd-10-cm/6/",
        "/codes/icd-10-cm/G70-G73/",
        "/codes/icd-10-cm/G70/",
        "/codes/icd-10-cm/G70.8/",
    ]
    assertContains(response, "Diseases of the nervous system (G00-G99)")
    assertContains(response, "Billable code")


def test_category_page_lists_the_codes_under_it(client, db):
    response = client.get("/codes/icd-10-cm/G70.8/")
    assertContains(response, "not billable")
    assertContains(response, "Codes under G70.8")
    for code in ["G70.80", "G70.81", "G70.89"]:
        assertContains(response, f'href="/codes/icd-10-cm/{code}/"')


def test_browse_icd10cm_by_chapter_then_block(client, db):
    response = client.get("/codes/icd-10-cm/")
    assertContains(response, "<h1>ICD-10-CM codes</h1>", html=True)
    assertContains(response, 'href="/codes/icd-10-cm/6/"')
    assertContains(response, "Diseases of the nervous system (G00-G99)")
    assert response.content.decode().count('href="/codes/icd-10-cm/') == 22
    chapter = client.get("/codes/icd-10-cm/6/")
    assertContains(chapter, "<h1>ICD-10-CM chapter 6: Diseases of the nervous system (G00-G99)</h1>")
    assertContains(chapter, "Blocks in chapter 6")
    assertContains(chapter, '<li aria-current="page">Chapter 6</li>')
    assertContains(chapter, 'href="/codes/icd-10-cm/G70-G73/"')
    block = client.get("/codes/icd-10-cm/G70-G73/")
    assertContains(block, 'href="/codes/icd-10-cm/G70/"')
    assertContains(block, "Myasthenia gravis and other myoneural disorders")


def test_browse_icd9cm_by_number(client, db):
    response = client.get("/codes/icd-9-cm/")
    assertContains(response, 'href="?range=35"')
    assertContains(response, "350–359")
    codes = client.get("/codes/icd-9-cm/", {"range": "35"})
    assertContains(codes, "<h1>ICD-9-CM codes 350–359</h1>")
    assertContains(codes, 'href="/codes/icd-9-cm/358.30/"')
    assertContains(codes, "Lambert-Eaton syndrome, unspecified")
    assert client.get("/codes/icd-9-cm/", {"range": "zz"}).status_code == 404


def test_icd9_code_page_lists_the_other_codes_of_its_category(client, db):
    response = client.get("/codes/icd-9-cm/358.30/")
    assertContains(response, "Other ICD-9-CM codes in category 358")
    assertContains(response, 'href="/codes/icd-9-cm/358.31/"')
    assert _breadcrumb(response) == ["/codes/icd-9-cm/", "/codes/icd-9-cm/?range=35"]
    assertContains(client.get("/codes/icd-9-cm/E800.1/"), "Other ICD-9-CM codes in category E800")


def test_code_page_explains_the_notes_and_links_the_codes_they_name(client, db):
    response = client.get("/codes/icd-10-cm/G70.81/")
    assertContains(response, "Excludes1: not coded here")
    assertContains(response, "never used at the same time as G70.81. The one exception: the two may be coded")
    assertContains(response, "together when they are unrelated to each other")
    assertContains(
        response, 'Lambert-Eaton syndrome in neoplastic disease (<a href="/codes/icd-10-cm/G73.1/">G73.1</a>)'
    )
    assertContains(response, "<h3>Code first</h3>", html=True)
    assertContains(response, "underlying disease")
    # notes on G70 and on chapter 6 bind G70.81 too
    assertContains(response, "Notes on G70 that apply to G70.81 too")
    assertContains(response, 'botulism (<a href="/codes/icd-10-cm/A05.1/">A05.1</a>')
    assertContains(response, "Excludes2: not included here")
    assertContains(response, "it is acceptable to use both codes together when the patient has both.")
    assertNotContains(response, "then both codes are used")


def test_seventh_character_meanings_reach_the_codes_of_the_category(client, db):
    response = client.get("/codes/icd-10-cm/S72.001A/")
    assertContains(response, "The appropriate 7th character is to be added to all codes from category <a")
    assertContains(response, "A: initial encounter for closed fracture")


def test_crosswalk_links_icd10cm_to_icd9cm_and_back(client, db):
    forward = client.get("/codes/icd-10-cm/G70.80/")
    assertContains(forward, '<a class="code" href="/codes/icd-9-cm/358.30/">ICD-9-CM 358.30</a>')
    assertContains(forward, "linked both ways")
    backward = client.get("/codes/icd-9-cm/358.30/")
    assertContains(backward, '<a class="code" href="/codes/icd-10-cm/G70.80/">ICD-10-CM G70.80</a>')
    assertContains(backward, "ICD-9-CM is the legacy system")


def test_crosswalk_says_when_a_mapping_runs_one_way_or_is_approximate(client, db):
    response = client.get("/codes/icd-10-cm/G73.7/")
    assertContains(response, 'href="/codes/icd-9-cm/359.6/"')
    assertContains(response, "ICD-9-CM to ICD-10-CM only")
    assertContains(client.get("/codes/icd-10-cm/G70.89/"), "linked both ways, approximate")


def test_code_page_lists_the_published_conditions_using_it_directly_or_through_the_crosswalk(
    client, make_condition, add_code
):
    lems = make_condition(name="Lambert-Eaton myasthenic syndrome")
    add_code(lems, I10, "G70.80")
    legacy_only = make_condition(name="Legacy page")
    add_code(legacy_only, I9, "358.30")
    draft = make_condition(name="Draft page", status="draft")
    add_code(draft, I10, "G70.80")
    response = client.get("/codes/icd-10-cm/G70.80/")
    assertContains(response, f'<a href="{lems.get_absolute_url()}">Lambert-Eaton myasthenic syndrome</a>: primary code')
    assertContains(response, "Legacy page</a>: coded ICD-9-CM 358.30 (primary code), which the GEMs link here")
    assertNotContains(response, "Draft page")
    category = client.get("/codes/icd-10-cm/G70/")
    assertContains(category, "Lambert-Eaton myasthenic syndrome</a>: coded G70.80 (primary code), a code under G70")


def test_code_page_carries_medical_code_structured_data_and_a_canonical_link(client, db):
    html = client.get("/codes/icd-10-cm/G70.81/").content.decode()
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "MedicalCode"
    assert data["codeValue"] == "G70.81"
    assert data["codingSystem"] == "ICD-10-CM"
    assert data["name"] == "Lambert-Eaton syndrome in disease classified elsewhere"
    assert '<link rel="canonical" href="http://127.0.0.1:8000/codes/icd-10-cm/G70.81/">' in html


@pytest.mark.parametrize(
    ("loose", "canonical"),
    [
        ("/codes/icd-10-cm/g7081/", "/codes/icd-10-cm/G70.81/"),
        ("/codes/icd-10-cm/G7081/", "/codes/icd-10-cm/G70.81/"),
        ("/codes/ICD-10-CM/G70.81/", "/codes/icd-10-cm/G70.81/"),
        ("/codes/icd10cm/g70.81/", "/codes/icd-10-cm/G70.81/"),
        ("/codes/icd-9-cm/35830/", "/codes/icd-9-cm/358.30/"),
        ("/codes/icd-10-cm/g70-g73/", "/codes/icd-10-cm/G70-G73/"),
        ("/codes/icd-10-cm/06/", "/codes/icd-10-cm/6/"),
        ("/codes/ICD-9-CM/", "/codes/icd-9-cm/"),
    ],
)
def test_loose_code_urls_redirect_permanently_to_the_canonical_one(client, db, loose, canonical):
    assertRedirects(client.get(loose), canonical, status_code=301)


def test_a_code_that_does_not_exist_is_a_404_with_nearest_codes_and_a_search(client, db):
    response = client.get("/codes/icd-10-cm/g7082/")
    assert response.status_code == 404
    assertContains(response, "<h1>ICD-10-CM G70.82 not found</h1>", status_code=404)
    assertContains(response, 'href="/codes/icd-10-cm/G70.80/"', status_code=404)
    assertContains(response, 'role="search"', status_code=404)
    assertContains(response, 'value="G70.82"', status_code=404)


@pytest.mark.parametrize("url", ["/codes/icd-10-cm/not-a-code/", "/codes/icd-11/1A00/", "/codes/snomed/"])
def test_unknown_codes_and_systems_are_404(client, db, url):
    assert client.get(url).status_code == 404


# --- search by code and the sitemap --------------------------------------------------------


@pytest.mark.parametrize("query", ["G70.81", "g7081", "G7081", " g70.81 ", "ICD-10-CM G70.81"])
def test_search_by_code_finds_the_code_page_and_the_conditions_carrying_it(client, make_condition, add_code, query):
    lems = make_condition(name="Lambert-Eaton myasthenic syndrome")
    add_code(lems, I10, "G70.81", role="alternative")
    legacy_only = make_condition(name="Legacy page")
    add_code(legacy_only, I9, "358.39")  # the GEMs link 358.39 and G70.81 both ways
    response = client.get("/search/", {"q": query})
    assertContains(response, 'href="/codes/icd-10-cm/G70.81/"')
    assertContains(response, lems.get_absolute_url())
    assertContains(response, legacy_only.get_absolute_url())


def test_search_by_a_legacy_code_finds_conditions_through_the_crosswalk(client, make_condition, add_code):
    lems = make_condition(name="Lambert-Eaton myasthenic syndrome")
    add_code(lems, I10, "G70.80")
    response = client.get("/search/", {"q": "358.30"})
    assertContains(response, 'href="/codes/icd-9-cm/358.30/"')
    assertContains(response, lems.get_absolute_url())


def test_search_by_the_start_of_a_code_lists_the_codes_it_starts(client, db):
    response = client.get("/search/", {"q": "3583"})
    for code in ["358.30", "358.31", "358.39"]:
        assertContains(response, f'href="/codes/icd-9-cm/{code}/"')


def test_sitemap_lists_code_pages_of_codes_published_conditions_use(client, make_condition, add_code):
    add_code(make_condition(), I10, "G70.80")
    add_code(make_condition(status="draft"), I10, "Q87.40")
    response = client.get("/sitemap-codes.xml")
    assertContains(response, "/codes/icd-10-cm/G70.80/")
    assertNotContains(response, "/codes/icd-10-cm/Q87.40/")


def test_every_loaded_code_is_unique_and_canonical(db):
    assert Code.objects.filter(system=I10, kind="chapter").count() == 22
    parents = dict(Code.objects.values_list("pk", "parent_id"))

    def depth(pk):
        return 0 if parents[pk] is None else 1 + depth(parents[pk])

    # code pages load a code's ancestors in one query, following at most this many parents
    assert max(depth(pk) for pk in parents) == reads.ANCESTRY.count("parent")
    sample = Code.objects.filter(kind__in=["category", "subcategory", "code"]).order_by("?")[:2000]
    for code in sample:
        assert code_format.normalise(code.system, code.code) == code.code


@pytest.mark.parametrize("value", ["G70.80", "E08-E13", "358.30", "0", "A B%", "ü"])
@pytest.mark.parametrize("prefix", ["/", "/sub/"])
def test_code_and_condition_page_addresses_are_the_ones_the_urlconf_reverses(value, prefix):
    set_script_prefix(prefix)
    try:
        for system in ["icd-10-cm", "icd-9-cm", "orpha"]:
            assert Code(system=system, code=value).get_absolute_url() == reverse(
                "conditions:code-detail", args=[system, value]
            )
        slug = re.sub(r"[^-\w]", "-", value, flags=re.ASCII)
        assert Condition(slug=slug).get_absolute_url() == reverse("conditions:detail", args=[slug])
    finally:
        set_script_prefix("/")
