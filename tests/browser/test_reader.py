import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

LEMS = "/conditions/lambert-eaton-myasthenic-syndrome/"


def test_reader_goes_home_to_index_to_lems_and_sees_codes_review_line_and_disclaimer(page):
    page.goto("/")
    page.get_by_role("link", name="Conditions A–Z").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Conditions A–Z")
    page.get_by_role("link", name="L", exact=True).click()
    page.get_by_role("link", name="Lambert-Eaton myasthenic syndrome").click()
    expect(page).to_have_url(re.compile(f"{LEMS}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lambert-Eaton myasthenic syndrome")
    codes = page.get_by_role("table", name="This condition’s codes")
    expect(codes).to_contain_text("G70.80")
    expect(codes).to_contain_text("Lambert-Eaton syndrome, unspecified")
    expect(codes).to_contain_text("358.30")
    expect(page.locator("#review")).to_contain_text("Last updated")
    expect(page.get_by_role("contentinfo")).to_contain_text("Medical disclaimer")


def test_reader_searches_by_code_from_home(page):
    page.goto("/")
    page.get_by_label("Search conditions, symptoms or codes").fill("g7080")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Lambert-Eaton myasthenic syndrome (LEMS)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lambert-Eaton")


def test_condition_page_fits_a_phone_without_horizontal_scroll(browser, site_url):
    context = browser.new_context(base_url=site_url, viewport={"width": 375, "height": 900})
    page = context.new_page()
    for url in ["/", "/conditions/", LEMS]:
        page.goto(url)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at 375px"
    context.close()


def test_pages_read_without_javascript(browser, site_url):
    context = browser.new_context(base_url=site_url, java_script_enabled=False)
    page = context.new_page()
    page.goto(LEMS)
    expect(page.get_by_role("table", name="This condition’s codes")).to_contain_text("G70.80")
    context.close()


def test_skip_link_moves_keyboard_focus_to_main(page):
    page.goto(LEMS)
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(page.url.split("#")[0] + "#main")


def test_axe_finds_no_violations(page):
    axe = Axe()
    for url in ["/", "/conditions/", LEMS, "/search/?q=lems", "/codes/icd-10-cm/G70.80/"]:
        page.goto(url)
        results = axe.run(page)
        assert results.violations_count == 0, f"{url}: {results.generate_report()}"


def test_print_stylesheet_hides_navigation(page):
    page.goto(LEMS)
    page.emulate_media(media="print")
    expect(page.get_by_role("banner")).to_be_hidden()
    expect(page.get_by_role("table", name="This condition’s codes")).to_be_visible()
