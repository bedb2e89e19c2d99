"""Every admin screen an editor, a medical reviewer and a moderator uses passes axe with no
violations: axe-core's default rules, as the site's other axe tests run them (WCAG 2 A and AA, and
best practices), none turned off.

Each persona works in one browser context and goes through their screens in order, in the states
the screens exist for: a draft saved, submitted, sent back with a note; a story waiting, approved,
reported. The states are made through the site's own forms, which call the services. The demo
database is shared by every browser test, so LEMS is only read, the draft is discarded at the end
and the reported story is rejected."""

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from .conftest import log_in

AXE = Axe()
LEMS = "/conditions/lambert-eaton-myasthenic-syndrome/"
DRAFT_PAGE = "Marfan syndrome"  # a demo page no other browser test reads
SENTENCE = "A sentence for the accessibility check of the draft screens."
NOTE = "Please cite a source for the new sentence."


def assert_no_violations(page, screen):
    page.wait_for_load_state("load")  # the scripts that add the toolbar and name the pickers have run
    violations = AXE.run(page).response["violations"]
    found = [
        f"  {violation['id']} ({violation['impact']}): {violation['help']}\n"
        + "".join(f"    at {' '.join(node['target'])}\n" for node in violation["nodes"])
        for violation in violations
    ]
    assert not found, f"{screen} ({page.url}) has {len(found)} axe violation(s):\n" + "".join(found)


def visit(page, url, screen):
    response = page.goto(url)
    assert response.status == 200, f"{screen}: {url} answered {response.status}"
    assert_no_violations(page, screen)


def admin_log_in(browser, site_url, email, password):
    """A persona's own browser context, logged in through the admin's log-in page."""
    page = browser.new_context(base_url=site_url, viewport={"width": 1280, "height": 900}).new_page()
    page.goto("/admin/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Editorial dashboard")
    return page


