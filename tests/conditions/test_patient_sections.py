"""The sections that help a reader act: when to get urgent help, medicines and anaesthesia to
mention, questions to ask, patient organisations. Written and reviewed like the medical sections,
shown in the order a patient asks, printed on the visit sheet, carried by export and import.

The texts below are placeholders for layout and workflow, not medical statements."""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from pytest_django.asserts import assertContains, assertNotContains

from conditions import revisions
from conditions.diffs import section_diff
from conditions.models import Condition, ConditionCode, ConditionFact, Origin, Reference, Status, Synonym
from conditions.views import VISIT_QUESTIONS
from conditions.workflow import condition_submit_for_review, review_sign_off

URGENT = "- Placeholder sign that needs help at once.\n- Placeholder: tell the team about the condition."
MEDICINES = "- Placeholder medicine group A: say so before it is given.\n- Placeholder: tell the anaesthetist."
QUESTIONS = "- Placeholder question about the tests?\n- Placeholder question about the treatment?"
ORGANISATIONS = "Example Patient Group | United Kingdom | https://www.example.org/\nOther Group | Germany | https://example.de/hilfe"


@pytest.fixture
def filled(make_condition, add_code):
    condition = make_condition(
        name="Example syndrome", slug="example", origin=Origin.DEMO, summary="Short.", living_with="Day to day.",
        urgent_help=URGENT, medicines_to_mention=MEDICINES, questions_to_ask=QUESTIONS,
        patient_organisations=ORGANISATIONS,
    )  # fmt: skip
    add_code(condition, "icd-10-cm", "G70.80")
    ConditionFact.objects.create(condition=condition, kind="link", text="GARD: Example",
                                 url="https://rarediseases.info.nih.gov/diseases/6851/x", source="MONDO")  # fmt: skip
    Reference.objects.create(condition=condition, title="A source")
    return condition


# --- patient organisations: one a line, checked in clean() -------------------------------------------


@pytest.mark.parametrize(
    "line, message",
    [
        ("Example Group United Kingdom https://www.example.org/", "separated by two “|” signs"),
        ("Example Group | United Kingdom | http://www.example.org/", "must be a secure one, starting with https://"),
        ("Example Group |  | https://www.example.org/", "the country is missing"),
        ("Example Group | United Kingdom | https://", "a full address starting with https://"),
        ("Example Group | United Kingdom | www.example.org", "a full address starting with https://"),
    ],
)
def test_a_bad_organisation_line_is_refused_with_a_message_naming_the_line(make_condition, line, message):
    condition = make_condition(status=Status.DRAFT)
    condition.patient_organisations = f"Good Group | France | https://example.fr/\n\n{line}"
    with pytest.raises(ValidationError) as error:
        condition.full_clean()
    [problem] = error.value.message_dict["patient_organisations"]
    assert problem.startswith(f"Line 3 (“{line.strip()}”): ")
    assert message in problem


def test_every_bad_organisation_line_is_named_at_once(make_condition):
    condition = make_condition(status=Status.DRAFT)
    condition.patient_organisations = (
        "No link | France\nGood Group | France | https://example.fr/\nA | B | http://b.org"
    )
    with pytest.raises(ValidationError) as error:
        condition.full_clean()
    problems = error.value.message_dict["patient_organisations"]
    assert [p.split(" ", 2)[:2] for p in problems] == [["Line", "1"], ["Line", "3"]]


def test_good_organisations_pass_clean(make_condition):
    condition = make_condition(status=Status.DRAFT, patient_organisations=ORGANISATIONS + "\n")
    condition.full_clean()


# --- the reader page -------------------------------------------------------------------------------


def test_the_new_sections_come_in_the_order_a_patient_asks(client, filled):
    html = client.get(filled.get_absolute_url()).content.decode()
    headings = [
        ">Living with it and outlook</h2>", ">When to get urgent help</h2>",
        ">Medicines and anaesthesia to mention</h2>", ">Questions to ask your doctor</h2>", ">Get help</h2>",
        ">Patient organisations</h3>", ">Read more elsewhere</h3>", ">Codes for your records</h2>",
        ">Sources</h2>", ">Review details</h2>",
    ]  # fmt: skip
    positions = [html.find(heading) for heading in headings]
    assert -1 not in positions, [h for h, p in zip(headings, positions, strict=True) if p < 0]
    assert positions == sorted(positions)
    toc = html[html.find(">On this page</h2>") : html.find("</nav>", html.find(">On this page</h2>"))]
    links = ["#living-with", "#urgent-help", "#medicines", "#questions", "#get-help", "#codes"]
    assert [toc.find(f'href="{link}"') for link in links] == sorted(toc.find(f'href="{link}"') for link in links)
    assert -1 not in [toc.find(f'href="{link}"') for link in links]


