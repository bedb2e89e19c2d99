"""The editorial workflow in the model and services: the publish gate, "changed since review",
sign-off, history and restore. Personas: an editor, a medical reviewer and a moderator."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from pytest_django.asserts import assertContains

from conditions.models import Condition, Origin, Status
from conditions.workflow import condition_restore, condition_submit_for_review, review_sign_off
from diseasemaps import roles


@pytest.fixture
def draft(make_condition):
    return make_condition(status=Status.DRAFT, summary="A short answer.", treatment="Rest.")


def test_new_editorial_page_cannot_be_created_published(make_condition):
    page = Condition(name="Fresh", slug="fresh", summary="Short.", status=Status.PUBLISHED)
    with pytest.raises(ValidationError) as error:
        page.full_clean()
    assert "signs off" in str(error.value)


def test_draft_cannot_skip_review(draft):
    draft.status = Status.PUBLISHED
    with pytest.raises(ValidationError) as error:
        draft.full_clean()
    assert "submit it for review first" in str(error.value)


def test_page_in_review_without_sign_off_cannot_be_published(draft, editor):
    condition_submit_for_review(condition=draft, editor=editor)
    draft.status = Status.PUBLISHED
    with pytest.raises(ValidationError):
        draft.full_clean()


def test_sign_off_publishes_a_page_in_review_and_records_the_version(draft, editor, reviewer):
    condition_submit_for_review(condition=draft, editor=editor)
    review = review_sign_off(condition=draft, reviewer=reviewer, reviewed_on=datetime.date(2026, 11, 2))
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED
    assert review.content_version == draft.content_version
    assert review.reviewer_name == "Dr Ada Reviewer"
    assert review.reviewer_credentials == "MD, neurologist"
    assert review.next_review_on == datetime.date(2027, 11, 2)  # twelve months by default
    assert draft.last_reviewed_on == datetime.date(2026, 11, 2)


def test_publishing_edits_made_after_the_sign_off_is_refused(draft, editor, reviewer):
    condition_submit_for_review(condition=draft, editor=editor)
    review_sign_off(condition=draft, reviewer=reviewer)
    for status in (Status.DRAFT, Status.IN_REVIEW):  # unpublished, then submitted again
        draft.status = status
        draft.full_clean()
        draft.save()
    draft.treatment = "Rest, and a new unreviewed claim."
    draft.status = Status.PUBLISHED
    with pytest.raises(ValidationError):  # the sign-off covers the old version, not this one
        draft.full_clean()


def test_a_draft_cannot_be_signed_off(draft, reviewer):
    with pytest.raises(ValidationError):
        review_sign_off(condition=draft, reviewer=reviewer)


def test_editor_and_moderator_cannot_sign_off(draft, editor, moderator):
    condition_submit_for_review(condition=draft, editor=editor)
    for person in (editor, moderator):
        with pytest.raises(PermissionDenied):
            review_sign_off(condition=draft, reviewer=person)


def test_sign_off_signs_what_is_stored_not_unsaved_edits(draft, editor, reviewer):
    condition_submit_for_review(condition=draft, editor=editor)
    draft.treatment = "Unsaved text nobody reviewed."
    review_sign_off(condition=draft, reviewer=reviewer)
    assert Condition.objects.get(pk=draft.pk).treatment == "Rest."


def test_editing_a_published_page_marks_it_changed_since_review(draft, editor, reviewer, client):
    condition_submit_for_review(condition=draft, editor=editor)
    review_sign_off(condition=draft, reviewer=reviewer, reviewed_on=datetime.date(2026, 11, 2))
    draft.treatment = "Rest and physiotherapy."
    draft.full_clean()  # a published editorial page stays published when edited
    draft.save()
    assert list(Condition.objects.changed_since_review()) == [draft]
    html = client.get(draft.get_absolute_url()).content.decode()
    assert "Changed since review" in html
    assert "2 November 2026" in html  # the public page keeps the last review date


def test_editing_non_medical_fields_keeps_the_review_current(draft, editor, reviewer):
    condition_submit_for_review(condition=draft, editor=editor)
    review_sign_off(condition=draft, reviewer=reviewer)
    draft.acronym = "FR"
    draft.full_clean()
    draft.save()
    assert list(Condition.objects.review_current()) == [draft]


def test_crlf_from_a_browser_is_not_a_change(draft, editor, reviewer):
    draft.summary = "Line one.\nLine two."
    draft.save()
    condition_submit_for_review(condition=draft, editor=editor)
    review_sign_off(condition=draft, reviewer=reviewer)
    draft.summary = "Line one.\r\nLine two."
    draft.full_clean()
    draft.save()
    assert list(Condition.objects.review_current()) == [draft]


def test_demo_page_is_published_unreviewed_until_taken_over(make_condition, reviewer):
    demo = make_condition(origin=Origin.DEMO)
    demo.full_clean()  # the gate applies to editorial pages; demo pages are labelled unreviewed
    review_sign_off(condition=demo, reviewer=reviewer)
    demo.refresh_from_db()
    assert demo.origin == Origin.EDITORIAL
    demo.origin = Origin.DEMO
    with pytest.raises(ValidationError):  # a reviewed page cannot be relabelled to skip the gate
        demo.full_clean()


def test_a_shell_edit_of_a_demo_page_takes_it_over_and_keeps_it_live(client, make_condition, editor, reviewer):
    demo = make_condition(origin=Origin.DEMO, summary="Demo words.")
    demo.summary = "Words an editor wrote in the shell."
    with pytest.raises(ValidationError) as error:  # validated: the new words need a sign-off
        demo.full_clean()
    assert "Submit it for review" in str(error.value)
    assert demo.origin == Origin.EDITORIAL
    demo = Condition.objects.get(pk=demo.pk)
    demo.summary = "Words an editor wrote in the shell."
    demo.save()  # not validated: the page is now our editors', live and labelled as not reviewed
    demo.refresh_from_db()
    assert (demo.origin, demo.status) == (Origin.EDITORIAL, Status.PUBLISHED)
    response = client.get(demo.get_absolute_url())
    assertContains(response, "Words an editor wrote in the shell.")
    assertContains(response, "Not yet medically reviewed")


def test_stale_instance_cannot_reuse_a_signed_off_version(draft, editor, reviewer):
    condition_submit_for_review(condition=draft, editor=editor)
    review_sign_off(condition=draft, reviewer=reviewer)
    stale = Condition.objects.get(pk=draft.pk)
    draft.treatment = "Second text."
    draft.save()
    stale.treatment = "Third text."
    stale.save()
    stale.refresh_from_db()
    assert stale.content_version == draft.content_version + 1


def test_every_save_is_kept_with_who_and_why(draft, editor, reviewer):
    condition_submit_for_review(condition=draft, editor=editor)
    review_sign_off(condition=draft, reviewer=reviewer)
    records = list(draft.history.order_by("history_date"))
    assert [r.status for r in records] == ["draft", "in_review", "published"]
    assert records[1].history_user == editor
    assert records[1].history_change_reason == "Submitted for review"
    assert records[2].history_user == reviewer
    assert records[2].history_change_reason.startswith("Signed off version")


def test_restore_brings_back_the_words_as_a_new_version(draft, editor, reviewer):
    condition_submit_for_review(condition=draft, editor=editor)
    review_sign_off(condition=draft, reviewer=reviewer)
    reviewed = draft.history.latest("history_date")
    draft.treatment = "A mistake."
    draft.save()
    condition_restore(condition=draft, version=reviewed, user=editor)
    draft.refresh_from_db()
    assert draft.treatment == "Rest."
    assert draft.status == Status.PUBLISHED
    assert draft.content_version == reviewed.content_version + 2  # never an old, signed-off number
    assert draft.history.latest("history_date").history_change_reason.startswith("Restored")
    assert draft.history.latest("history_date").history_user == editor


def test_review_state_querysets(make_condition, reviewer):
    today = datetime.date(2026, 11, 24)

    def reviewed(name, reviewed_on, next_review_on):
        page = make_condition(name=name, origin=Origin.DEMO)
        review_sign_off(condition=page, reviewer=reviewer, reviewed_on=reviewed_on,
                        next_review_on=next_review_on)  # fmt: skip
        return page

    overdue = reviewed("Overdue", datetime.date(2025, 10, 1), datetime.date(2026, 10, 1))
    due = reviewed("Due", datetime.date(2025, 12, 10), datetime.date(2026, 12, 10))
    later = reviewed("Later", datetime.date(2026, 6, 1), datetime.date(2027, 6, 1))
    never = make_condition(name="Never", origin=Origin.DEMO)
    assert list(Condition.objects.review_overdue(today=today)) == [overdue]
    assert list(Condition.objects.review_due(today=today)) == [due]
    assert list(Condition.objects.never_reviewed()) == [never]
    assert set(Condition.objects.review_current()) == {overdue, due, later}


def test_setup_roles_is_idempotent_and_least_privilege(db):
    from django.contrib.auth.models import Group

    call_command("setup_roles", verbosity=0)
    call_command("setup_roles", verbosity=0)
    perms = {g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()}
    assert "sign_off_condition" in perms[roles.REVIEWER]
    assert "sign_off_condition" not in perms[roles.EDITOR]
    assert "change_condition" not in perms[roles.REVIEWER]
    assert "delete_condition" not in perms[roles.EDITOR]
    assert not any("user" in codename or "group" in codename for p in perms.values() for codename in p)
    assert not {p for p in perms[roles.MODERATOR] if "condition" in p}


def test_setup_roles_removes_extra_permissions(db):
    from django.contrib.auth.models import Group, Permission

    call_command("setup_roles", verbosity=0)
    editor_group = Group.objects.get(name=roles.EDITOR)
    editor_group.permissions.add(Permission.objects.get(codename="sign_off_condition"))
    call_command("setup_roles", verbosity=0)
    assert not editor_group.permissions.filter(codename="sign_off_condition").exists()


def test_load_demo_puts_the_demo_staff_in_their_roles(db, settings):
    from community.models import User

    settings.DEBUG = True
    call_command("load_demo", verbosity=0)
    groups = {
        user.email.split("@")[0]: list(user.groups.values_list("name", flat=True))
        for user in User.objects.filter(is_staff=True)
    }
    assert groups == {
        "editor": [roles.EDITOR],
        "reviewer": [roles.REVIEWER],
        "moderator": [roles.MODERATOR],
        "admin": [],  # a superuser needs no group
    }
