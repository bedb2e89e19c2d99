"""The codes table of the condition admin form, as an editor meets its errors: a code typed again
names the row that already holds it, a code that does not exist names the nearest real ones, and
each error is in the summary at the top of the form, linked to its field, with everything typed kept."""

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from conditions.codes.format import OWN_ROLES
from conditions.models import Status

from .test_editorial_admin import form_data

I10, I9 = "icd-10-cm", "icd-9-cm"


@pytest.fixture
def lems(make_condition, add_code):
    condition = make_condition(name="Lambert-Eaton myasthenic syndrome", slug="lems", acronym="LEMS",
                               status=Status.DRAFT, summary="LEMS is rare.")  # fmt: skip
    add_code(condition, I10, "G70.80")
    add_code(condition, I9, "358.30", role="alternative")
    return condition


def post_codes(client, condition, *new_rows, delete=()):
    """Posts the change form as the browser does: the saved code rows as they are (those whose
    codes are in `delete` ticked for deletion), then new rows of (system, value, role)."""
    saved = list(condition.codes.order_by("pk"))
    data = form_data(condition) | {
        "codes-TOTAL_FORMS": str(len(saved) + len(new_rows)),
        "codes-INITIAL_FORMS": str(len(saved)),
    }
    for n, code in enumerate(saved):
        data |= {f"codes-{n}-id": code.pk, f"codes-{n}-condition": condition.pk, f"codes-{n}-system": code.system,
                 f"codes-{n}-value": code.value, f"codes-{n}-role": code.role, f"codes-{n}-fit": code.fit,
                 f"codes-{n}-note": code.note}  # fmt: skip
        if code.value in delete:
            data[f"codes-{n}-DELETE"] = "on"
    for n, (system, value, role) in enumerate(new_rows, start=len(saved)):
        data |= {f"codes-{n}-condition": condition.pk, f"codes-{n}-system": system, f"codes-{n}-value": value,
                 f"codes-{n}-role": role, f"codes-{n}-fit": "exact" if role in OWN_ROLES else "",
                 f"codes-{n}-note": "Typed by the editor"}  # fmt: skip
    return client.post(f"/admin/conditions/condition/{condition.pk}/change/", data)


@pytest.mark.parametrize("typed", ["g7080", "G70.80", "G70.8 0"])
def test_a_code_typed_again_names_the_row_that_holds_it(client, editor, lems, typed):
    client.force_login(editor)
    response = post_codes(client, lems, (I10, typed, "alternative"))
    message = "G70.80 is already on this page as the primary code (row 1)."
    # in the summary at the top, linked to the code field of the third row
    assertContains(response, f'<a href="#id_codes-2-value">Codes, row 3: {message}</a>', html=True)
    assertContains(response, message, count=2)  # and on the row itself
    assertNotContains(response, "Please correct the duplicate")
    assertContains(response, f'value="{typed}"')  # what the editor typed stays in the form
    assertContains(response, ">\nTyped by the editor</textarea>")  # the note, in its box
    assert lems.codes.count() == 2


def test_an_instruction_row_is_named_by_its_role(client, editor, lems, add_code):
    add_code(lems, I10, "C34.90", role="code_also", fit="")
    client.force_login(editor)
    response = post_codes(client, lems, (I10, "c3490", "code_also"))
    assertContains(response, "Codes, row 4: C34.90 is already on this page as a code also entry (row 3).")


def test_the_same_code_in_two_new_rows_refuses_the_second(client, editor, lems):
    client.force_login(editor)
    response = post_codes(client, lems, (I9, "358.31", "alternative"), (I9, "35831", "alternative"))
    assertContains(response, "Codes, row 4: 358.31 is already on this page as the alternative code (row 3).")


def test_a_code_deleted_in_the_same_save_may_be_typed_again(client, editor, lems):
    client.force_login(editor)
    response = post_codes(client, lems, (I10, "g7080", "alternative"), delete=["G70.80"])
    assert response.status_code == 302
    assert lems.codes.get(system=I10).role == "alternative"


def test_a_code_that_does_not_exist_names_the_nearest_codes_of_the_condition(client, editor, lems):
    client.force_login(editor)
    response = post_codes(client, lems, (I9, "358.41", "alternative"))
    summary = response.context["error_summary"]
    assert [(label, anchor) for label, _, anchor in summary] == [("Codes, row 3", "id_codes-2-value")]
    message = summary[0][1]
    assert message.startswith(
        "358.41 is not an ICD-9-CM code (version 32). Did you mean: 358.31 Lambert-Eaton syndrome in neoplastic "
        "disease; 358.30 Lambert-Eaton syndrome, unspecified; 358.39 Lambert-Eaton syndrome in other diseases"
    )
    assert "Myasthenia gravis" not in message
    assertContains(response, 'value="358.41"')