def test_admin_log_in_page_passes_axe(page):
    page.goto("/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    assert_no_violations(page, "log-in page")
    page.get_by_label("E-mail address").fill("nobody@diseasemaps.example")
    page.get_by_label("Password").fill("not-a-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".errornote")).to_be_visible()
    assert_no_violations(page, "log-in page with an error")


def test_editor_and_reviewer_screens_pass_axe(browser, site_url):
    editor = admin_log_in(browser, site_url, "editor@diseasemaps.example", "editor-demo-2026")
    assert_no_violations(editor, "editor's dashboard")
    editor.locator("#conditions-condition").get_by_role("link", name="Conditions").click()
    assert_no_violations(editor, "condition list")
    editor.get_by_role("textbox", name="Search").fill("g7080")
    editor.get_by_role("button", name="Search").click()
    assert_no_violations(editor, "condition list searched by code")
    editor.get_by_role("link", name="Lambert-Eaton myasthenic syndrome").click()
    expect(editor.locator("#workflow")).to_contain_text("This page is live")
    assert_no_violations(editor, "change form of the published LEMS page")

    editor.goto("/admin/conditions/condition/")
    editor.get_by_role("link", name=DRAFT_PAGE).click()
    edit_url = editor.url
    summary = editor.get_by_label("Summary:")
    summary.fill(f"{summary.input_value()}\n\n{SENTENCE}")
    editor.get_by_role("button", name="Save draft", exact=True).click()
    expect(editor.locator(".messagelist")).to_contain_text(f"Your draft of {DRAFT_PAGE} is saved")
    assert_no_violations(editor, "change form with an open draft")
    editor.get_by_label("Name:").fill("")
    editor.get_by_role("button", name="Save draft", exact=True).click()
    expect(editor.locator("#error-summary")).to_contain_text("Name")
    assert_no_violations(editor, "change form with errors")
    editor.goto(edit_url)
    editor.get_by_role("button", name="Save draft and submit for review").click()
    expect(editor.locator(".messagelist")).to_contain_text("submitted for review")
    assert_no_violations(editor, "change form with a submitted draft")
    editor.get_by_role("link", name="History").click()
    expect(editor.locator("#workflow-history")).to_contain_text("Submitted for review")
    assert_no_violations(editor, "the page's history")
    editor.locator("#change-history").get_by_role("link").first.click()
    expect(editor.get_by_role("heading", name="What this version changed")).to_be_visible()
    assert_no_violations(editor, "a version of the page")
    visit(editor, "/admin/conditions/condition/add/", "new page form")

    reviewer = admin_log_in(browser, site_url, "reviewer@diseasemaps.example", "reviewer-demo-2026")
    assert_no_violations(reviewer, "reviewer's dashboard")
    reviewer.locator("#in-review").get_by_role("link", name=DRAFT_PAGE).click()
    expect(reviewer.locator(".section-diff ins").first).to_contain_text(SENTENCE)
    expect(reviewer.locator(".sign-off-preview")).to_contain_text(SENTENCE)
    assert_no_violations(reviewer, "review screen: the rendered page and the by-section diff")
    reviewer.get_by_role("button", name="Send back with this note").click()
    expect(reviewer.locator(".errornote").first).to_be_visible()
    assert_no_violations(reviewer, "review screen with an empty note")
    reviewer.get_by_label("What should the editor change?").fill(NOTE)
    reviewer.get_by_role("button", name="Send back with this note").click()
    expect(reviewer.locator(".messagelist")).to_contain_text("Sent")

    # The queue of published pages never reviewed, catalogue pages included: the dashboard's "All" list.
    visit(reviewer, "/admin/conditions/condition/?review=never&status__exact=published", "never-reviewed queue")
    reviewer.get_by_role("textbox", name="Search").fill("syndrome")
    reviewer.get_by_role("button", name="Search").click()
    expect(reviewer.locator("#result_list")).to_contain_text("syndrome")
    assert_no_violations(reviewer, "never-reviewed queue searched")
    reviewer.goto("/admin/conditions/condition/?q=g7080")
    reviewer.get_by_role("link", name="Lambert-Eaton myasthenic syndrome").click()
    assert_no_violations(reviewer, "LEMS change form as the reviewer sees it")
    change_url = reviewer.url
    reviewer.get_by_role("link", name="Sign off this version…").click()
    expect(reviewer.locator(".sign-off-preview")).to_be_visible()
    assert_no_violations(reviewer, "sign-off screen")
    reviewer.goto(change_url)
    reviewer.get_by_role("link", name="Unpublish…").click()
    expect(reviewer.get_by_label("Why does this page leave the site?")).to_be_visible()
    assert_no_violations(reviewer, "unpublish screen")  # left without unpublishing
    visit(reviewer, "/admin/conditions/review/", "list of reviews")
    reviewer.context.close()

    editor.goto("/admin/")
    expect(editor.locator("#changes-requested")).to_contain_text(NOTE)
    assert_no_violations(editor, "editor's dashboard with a note sent back")
    editor.goto(edit_url)
    expect(editor.locator("#changes-requested")).to_contain_text(NOTE)
    assert_no_violations(editor, "change form with the reviewer's note")
    editor.get_by_role("button", name="Discard the draft").click()
    expect(editor.locator(".messagelist")).to_contain_text("Discarded the draft")
    editor.context.close()


def test_moderator_screens_pass_axe(browser, site_url):
    title = "A story for the accessibility check of moderation"
    author = browser.new_context(base_url=site_url).new_page()
    log_in(author, "member03@diseasemaps.example", "member-demo-2026")
    author.goto(LEMS + "stories/new/")
    author.get_by_label("Title").fill(title)
    author.get_by_label("Your story").fill("Resting in the afternoon helps me.")
    author.get_by_label(re.compile("I agree that")).check()
    author.get_by_role("button", name="Submit for review").click()
    expect(author.get_by_role("status")).to_contain_text("waiting for a moderator")
    author.context.close()

    moderator = admin_log_in(browser, site_url, "moderator@diseasemaps.example", "moderator-demo-2026")
    assert_no_violations(moderator, "moderator's dashboard")
    visit(moderator, "/admin/community/story/?status__exact=pending", "stories waiting for a moderator")
    moderator.get_by_role("link", name=title).click()
    story_url = moderator.url
    assert_no_violations(moderator, "a waiting story")
    moderator.get_by_role("button", name="Approve and publish").click()
    expect(moderator.locator(".messagelist")).to_contain_text(f"“{title}” is approved and published")

    reporter = browser.new_context(base_url=site_url).new_page()
    log_in(reporter, "member04@diseasemaps.example", "member-demo-2026")
    story_id = re.search(r"/story/(\d+)/change/", story_url).group(1)
    reporter.goto(f"{LEMS}stories/{story_id}/report/")
    reporter.get_by_label("What is wrong with this story?").fill("It names a clinic.")
    reporter.get_by_role("button", name="Send the report").click()
    expect(reporter.get_by_role("status")).to_contain_text("A moderator will look at this story")
    reporter.context.close()

    visit(moderator, "/admin/community/storyreport/", "story reports")
    moderator.locator("#result_list").get_by_role("link", name=title).click()
    assert_no_violations(moderator, "a story report")
    visit(moderator, "/admin/community/story/?reported=open", "stories with open reports")
    moderator.goto(story_url)
    expect(moderator.locator(".inline-group")).to_contain_text("It names a clinic.")
    assert_no_violations(moderator, "a reported story with its reports")
    moderator.get_by_role("button", name="Reject…").click()
    expect(moderator.get_by_label("Reason the author will read")).to_be_visible()
    assert_no_violations(moderator, "reject screen")
    moderator.goto("/admin/community/story/?reported=open")
    moderator.get_by_role("row", name=title).get_by_role("checkbox").check()
    moderator.get_by_role("combobox", name="Action").select_option(label="Reject selected stories (asks for a reason)")
    moderator.get_by_role("button", name="Go").click()
    assert_no_violations(moderator, "reject selected stories screen")
    moderator.get_by_label("Reason the authors will see").fill("Accessibility check: not a real story.")
    moderator.get_by_role("button", name="Reject these stories").click()
    expect(moderator.locator(".messagelist")).to_contain_text("Rejected 1 story")
    moderator.context.close()
