"""The nearest real codes to one that does not exist, ranked on the official code sets the tests
load (tests/conftest.py): by the typing slips from what was typed and by the words of the page's
name in their titles. The editor's form, the audit and the public "code not found" page use them."""

import pytest

from conditions.codes.format import title_words
from conditions.codes.lookup import typing_distance
from conditions.models import Code

I10, I9 = "icd-10-cm", "icd-9-cm"
LEMS = title_words("Lambert-Eaton myasthenic syndrome")
MYASTHENIA = {"358.00", "358.01", "G70.00", "G70.01"}  # myasthenia gravis, with and without exacerbation


def codes(system, typed, words=()):
    return [code for code, _ in Code.objects.suggestions(system, typed, words=words)]


def test_slips_are_counted_as_an_editor_makes_them():
    assert typing_distance("G7008", "G7080") == 1  # two neighbours swapped
    assert typing_distance("G7O80", "G7080") == 0.5  # the letter O for a zero
    assert typing_distance("35841", "3581") == 1  # one character too many
    assert typing_distance("35841", "35830") == 2


def test_the_lems_codes_come_before_myasthenia_for_the_seed_pages_358_41(db):
    near = codes(I9, "358.41", LEMS)
    assert set(near[:3]) == {"358.30", "358.31", "358.39"}
    assert not MYASTHENIA & set(near)
    assert 3 <= len(near) <= 5


def test_without_the_page_name_the_closest_typing_wins(db):
    assert codes(I9, "358.41")[0] == "358.01"  # one slip; 358.30 is two
    assert codes(I10, "G70.08")[:2] == ["G70.00", "G70.01"]


@pytest.mark.parametrize("typed", ["G70.08", "G7O.80", "G70.8"])
def test_a_slip_in_an_icd10_code_on_the_lems_page_suggests_its_code_first(db, typed):
    near = codes(I10, typed, LEMS)
    assert near[0] == "G70.80"
    assert "G70.81" in near[:3]


def test_a_letter_o_for_a_zero_finds_the_code_without_the_page_name(db):
    assert codes(I10, "G7O.80")[0] == "G70.80"


def test_each_suggestion_carries_its_official_title_in_the_message(db):
    message = Code.objects.not_found_message(I9, "358.41", words=LEMS)
    assert message.startswith("358.41 is not an ICD-9-CM code (version 32). Did you mean: 358.31 Lambert-Eaton ")
    assert "358.30 Lambert-Eaton syndrome, unspecified; " in message


def test_suggestions_cost_one_query_and_one_more_with_the_page_name(db, django_assert_num_queries):
    with django_assert_num_queries(1):  # the typed category and its neighbours
        Code.objects.suggestions(I10, "G7O.80")
    with django_assert_num_queries(2):  # and the codes whose titles share the page's words
        Code.objects.suggestions(I10, "G7O.80", words=LEMS)


def test_the_public_code_not_found_page_lists_the_nearest_codes(client, db):
    response = client.get("/codes/icd-10-cm/G7O.80/")
    assert response.status_code == 404
    assert [code for code, _ in response.context["near"]][0] == "G70.80"
