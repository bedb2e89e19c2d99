"""The editorial journey in a real browser: an editor changes the LEMS summary with the live
preview and submits it for review, a medical reviewer signs it off, and readers see the new
text with the new review date.

The demo database is shared by every browser test, so the edit only adds a sentence to the
summary (already on the page in the symptoms section) and the sign-off publishes LEMS again: the
reader tests still find its codes and its "Last updated" line, in whatever order they run."""

import re

from django.utils import timezone
from playwright.sync_api import expect

LEMS = "/conditions/lambert-eaton-myasthenic-syndrome/"
ADDED = "Muscle strength can fluctuate."


def admin_log_in(page, email, password):
    page.goto("/admin/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Editorial dashboard")).to_be_visible()


def test_editor_edits_lems_reviewer_signs_off_readers_see_it(browser, site_url):
    editor = browser.new_context(base_url=site_url)
    page = editor.new_page()
    admin_log_in(page, "editor@diseasemaps.example", "editor-demo-2026")
    expect(page.get_by_text("Editor.", exact=True)).to_be_visible()
    page.locator("#conditions-condition").get_by_role("link", name="Conditions").click()
    page.get_by_role("textbox", name="Search").fill("g7080")  # search by code, typed loosely
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Lambert-Eaton myasthenic syndrome").click()
    expect(page.locator("#workflow")).to_contain_text("Demo content")

    summary = page.get_by_label("Summary:")
    text = summary.input_value()
    summary.fill(f"{text}\n\n{ADDED}")
    preview = page.locator(".field-summary .markdownx-preview")
    expect(preview).to_contain_text(ADDED)  # markdownx re-rendered it through the site's renderer
    expect(preview.locator("strong").first).to_have_text("G70.80")
    page.get_by_role("button", name="Save and submit for review").click()
    expect(page.locator(".messagelist")).to_contain_text("submitted for review")
    editor.close()

    reviewer = browser.new_context(base_url=site_url)
    page = reviewer.new_page()
    admin_log_in(page, "reviewer@diseasemaps.example", "reviewer-demo-2026")
    waiting = page.locator("#in-review")
    waiting.get_by_role("link", name="Lambert-Eaton myasthenic syndrome").click()
    page.get_by_role("link", name="Sign off this version…").click()
    expect(page.locator(".sign-off-preview")).to_contain_text(ADDED)
    page.get_by_role("button", name=re.compile(r"^Sign off version \d+$")).click()
    expect(page.locator(".messagelist")).to_contain_text("Signed off version")
    reviewer.close()

    reader = browser.new_context(base_url=site_url)
    page = reader.new_page()
    page.goto(LEMS)
    expect(page.locator("main")).to_contain_text(ADDED)
    today = timezone.now().date()
    expect(page.locator("#review")).to_contain_text(
        f"Medically reviewed by Demo Reviewer, MD, neurology (fictional demo account) on {today.day} {today:%B %Y}"
    )
    expect(page.locator("#review")).not_to_contain_text("Demo content, not yet reviewed")
    expect(page.get_by_role("table", name="This condition’s codes")).to_contain_text("G70.80")
    reader.close()
