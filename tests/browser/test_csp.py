"""The Content-Security-Policy holds in a real browser: pages and their scripts (search
suggestions, the story preview, the admin's markdownx live preview and code suggestions) run
without a single violation.

Chromium reports a violation twice: a `securitypolicyviolation` event in the page (collected by
an init script, which Playwright runs outside the page's policy) and a console error."""

from playwright.sync_api import expect

from .conftest import log_in
from .test_editor import admin_log_in

LEMS = "/conditions/lambert-eaton-myasthenic-syndrome/"

COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${where}`);
});
"""


def watch(page):
    """Starts collecting this page's violations; returns a function that lists them."""
    console = []
    page.add_init_script(COLLECT_VIOLATIONS)
    page.on(
        "console",
        lambda message: console.append(message.text) if "Content Security Policy" in message.text else None,
    )

    def violations():
        return page.evaluate("window.__cspViolations || []") + console

    return violations


def test_a_violation_would_be_seen(page):
    violations = watch(page)
    page.goto("/")
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.inlineRan = true";
        document.body.append(script);
    }""")
    page.wait_for_function("window.__cspViolations.length > 0")
    assert not page.evaluate("window.inlineRan === true")
    assert any("script-src" in v for v in violations())


def test_reader_pages_run_without_csp_violations(page):
    violations = watch(page)
    for url in ["/", LEMS, LEMS + "community/", "/search/?q=lambert", "/codes/icd-10-cm/G70.80/"]:
        page.goto(url)
        page.wait_for_load_state("networkidle")
    page.goto("/")
    page.get_by_role("combobox").first.fill("lamb")  # search suggestions (static/js/suggest.js)
    expect(page.get_by_role("listbox", name="Suggested conditions")).to_be_visible()
    assert violations() == []


def test_story_preview_runs_without_csp_violations(page):
    violations = watch(page)
    log_in(page, "member02@diseasemaps.example", "member-demo-2026")
    page.goto(LEMS + "stories/new/")
    page.get_by_label("Title").fill("A title")
    page.get_by_label("Your story").fill("It took **years**.")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview-body strong")).to_have_text("years")  # rendered by the script
    assert violations() == []


def test_admin_change_form_with_live_preview_runs_without_csp_violations(browser, site_url):
    context = browser.new_context(base_url=site_url)
    page = context.new_page()
    violations = watch(page)
    admin_log_in(page, "editor@diseasemaps.example", "editor-demo-2026")
    page.goto("/admin/conditions/condition/")
    page.get_by_role("link", name="Lambert-Eaton myasthenic syndrome").click()
    summary = page.get_by_label("Summary:")
    summary.fill("A **bold** test of the preview.\n\n<script>alert(1)</script><p style='color:red'>x</p>")
    preview = page.locator(".field-summary .markdownx-preview")
    expect(preview).to_contain_text("test of the preview")  # the live preview came back
    page.get_by_role("button", name="Add another Condition code").click()
    row = page.locator("#codes-group tr.dynamic-codes").last
    row.locator("input[name$='-value']").fill("g7080")
    expect(row.locator(".code-suggest-title")).to_contain_text("Lambert-Eaton")  # suggestions came back
    page.goto("/admin/")  # leaves without saving: the shared demo page stays as it was
    assert violations() == []
    context.close()
