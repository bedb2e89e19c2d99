"""The editorial admin as each role sees it: what an editor, a medical reviewer and a moderator
may and may not do, the dashboard's lists, history with diffs and restore, search by code."""

import datetime

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from community.models import StoryReport
from conditions import revisions
from conditions.models import Condition, ConditionCode, Origin, Review, Status
from conditions.workflow import condition_submit_for_review, review_sign_off


@pytest.fixture
def as_user(client):
    def log_in(user):
        client.force_login(user)
        return client

    return log_in


@pytest.fixture
def page(make_condition, add_code):
    condition = make_condition(name="Lambert-Eaton myasthenic syndrome", slug="lems", acronym="LEMS",
                               status=Status.DRAFT, summary="LEMS is rare.", treatment="Amifampridine.")  # fmt: skip
    add_code(condition, "icd-10-cm", "G70.80")
    return condition


def change_url(condition):
    return f"/admin/conditions/condition/{condition.pk}/change/"


def form_data(condition, **changes):
    """What the change form posts: the page's fields and empty inline management forms."""
    data = {field: getattr(condition, field) for field in ["name", "slug", "acronym", "status"]}
    data |= {field: getattr(condition, field).replace("\n", "\r\n") for field in Condition.MEDICAL_FIELDS}
    for prefix in ["synonyms", "codes", "references"]:
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    return data | changes


# --- permissions of each role ---------------------------------------------------------------------


def test_editor_edits_pages_but_cannot_sign_off_delete_or_manage_people(as_user, editor, page):
    client = as_user(editor)
    assert client.get("/admin/conditions/condition/").status_code == 200
    assertContains(client.get(change_url(page)), "Save and submit for review")
    assert client.get(f"/admin/conditions/condition/{page.pk}/sign-off/").status_code == 403
    assert client.get(f"/admin/conditions/condition/{page.pk}/delete/").status_code == 403
    assert client.get("/admin/community/user/").status_code == 403
    assert client.get("/admin/auth/group/").status_code == 403
    assert client.get("/admin/conditions/review/add/").status_code == 403
    assertNotContains(client.get("/admin/conditions/condition/"), "Sign off the selected page")


def test_editor_saves_and_submits_for_review(as_user, editor, page):
    response = as_user(editor).post(change_url(page), form_data(page, summary="LEMS is rare.\r\n\r\nNew.",
                                                                _submit_for_review="1"))  # fmt: skip
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.status == Status.IN_REVIEW
    assert page.summary == "LEMS is rare.\n\nNew."
    assert page.history.latest("history_date").history_user == editor


def test_editor_cannot_publish_an_unreviewed_page(as_user, editor, page):
    condition_submit_for_review(condition=page, editor=editor)
    client = as_user(editor)
    assertNotContains(client.get(change_url(page)), 'name="status"')  # the workflow buttons only
    response = client.post(change_url(page), form_data(page, status=Status.PUBLISHED))
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.status == Status.IN_REVIEW


def test_saving_untouched_text_from_a_browser_keeps_the_review_current(as_user, editor, reviewer, page):
    page.summary = "Two lines.\nOf text."
    page.save()
    condition_submit_for_review(condition=page, editor=editor)
    review_sign_off(condition=page, reviewer=reviewer)
    page.refresh_from_db()
    assert as_user(editor).post(change_url(page), form_data(page)).status_code == 302
    assert list(Condition.objects.review_current()) == [page]


def test_editor_changing_live_demo_text_keeps_it_live_until_approved(as_user, editor, reviewer, make_condition):
    demo = make_condition(name="Demo page", slug="demo-page", origin=Origin.DEMO, summary="Demo words.")
    response = as_user(editor).post(change_url(demo), form_data(demo, summary="Better words.", _submit_for_review="1"))
    assert response.status_code == 302
    demo.refresh_from_db()
    assert (demo.origin, demo.status, demo.summary) == (Origin.DEMO, Status.PUBLISHED, "Demo words.")
    revisions.revision_approve(condition=demo, reviewer=reviewer)
    demo.refresh_from_db()
    assert (demo.origin, demo.status, demo.summary) == (Origin.EDITORIAL, Status.PUBLISHED, "Better words.")