def test_urgent_help_is_a_box_set_apart(client, filled):
    response = client.get(filled.get_absolute_url())
    assertContains(response, '<section class="prose urgent-help" aria-labelledby="urgent-help">')
    assertContains(response, "<li>Placeholder sign that needs help at once.</li>")


def test_patient_organisations_show_name_country_and_where_the_link_goes(client, filled):
    response = client.get(filled.get_absolute_url())
    assertContains(response, '<a href="https://www.example.org/" rel="noopener">Example Patient Group</a>')
    assertContains(response, "(United Kingdom)")
    assertContains(response, "Goes to the organisation’s own website, example.org.")
    assertContains(response, "Goes to the organisation’s own website, example.de.")


def test_empty_sections_are_left_out_with_their_jump_links(client, make_condition):
    condition = make_condition(summary="Short.", treatment="Rest.")
    response = client.get(condition.get_absolute_url())
    for anchor, heading in [("urgent-help", "When to get urgent help"), ("medicines", "Medicines and anaesthesia"),
                            ("questions", "Questions to ask your doctor"), ("", "Patient organisations")]:  # fmt: skip
        assertNotContains(response, heading)
        if anchor:
            assertNotContains(response, f'href="#{anchor}"')
    assertContains(response, ">Get help</h2>")


def test_the_sections_are_sanitised_markdown(client, make_condition):
    condition = make_condition(urgent_help="**Call** <script>alert(1)</script>")
    response = client.get(condition.get_absolute_url())
    assertContains(response, "<strong>Call</strong> &lt;script&gt;")


# --- the review workflow ---------------------------------------------------------------------------


@pytest.fixture
def live(make_condition, editor, reviewer):
    page = make_condition(name="Example syndrome", slug="example", status=Status.DRAFT, urgent_help="- Old sign.")
    condition_submit_for_review(condition=page, editor=editor)
    review_sign_off(condition=page, reviewer=reviewer, reviewed_on=datetime.date(2026, 1, 5))
    page.refresh_from_db()
    return page


def test_a_draft_of_urgent_help_reaches_readers_only_when_approved(client, live, editor, reviewer):
    content = {**revisions.live_content(live), "urgent_help": "- New sign.", "patient_organisations": ORGANISATIONS}
    revision = revisions.draft_save(condition=live, editor=editor, content=content)
    assert revision.changed_fields() == ["urgent_help", "patient_organisations"]
    revisions.draft_submit(condition=live, editor=editor)
    page = client.get(live.get_absolute_url())
    assertContains(page, "Old sign.")
    assertNotContains(page, "New sign.")
    assertNotContains(page, "Example Patient Group")

    version = live.content_version
    revisions.revision_approve(condition=live, reviewer=reviewer, reviewed_on=datetime.date(2026, 12, 1))
    live.refresh_from_db()
    assert live.content_version == version + 1
    assert live.is_review_current()
    page = client.get(live.get_absolute_url())
    assertContains(page, "New sign.")
    assertContains(page, "Example Patient Group")
    assertNotContains(page, "Old sign.")


def test_editing_a_new_section_after_sign_off_shows_changed_since_review(live):
    live.questions_to_ask = "- A new question?"
    live.save()
    assert Condition.objects.changed_since_review().filter(pk=live.pk).exists()


def test_the_reviewer_sees_each_new_section_in_the_diff(client, live, editor, reviewer):
    organisation = "Example Patient Group | United Kingdom | https://www.example.org/"
    content = {**revisions.live_content(live), "medicines_to_mention": MEDICINES, "patient_organisations": organisation}
    revisions.draft_save(condition=live, editor=editor, content=content)
    revisions.draft_submit(condition=live, editor=editor)
    client.force_login(reviewer)
    page = client.get(f"/admin/conditions/condition/{live.pk}/review/")
    assert [label for label, _ in page.context["diffs"]] == [
        "Medicines and anaesthesia to mention", "Patient organisations",
    ]  # fmt: skip
    assertContains(page, "Placeholder medicine group A")


def test_organisations_are_compared_line_by_line():
    old = "A Group | France | https://a.fr/\nB Group | Spain | https://b.es/"
    new = "A Group | France | https://a.fr/\nC Group | Italy | https://c.it/\nB Group | Spain | https://b.es/"
    rows = section_diff(old, new, field="patient_organisations")
    assert [row.kind for row in rows] == ["same", "added", "same"]


