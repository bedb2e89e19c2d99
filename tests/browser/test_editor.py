"""The editorial journey in a real browser: an editor drafts a change to the live LEMS summary
with the live preview and submits it; readers keep the published page and its community; a
medical reviewer sends it back with a note, the editor revises and resubmits, the reviewer
approves, and readers see the new text with the new review date.

The demo database is shared by every browser test, so the edit only adds a sentence to the
summary and LEMS stays published throughout: the reader tests still find its codes and its "Last
updated" line, in whatever order they run."""

import re

from django.utils import timezone
from playwright.sync_api import expect

LEMS = "/conditions/lambert-eaton-myasthenic-syndrome/"
# Plain marker sentences, not medical claims: the shared demo database keeps them after the test.
FIRST = "First draft of a sentence for the review round trip."
SECOND = "Second draft of a sentence for the review round trip."
NOTE = "Please reword the new sentence."


def admin_log_in(page, email, password):
    page.goto("/admin/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Editorial dashboard")).to_be_visible()


def reader_sees(browser, site_url, text, *, present):
    """An anonymous reader's view of the LEMS page and its community: both answer 200."""
    reader = browser.new_context(base_url=site_url)
    page = reader.new_page()
    response = page.goto(LEMS)
    assert response.status == 200
    if present:
        expect(page.locator("main")).to_contain_text(text)
    else:
        expect(page.locator("main")).not_to_contain_text(text)
    assert page.goto(LEMS + "community/").status == 200
    expect(page.get_by_role("link", name=re.compile("About Lambert-Eaton"))).to_be_visible()
    reader.close()
    return page


def test_draft_of_live_lems_page_round_trip(browser, site_url):
    """Editor edits the live page and submits; readers keep the old text and the community; the
    reviewer sends it back with a note; the editor sees it, revises and resubmits; the reviewer
    approves; readers see the new text and the new review date."""
    editor = browser.new_context(base_url=site_url)
    page = editor.new_page()
    admin_log_in(page, "editor@diseasemaps.example", "editor-demo-2026")
    expect(page.get_by_text("Editor.", exact=True)).to_be_visible()
    page.locator("#conditions-condition").get_by_role("link", name="Conditions").click()
    page.get_by_role("textbox", name="Search").fill("g7080")  # search by code, typed loosely
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Lambert-Eaton myasthenic syndrome").click()
    expect(page.locator("#workflow")).to_contain_text("Readers keep seeing the published version")
    expect(page.locator("select[name=status]")).to_have_count(0)  # workflow buttons only

    summary = page.get_by_label("Summary:")
    text = summary.input_value()
    summary.fill(f"{text}\n\n{FIRST}")
    preview = page.locator(".field-summary .markdownx-preview")
    expect(preview).to_contain_text(FIRST)  # markdownx re-rendered it through the site's renderer
    page.get_by_role("button", name="Save draft and submit for review").click()
    expect(page.locator(".messagelist")).to_contain_text("Readers keep seeing the published version")
    edit_url = page.url

    reader_sees(browser, site_url, FIRST, present=False)

    reviewer = browser.new_context(base_url=site_url)
    review = reviewer.new_page()
    admin_log_in(review, "reviewer@diseasemaps.example", "reviewer-demo-2026")
    review.locator("#in-review").get_by_role("link", name="Lambert-Eaton myasthenic syndrome").click()
    expect(review.locator(".section-diff ins").first).to_contain_text(FIRST)
    expect(review.locator(".sign-off-preview")).to_contain_text(FIRST)
    review.set_viewport_size({"width": 375, "height": 900})  # a phone: the sides stacked
    unchanged = review.locator(".section-diff .diff-same").first
    expect(unchanged.locator(".diff-old")).to_be_visible()
    expect(unchanged.locator(".diff-old .diff-side")).to_have_text("Unchanged")
    expect(unchanged.locator(".diff-new")).to_be_hidden()  # not shown again as "Proposed"
    review.set_viewport_size({"width": 1280, "height": 900})
    expect(unchanged.locator(".diff-new")).to_be_visible()  # side by side, both sides
    review.get_by_label("What should the editor change?").fill(NOTE)
    review.get_by_role("button", name="Send back with this note").click()
    expect(review.locator(".messagelist")).to_contain_text("Sent")

    page.goto("/admin/")
    expect(page.locator("#changes-requested")).to_contain_text(NOTE)  # the editor's dashboard
    page.goto(edit_url)
    expect(page.locator("#changes-requested")).to_contain_text(NOTE)  # the top of the form
    summary = page.get_by_label("Summary:")
    summary.fill(summary.input_value().replace(FIRST, SECOND))
    page.get_by_role("button", name="Save draft and resubmit for review").click()
    expect(page.locator(".messagelist")).to_contain_text("submitted for review")
    editor.close()

    reader_sees(browser, site_url, SECOND, present=False)

    review.goto("/admin/")
    review.locator("#in-review").get_by_role("link", name="Lambert-Eaton myasthenic syndrome").click()
    expect(review.locator(".section-diff")).to_contain_text(SECOND)
    review.get_by_role("button", name="Approve and publish").click()
    expect(review.locator(".messagelist")).to_contain_text("Approved and published")
    reviewer.close()

    page = reader_sees(browser, site_url, SECOND, present=True)
    reader = browser.new_context(base_url=site_url)
    page = reader.new_page()
    page.goto(LEMS)
    today = timezone.now().date()
    expect(page.locator("#review")).to_contain_text(
        f"Medically reviewed by Demo Reviewer, MD, neurology (fictional demo account) on {today.day} {today:%B %Y}"
    )
    expect(page.locator("#review")).not_to_contain_text("Demo content, not yet reviewed")
    expect(page.get_by_role("table", name="This condition’s codes")).to_contain_text("G70.80")
    reader.close()