def test_reviewer_reads_pages_but_cannot_change_them(as_user, reviewer, page):
    client = as_user(reviewer)
    response = client.get(change_url(page))
    assert response.status_code == 200
    assertNotContains(response, "Save and submit for review")
    assert client.post(change_url(page), form_data(page, summary="Reviewer's edit.")).status_code == 403
    assert client.get("/admin/conditions/condition/add/").status_code == 403
    assert client.get("/admin/community/user/").status_code == 403


def test_reviewer_signs_off_from_the_sign_off_page(as_user, editor, reviewer, page):
    condition_submit_for_review(condition=page, editor=editor)
    client = as_user(reviewer)
    assertContains(client.get(change_url(page)), "Review this page")
    response = client.get(f"/admin/conditions/condition/{page.pk}/sign-off/")
    assertContains(response, "Amifampridine.")  # the page as readers will see it
    response = client.post(
        f"/admin/conditions/condition/{page.pk}/sign-off/",
        {"next_review_on": "2027-05-01", "notes": "Checked.", "version": page.content_version},
    )
    assert response.status_code == 302
    review = Review.objects.get(condition=page)
    assert (review.reviewer, review.next_review_on, review.notes) == (
        reviewer, datetime.date(2027, 5, 1), "Checked.",
    )  # fmt: skip
    page.refresh_from_db()
    assert page.status == Status.PUBLISHED


def test_sign_off_action_is_offered_to_reviewers_only(as_user, reviewer, page):
    client = as_user(reviewer)
    assertContains(client.get("/admin/conditions/condition/"), "Sign off the selected page")
    response = client.post(
        "/admin/conditions/condition/", {"action": "sign_off_selected", "_selected_action": [page.pk]}
    )
    assert response["Location"] == f"/admin/conditions/condition/{page.pk}/sign-off/"


def test_moderator_handles_stories_and_cannot_see_condition_pages(as_user, moderator, page):
    client = as_user(moderator)
    assert client.get("/admin/conditions/condition/").status_code == 403
    assert client.get(change_url(page)).status_code == 403
    assert client.get("/admin/community/story/").status_code == 200
    assert client.get("/admin/community/storyreport/").status_code == 200
    assert client.get("/admin/community/user/").status_code == 403


def test_each_role_sees_what_it_can_do_on_the_index(as_user, editor, reviewer, moderator):
    editor_index = as_user(editor).get("/admin/").content.decode()
    assert "Editor." in editor_index
    assert "Codes failing the audit" in editor_index
    assert "Stories waiting for moderation" not in editor_index
    reviewer_index = as_user(reviewer).get("/admin/").content.decode()
    assert "Submitted for review" in reviewer_index
    assert "Codes failing the audit" not in reviewer_index
    moderator_index = as_user(moderator).get("/admin/").content.decode()
    assert "Stories waiting for moderation" in moderator_index
    assert "Submitted for review" not in moderator_index
    assert "/admin/conditions/condition/" not in moderator_index


# --- the dashboard's lists -----------------------------------------------------------------------


def test_dashboard_lists_link_to_the_place_to_act(as_user, editor, reviewer, moderator, make_condition,
                                                  make_story, make_user):  # fmt: skip
    today = datetime.date.today()
    waiting = make_condition(name="Waiting page", status=Status.IN_REVIEW)
    overdue = make_condition(name="Overdue page", origin=Origin.DEMO)
    review_sign_off(condition=overdue, reviewer=reviewer, reviewed_on=today - datetime.timedelta(days=400),
                    next_review_on=today - datetime.timedelta(days=35))  # fmt: skip
    due = make_condition(name="Due page", origin=Origin.DEMO)
    review_sign_off(condition=due, reviewer=reviewer, next_review_on=today + datetime.timedelta(days=10))
    fresh = make_condition(name="Fresh page", origin=Origin.DEMO)
    review_sign_off(condition=fresh, reviewer=reviewer)
    changed = make_condition(name="Changed page", origin=Origin.DEMO)
    review_sign_off(condition=changed, reviewer=reviewer)
    changed.summary = "Edited after review."
    changed.save()
    ConditionCode.objects.create(condition=fresh, system="icd-10-cm", value="G99.99")  # skipped validation
    story = make_story(fresh, title="Waiting story")
    reported = make_story(fresh, title="Reported story", status="approved")
    StoryReport.objects.create(story=reported, reporter=make_user(), reason="Names a person.")

    html = as_user(editor).get("/admin/").content.decode()
    section = {
        name: html.split(f'id="{name}"')[1].split("</section>")[0]
        for name in ["in-review", "review-due", "changed", "failing-codes"]
    }
    assert change_url(waiting) in section["in-review"]
    assert change_url(overdue) in section["review-due"]
    assert "overdue since" in section["review-due"]
    assert change_url(due) in section["review-due"]
    assert change_url(fresh) not in section["review-due"]
    assert change_url(changed) in section["changed"]
    assert change_url(fresh) not in section["changed"]
    assert "G99.99" in section["failing-codes"]
    assert change_url(fresh) + "#codes-group" in section["failing-codes"]

    html = as_user(moderator).get("/admin/").content.decode()
    assert f"/admin/community/story/{story.pk}/change/" in html.split('id="stories-pending"')[1].split("</section>")[0]
    reports = html.split('id="stories-reported"')[1].split("</section>")[0]
    assert f"/admin/community/story/{reported.pk}/change/" in reports
    assert "1 open report" in reports


