from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect


def test_suggestions_appear_as_the_reader_types_and_keyboard_picks_one(page):
    page.goto("/")
    box = page.get_by_role("combobox", name="Search conditions, symptoms or codes")
    box.press_sequentially("lamber", delay=40)
    suggestions = page.get_by_role("listbox", name="Suggested conditions")
    expect(suggestions).to_be_visible()
    expect(suggestions.get_by_role("option").first).to_contain_text("Lambert-Eaton myasthenic syndrome")
    box.press("ArrowDown")
    expect(suggestions.get_by_role("option").first).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lambert-Eaton myasthenic syndrome")


def test_search_page_works_without_javascript_and_explains_matches(browser, site_url):
    context = browser.new_context(base_url=site_url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/")
    page.get_by_label("Search conditions, symptoms or codes").fill("eaton lambert")
    page.get_by_role("button", name="Search").click()
    result = page.get_by_role("listitem").filter(has_text="Lambert-Eaton myasthenic syndrome").first
    expect(result).to_contain_text("Matched other name “Eaton-Lambert syndrome”")
    context.close()


def test_open_suggestions_pass_axe(page):
    page.goto("/search/")
    page.get_by_role("combobox").press_sequentially("myast", delay=40)
    expect(page.get_by_role("listbox")).to_be_visible()
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
