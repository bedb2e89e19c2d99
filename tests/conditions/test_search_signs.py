"""Search in patients' words, on the real catalogue (every Orphanet disease of the HPO annotations,
with its signs, other names and codes) and the demo pages: lay sign names, several signs at once,
phrases within one sign, word forms, mixed name and sign queries, honest reasons, and help when
nothing matches."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext, override_settings
from pytest_django.asserts import assertContains

from conditions.catalogue import hpo
from conditions.models import Condition, ConditionSymptom, Symptom
from tests.conftest import FAST_HASHERS, shared_rows

LEMS = "Lambert-Eaton myasthenic syndrome"


def _load_demo_and_catalogue():
    with override_settings(DEBUG=True, PASSWORD_HASHERS=FAST_HASHERS):
        call_command("load_demo", verbosity=0)
        call_command("import_catalogue", verbosity=0)


@pytest.fixture(scope="module")
def _catalogue_rows(django_db_setup, django_db_blocker):
    with shared_rows(django_db_blocker, _load_demo_and_catalogue):
        yield


@pytest.fixture
def catalogue(_catalogue_rows, db):
    """The demo site and the whole catalogue, loaded once for this module."""


def results(client, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    return [(condition.name, reason) for condition, reason in response.context["results"]]


def test_a_lay_sign_name_finds_the_conditions_recording_it(client, catalogue):
    found = dict(results(client, "dry mouth"))
    assert found[LEMS] == "sign: dry mouth (very frequent)"


def test_a_phrase_never_matches_words_of_two_different_signs(client, catalogue):
    # Conditions with a "dry" sign and a "mouth" sign (dry hair, wide mouth) but no dry mouth.
    links = ConditionSymptom.objects.filter(condition__status="published")
    dry = set(links.filter(symptom__name__icontains="dry").values_list("condition_id", flat=True))
    mouth = set(links.filter(symptom__name__icontains="mouth").values_list("condition_id", flat=True))
    dry_mouth = set(links.filter(symptom__layperson_name__iexact="dry mouth").values_list("condition_id", flat=True))
    scattered = set(Condition.objects.filter(pk__in=(dry & mouth) - dry_mouth).values_list("name", flat=True))
    assert scattered  # the catalogue has such conditions
    found = results(client, "dry mouth")
    assert not scattered & {name for name, _ in found}
    assert all("dry mouth" in reason for _, reason in found)


@pytest.mark.parametrize(
    "query",
    [
        "dry mouth, decreased sweating, small cell lung cancer",
        "dry mouth decreased sweating small cell lung cancer",  # no commas: the phrases are recognised
        "Dry mouth; constipation; difficulty getting an erection",
    ],
)
def test_a_condition_recording_every_sign_ranks_first(client, catalogue, query):
    name, reason = results(client, query)[0]
    assert name == LEMS
    assert reason.startswith("3 of 3 signs: dry mouth (very frequent), ")


def test_each_result_says_how_many_of_the_signs_it_records(client, catalogue):
    found = results(client, "dry mouth, decreased sweating, small cell lung cancer")
    assert any(reason.startswith("2 of 3 signs: ") for _, reason in found)
    counts = [int(reason.split(" of ")[0]) for _, reason in found]
    assert counts == sorted(counts, reverse=True)  # more signs recorded, higher


def test_sign_results_say_they_are_not_a_diagnosis(client, catalogue):
    response = client.get("/search/", {"q": "dry mouth, weak legs"})
    assertContains(response, "This is not a diagnosis.")
    assertContains(response, "Talk to a doctor")
    assertContains(response, "Read as 2 signs: “dry mouth”, “weak legs”")


def test_a_name_search_carries_no_diagnosis_notice(client, catalogue):
    response = client.get("/search/", {"q": "lambert eaton"})
    assert response.context["results"][0][0].name == LEMS
    assert "This is not a diagnosis." not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("myasthenia", LEMS),  # the name says "myasthenic"
        ("myasthenic", "Myasthenia gravis"),
        ("lambert eaton myasthenia", LEMS),
    ],
)
def test_word_forms_of_a_name_match(client, catalogue, query, expected):
    assert expected in [name for name, _ in results(client, query)]


@pytest.mark.parametrize("query", ["tired", "tiredness"])
def test_word_forms_of_a_sign_match(client, catalogue, query):
    found = dict(results(client, query))
    assert found
    assert all(reason.startswith("sign: tired") for reason in found.values())


def test_weak_and_weakness_find_the_same_sign(client, catalogue):
    weak, weakness = ([name for name, _ in results(client, query)] for query in ["weak legs", "legs weakness"])
    assert weak == weakness
    assert LEMS in weak


@pytest.mark.parametrize("query", ["LEMS weakness", "lems dry mouth", "lambert eaton constipation"])
def test_a_name_and_a_sign_together_find_the_condition(client, catalogue, query):
    name, reason = results(client, query)[0]
    assert name == LEMS
    assert " and sign: " in reason


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("small cell lung cancer", "sign: small cell lung cancer (frequent)"),  # HPO's layperson name
        # The sign recorded below muscle weakness in HPO names the match before the page's own text
        # does, as it says how often it is seen
        ("muscle weakness", "sign: muscle weakness (recorded as progressive proximal muscle weakness, very frequent)"),
    ],
)
def test_lems_signs_find_lems(client, catalogue, query, reason):
    assert (LEMS, reason) in results(client, query)


def test_reasons_name_what_matched(client, catalogue):
    assert results(client, "LEMS")[0] == (LEMS, "abbreviation LEMS")
    assert results(client, "G70.80")[0] == (LEMS, "code G70.80")
    assert results(client, "Marfan syndrome")[0] == ("Marfan syndrome", "name")


@pytest.mark.parametrize("query", ["dry mouth", "syndrome", "lambert", "weak legs", "type 1", "eaton g70"])
def test_together_is_said_only_of_words_found_in_several_places(client, catalogue, query):
    for _, reason in results(client, query):
        if "together" in reason:
            assert " and " in reason
            assert "symptoms together" not in reason or "," in reason or " and " in reason


def test_a_mistyped_sign_is_corrected(client, catalogue):
    response = client.get("/search/", {"q": "dry mouht"})
    assertContains(response, "Did you mean")
    found = {condition.name: reason for condition, reason in response.context["results"]}
    assert found[LEMS] == "sign: dry mouth (very frequent) (did you mean “dry mouth”?)"


def test_no_result_offers_fewer_words_and_the_signs_index(client, catalogue):
    response = client.get("/search/", {"q": "qwzx plorfy vintrab"})
    assert response.context["results"] == []
    assertContains(response, "Try fewer words")
    assertContains(response, "?q=qwzx%20plorfy")
    assertContains(response, 'href="/symptoms/"')


def dry_mouth_entry(client):
    """Xerostomia in the signs index, found by paging through the letter D."""
    page = 1
    while True:
        response = client.get("/symptoms/", {"letter": "D", "page": page})
        assert response.status_code == 200
        for sign in response.context["page"]:
            if sign.name == "Xerostomia":
                return response, sign
        assert response.context["page"].has_next()
        page += 1


def test_the_signs_index_lists_plain_names_by_letter(client, catalogue):
    response, sign = dry_mouth_entry(client)
    assertContains(response, "Signs and symptoms A–Z: D")
    assertContains(response, f'<a href="{sign.get_absolute_url()}">Dry mouth (xerostomia)</a>')
    assertContains(response, "Page ")
    under_x = client.get("/symptoms/", {"letter": "X"})
    assert "xerostomia" not in under_x.content.decode()  # listed by its plain name, under D


def test_the_sign_page_says_the_plain_name(client, catalogue):
    _, sign = dry_mouth_entry(client)
    assertContains(client.get(sign.get_absolute_url()), "<h1>Conditions with dry mouth (xerostomia)</h1>")


@pytest.mark.parametrize(
    "query",
    [
        "a", "ab", "syndrome", "disease", "type", "the", "x" * 200, "word " * 20, ",,, ;;; !!!", "G70", "358.3",
        "fatigue, ptosis, dry mouth, weak legs, constipation, decreased sweating",
    ],
)  # fmt: skip
def test_every_query_shape_is_answered(client, catalogue, query):
    assert client.get("/search/", {"q": query}).status_code == 200
    assert client.get("/search/suggest/", {"q": query}).status_code == 200


def test_a_general_sign_counts_the_signs_recorded_below_it(client, catalogue):
    below = [
        (name, reason.removeprefix("sign: muscle weakness (recorded as ").rsplit(", ", 1)[0])
        for name, reason in results(client, "muscle weakness")
        if reason.startswith("sign: muscle weakness (recorded as ")
    ]
    assert below
    general = Symptom.objects.get(name="Muscle weakness").hpo_id
    under = hpo.below_among(Symptom.objects.values_list("hpo_id", flat=True))[general]
    for name, recorded in below:  # the sign named is recorded for the condition, and lies below
        links = ConditionSymptom.objects.filter(condition__name=name, symptom__hpo_id__in=under)
        assert links.filter(Q(symptom__layperson_name__iexact=recorded) | Q(symptom__name__iexact=recorded)).exists()


def test_a_heading_of_a_body_system_does_not_stand_for_the_signs_below_it(client, catalogue):
    found = results(client, "abnormality of the musculature")
    assert found
    assert not [reason for _, reason in found if "abnormality of the musculature (recorded as" in reason]


TEXT = "in the page's description of its symptoms"


def test_a_pages_own_symptom_text_counts_as_its_signs(client, catalogue, make_condition):
    make_condition(
        name="Quillfeather syndrome",
        symptoms="Drooping eyelids are common.\n\nMost people describe tiredness after exercise.",
    )
    assert (
        "Quillfeather syndrome",
        f"2 of 2 signs: drooping eyelids ({TEXT}), tiredness ({TEXT})",
    ) in results(client, "drooping eyelids, tiredness")[:2]  # beside LEMS, whose page says so too
    assert results(client, "quillfeather tiredness")[0] == (
        "Quillfeather syndrome",
        f"name and sign: tiredness ({TEXT})",
    )


def test_a_sign_is_not_matched_across_two_sentences_of_the_text(client, catalogue, make_condition):
    make_condition(name="Quillfeather syndrome", symptoms="The eyelids look normal. Drooping shoulders are common.")
    assert "Quillfeather syndrome" not in [name for name, _ in results(client, "drooping eyelids")]


def test_equal_matches_list_reviewed_and_demo_pages_first_then_by_name(client, catalogue, make_condition):
    for name, origin in [
        ("Zz catalogue b", "catalogue"),
        ("Zz catalogue a", "catalogue"),
        ("Zz editorial", "editorial"),
    ]:
        make_condition(name=name, origin=origin, symptoms="Dry mouth is common.")
    found = [name for name, _ in results(client, "dry mouth")]
    ours = [name for name in found if name.startswith("Zz ")]
    assert ours == ["Zz editorial", "Zz catalogue a", "Zz catalogue b"]


@pytest.mark.parametrize("query", ["tired", "tired, constipation"])
def test_a_page_taken_back_into_review_is_not_found_by_its_signs(client, catalogue, query):
    found = results(client, query)
    assert len(found) == 50  # a page full
    first = next(name for name, reason in found if TEXT not in reason)  # by its recorded signs
    condition = Condition.objects.get(name=first)
    condition.status = "in_review"
    condition.save()
    # Not listed, and its place goes to the next page found: the page is still full.
    now = [name for name, _ in results(client, query)]
    assert now[:49] == [name for name, _ in found if name != first]
    assert len(now) == 50


@pytest.mark.parametrize(
    "query",
    [
        "dry mouth, dry mouth, decreased sweating",
        "dry mouth decreased sweating dry mouth decreased sweating",
        "lambert eaton dry mouth lambert eaton dry mouth",
    ],
)
def test_a_sign_or_word_repeated_in_the_query_counts_once(client, catalogue, query):
    response = client.get("/search/", {"q": query})
    name, reason = [(c.name, reason) for c, reason in response.context["results"]][0]
    assert name == LEMS
    assert reason.count("dry mouth (") == 1
    assert response.context["signs"].count("dry mouth") == 1
    assert " of 2 signs" in reason or "sign: dry mouth" in reason


def test_a_long_sentence_repeated_lists_lems_first(client, catalogue):
    sentence = "lambert eaton myasthenic syndrome with proximal muscle weakness and dry mouth " * 3
    response = client.get("/search/", {"q": sentence})
    name, reason = [(c.name, reason) for c, reason in response.context["results"]][0]
    assert name == LEMS
    # the name whole (the query is cut at a word's end), and not "8 of 10" signs, each sign thrice
    assert reason.startswith("name and 3 of 4 signs: ")
    assert response.context["signs"] == ["myasthenic", "syndrome", "proximal muscle weakness", "dry mouth"]


# Each search's queries, listed (the sign names and the disclaimer are cached after the first
# search): a budget that grows with the results (an N+1) or with the words of the query fails here.
@pytest.mark.parametrize(
    ("query", "queries"),
    [
        # names and codes; the conditions listed; code titles
        ("lambert eaton", 3),
        # names; the pages' own symptom text; signs ranked; the conditions listed; code titles
        ("dry mouth, decreased sweating, constipation", 5),
        # 200 characters, each sign three times: names; the other words' names; the pages' own text;
        # signs ranked; the conditions listed; code titles
        ("lambert eaton myasthenic syndrome with proximal muscle weakness and dry mouth " * 3, 6),
        # the code; the codes the GEMs link to it; coded with it (the ICD-10-CM codes, the entries);
        # the conditions carrying it; names; the conditions listed (no code titles: a code was found)
        ("G70.80", 7),
    ],
)
def test_search_query_budget(client, catalogue, settings, query, queries):
    settings.PAGE_CACHE = False  # measure the view, not the whole-page cache
    client.get("/search/", {"q": query})  # the sign names and the disclaimer, read once
    with CaptureQueriesContext(connection) as done:
        assert client.get("/search/", {"q": query}).status_code == 200
    assert len(done) == queries, [q["sql"][:100] for q in done]


def test_a_query_too_long_is_cut_at_the_end_of_a_word(client, catalogue):
    query = "lambert eaton myasthenic syndrome with proximal muscle weakness and dry mouth " * 3  # 234 characters
    response = client.get("/search/", {"q": query})
    assert len(response.context["query"]) <= 200
    assert response.context["query"].endswith("muscle weakness and dry mouth lambert eaton myasthenic syndrome with")
    assert not any(word.startswith("prox") for word in response.context["not_signs"])
    assert response.context["results"][0][0].slug == "lambert-eaton-myasthenic-syndrome"