def test_review_state_filter(as_user, editor, reviewer, make_condition):
    reviewed = make_condition(name="Reviewed page", origin=Origin.DEMO)
    review_sign_off(condition=reviewed, reviewer=reviewer)
    never = make_condition(name="Unreviewed page", origin=Origin.DEMO)
    client = as_user(editor)
    response = client.get("/admin/conditions/condition/?review=never")
    assertContains(response, "Unreviewed page")
    assertNotContains(response, "Reviewed page")
    response = client.get("/admin/conditions/condition/?review=current")
    assertContains(response, "Reviewed page")
    assertNotContains(response, never.name)


def test_search_finds_pages_by_code_in_any_form_and_by_synonym(as_user, editor, page):
    page.synonyms.create(name="Eaton-Lambert syndrome")
    client = as_user(editor)
    for query in ["g7080", "G70.80", "Eaton-Lambert"]:
        assertContains(client.get("/admin/conditions/condition/", {"q": query}), "Lambert-Eaton myasthenic syndrome")


def test_code_suggestions_show_official_titles(as_user, editor):
    response = as_user(editor).get("/admin/conditions/condition/codes/suggest/", {"system": "icd-10-cm", "q": "g7080"})
    assert {"code": "G70.80", "title": "Lambert-Eaton syndrome, unspecified", "billable": True} in response.json()[
        "results"
    ]


def test_invalid_code_is_refused_in_the_inline(as_user, editor, page):
    data = form_data(page) | {
        "codes-TOTAL_FORMS": "1", "codes-0-system": "icd-10-cm", "codes-0-value": "G70.99",
        "codes-0-role": "alternative", "codes-0-fit": "exact", "codes-0-note": "",
    }  # fmt: skip
    response = as_user(editor).post(change_url(page), data)
    assertContains(response, "G70.99 is not an ICD-10-CM code")


# --- history, diff and restore ------------------------------------------------------------------


def test_history_shows_who_changed_what_and_a_readable_diff(as_user, editor, page):
    client = as_user(editor)
    client.post(change_url(page), form_data(page, treatment="Amifampridine and physiotherapy."))
    response = client.get(f"/admin/conditions/condition/{page.pk}/history/")
    assertContains(response, str(editor))
    version = page.history.latest("history_date")
    response = client.get(f"/admin/conditions/condition/{page.pk}/history/{version.history_id}/diff/")
    assertContains(response, "<span>Amifampridine</span><ins> and physiotherapy</ins><span>.</span>")
    client.post(change_url(page), form_data(page, treatment="Physiotherapy."))
    version = page.history.latest("history_date")
    response = client.get(f"/admin/conditions/condition/{page.pk}/history/{version.history_id}/diff/")
    assertContains(response, "<del>Amifampridine and physiotherapy</del><ins>Physiotherapy</ins>")


def test_editor_restores_an_earlier_version(as_user, editor, page):
    client = as_user(editor)
    first = page.history.earliest("history_date")
    client.post(change_url(page), form_data(page, treatment="A mistake."))
    url = f"/admin/conditions/condition/{page.pk}/history/{first.history_id}/diff/"
    response = client.post(url, {"seen": client.get(url).context["seen"]})
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.treatment == "Amifampridine."