def test_the_editor_form_has_the_new_sections_with_the_formatting_toolbar(client, live, editor):
    client.force_login(editor)
    form = client.get(f"/admin/conditions/condition/{live.pk}/change/")
    html = form.content.decode()
    for field in ["urgent_help", "medicines_to_mention", "questions_to_ask"]:
        assert f'id="id_{field}"' in html
        tag = html[html.rfind("<textarea", 0, html.find(f'id="id_{field}"')) : html.find(f'id="id_{field}"')]
        assert "markdownx-editor" in tag  # the toolbar script adds its buttons to these
    assertContains(form, 'name="patient_organisations"')
    assertContains(form, "One organisation per line")


def test_a_bad_organisation_typed_in_the_admin_is_named_and_kept(client, live, editor):
    client.force_login(editor)
    data = {field: getattr(live, field) for field in ["name", "slug", "acronym", *Condition.MEDICAL_FIELDS]}
    for prefix in ["synonyms", "codes", "references"]:
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    data["patient_organisations"] = "Example Group | http://example.org/"
    response = client.post(f"/admin/conditions/condition/{live.pk}/change/", data)
    assertContains(response, "Line 1 (“Example Group | http://example.org/”): write the name, the country")
    assertContains(response, "Example Group | http://example.org/</textarea>")
    assert not revisions.open_revision(live)


# --- the visit sheet -------------------------------------------------------------------------------


def test_visit_sheet_prints_the_pages_questions_and_medicines_to_mention(client, filled):
    response = client.get(f"/conditions/{filled.slug}/visit/")
    assertContains(response, "<li>Placeholder question about the tests?</li>")
    assertContains(response, ">Medicines and anaesthesia to mention</h2>")
    assertContains(response, "<li>Placeholder medicine group A: say so before it is given.</li>")
    assertNotContains(response, VISIT_QUESTIONS[0])  # the page's own questions, in place of the general ones
    assertContains(response, ">Medicines I take</h2>")


def test_visit_sheet_without_them_keeps_the_general_questions(client, make_condition):
    condition = make_condition()
    response = client.get(f"/conditions/{condition.slug}/visit/")
    assertContains(response, VISIT_QUESTIONS[0])
    assertNotContains(response, "Medicines and anaesthesia to mention")


# --- export and import -----------------------------------------------------------------------------


def test_export_import_carries_the_new_sections_and_their_draft(filled, editor, tmp_path):
    content = {**revisions.live_content(filled), "questions_to_ask": "- A drafted question?"}
    revisions.draft_save(condition=filled, editor=editor, content=content)
    call_command("export_conditions", "--output", str(tmp_path / "a.json"), verbosity=0)
    first = (tmp_path / "a.json").read_bytes()
    ConditionCode.objects.all().delete()
    Synonym.objects.all().delete()
    Condition.objects.all().delete()
    call_command("import_conditions", str(tmp_path / "a.json"), verbosity=0)
    call_command("export_conditions", "--output", str(tmp_path / "b.json"), verbosity=0)
    assert (tmp_path / "b.json").read_bytes() == first
    restored = Condition.objects.get(slug="example")
    assert (restored.urgent_help, restored.patient_organisations) == (URGENT, ORGANISATIONS)
    assert revisions.open_revision(restored).content["questions_to_ask"] == "- A drafted question?"


def test_a_file_written_before_the_new_sections_imports_them_empty(filled, editor, tmp_path):
    revisions.draft_save(condition=filled, editor=editor, content={**revisions.live_content(filled), "summary": "New."})
    call_command("export_conditions", "--output", str(tmp_path / "a.json"), verbosity=0)
    document = json.loads((tmp_path / "a.json").read_text())
    added = ["urgent_help", "medicines_to_mention", "questions_to_ask", "patient_organisations"]
    for record in document["conditions"]:
        for key in added:
            del record[key]
            del record["draft"]["content"][key]
    (tmp_path / "old.json").write_text(json.dumps(document))
    ConditionCode.objects.all().delete()
    Synonym.objects.all().delete()
    Condition.objects.all().delete()
    call_command("import_conditions", str(tmp_path / "old.json"), verbosity=0)
    restored = Condition.objects.get(slug="example")
    assert [getattr(restored, key) for key in added] == ["", "", "", ""]
    assert revisions.open_revision(restored).content["summary"] == "New."