def test_sign_off_is_refused_when_the_text_changed_after_the_reviewer_read_it(as_user, editor, reviewer, page, client):
    page.treatment = "Take 5 mg."
    page.save()
    condition_submit_for_review(condition=page, editor=editor)
    reviewer = as_user(reviewer)
    url = f"/admin/conditions/condition/{page.pk}/sign-off/"
    response = reviewer.get(url)
    assertContains(response, "Take 5 mg.")
    read = response.context["form"]["version"].value()
    # While the reviewer reads, an editor changes the dose.
    page.refresh_from_db()
    page.treatment = "Take 500 mg."
    page.save()
    response = reviewer.post(url, {"next_review_on": "2027-05-01", "notes": "", "version": read})
    assertContains(response, "This page changed after you opened it")
    assertContains(response, "Take 500 mg.")  # the reviewer now sees what would be signed
    assert not Review.objects.filter(condition=page).exists()
    page.refresh_from_db()
    assert page.status == Status.IN_REVIEW
    # Having read the new version, the reviewer can sign it off.
    response = reviewer.post(url, {"next_review_on": "2027-05-01", "notes": "", "version": page.content_version})
    assert response.status_code == 302
    assert Review.objects.get(condition=page).content_version == page.content_version


def test_restore_is_refused_when_the_page_changed_since_it_was_shown(as_user, editor, page):
    client = as_user(editor)
    first = page.history.earliest("history_date")
    client.post(change_url(page), form_data(page, treatment="A mistake."))
    url = f"/admin/conditions/condition/{page.pk}/history/{first.history_id}/diff/"
    seen = client.get(url).context["seen"]
    page.refresh_from_db()
    page.name = "Lambert-Eaton syndrome"  # another editor renames the page meanwhile
    page.save()
    response = client.post(url, {"seen": seen}, follow=True)
    assertContains(response, "Not restored: The page changed after you opened this version")
    page.refresh_from_db()
    assert (page.name, page.treatment) == ("Lambert-Eaton syndrome", "A mistake.")


def test_reviewer_can_read_history_but_not_restore(as_user, editor, reviewer, page):
    first = page.history.earliest("history_date")
    as_user(editor).post(change_url(page), form_data(page, treatment="A change."))
    client = as_user(reviewer)
    url = f"/admin/conditions/condition/{page.pk}/history/{first.history_id}/diff/"
    response = client.get(url)
    assert response.status_code == 200
    assertNotContains(response, "Restore this version")
    assert client.post(url).status_code == 403


def test_view_on_site_only_for_published_pages(as_user, editor, page, make_condition):
    client = as_user(editor)
    assertNotContains(client.get(change_url(page)), "View on site")
    live = make_condition(origin=Origin.DEMO)
    assertContains(client.get(change_url(live)), "View on site")


def test_inline_changes_record_who_made_them(as_user, editor, page):
    from conditions.models import Synonym

    data = form_data(page) | {"synonyms-TOTAL_FORMS": "1", "synonyms-0-name": "Eaton-Lambert syndrome"}
    assert as_user(editor).post(change_url(page), data).status_code == 302
    assert Synonym.history.get(name="Eaton-Lambert syndrome").history_user == editor
    assertContains(as_user(editor).get(f"/admin/conditions/condition/{page.pk}/history/"), "Eaton-Lambert syndrome")


def test_editor_edits_the_disclaimer_on_a_fresh_site(as_user, editor, make_condition):
    from conditions.models import SiteText

    assert not SiteText.objects.exists()  # a fresh site
    condition = make_condition(slug="fresh")
    client = as_user(editor)
    response = client.get("/admin/conditions/sitetext/")
    assertContains(response, "Medical disclaimer")
    text = SiteText.objects.get(key="medical-disclaimer")
    url = f"/admin/conditions/sitetext/{text.pk}/change/"
    assertContains(client.get(url), "educational purposes only")
    response = client.post(url, {"text": "Talk to your own doctor before changing a treatment."})
    assert response.status_code == 302
    assertContains(client.get(f"/conditions/{condition.slug}/"), "Talk to your own doctor before changing a treatment.")
