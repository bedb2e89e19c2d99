"""The condition page, the visit sheet, home and A–Z as a patient meets them on a phone and a
desktop: what comes first, nothing that scrolls sideways, one printed page, no axe violations."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

LEMS = "/conditions/lambert-eaton-myasthenic-syndrome/"
VISIT = f"{LEMS}visit/"
CATALOGUE = "/conditions/achondroplasia/"
PAGES = [LEMS, CATALOGUE, VISIT, "/", "/conditions/", "/conditions/?letter=L&reviewed=1"]


@pytest.mark.parametrize("width", [320, 375])
def test_no_page_scrolls_sideways_on_a_phone(browser, site_url, width):
    context = browser.new_context(base_url=site_url, viewport={"width": width, "height": 800})
    page = context.new_page()
    for url in PAGES:
        page.goto(url)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at {width}px: {page.evaluate(WIDE)}"
    context.close()


# The elements that reach past the right edge, to say what made a page scroll sideways.
WIDE = """[...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth)
  .map(e => `${e.tagName}.${e.className}: ${e.textContent.trim().slice(0, 40)}`).slice(0, 5)"""


def test_header_keeps_its_links_on_one_line_at_320px(browser, site_url):
    context = browser.new_context(base_url=site_url, viewport={"width": 320, "height": 800})
    page = context.new_page()
    page.goto("/")
    tops = {round(box["y"]) for box in (link.bounding_box() for link in page.locator(".nav-list a").all())}
    assert len(tops) == 1, f"the header's links wrap onto {len(tops)} lines"
    main_nav = page.get_by_role("navigation", name="Main")
    expect(main_nav.get_by_role("link", name="Conditions A–Z")).to_be_visible()  # "A–Z" shown, full name read out
    context.close()


def _top(page, locator):
    return page.locator(locator).first.bounding_box()["y"]


def test_reader_meets_the_short_answer_then_jump_links_then_medicine_before_codes(page):
    page.goto(LEMS)
    order = ["h1", ".status-line", "#short-answer-heading", "#toc-heading", "#symptoms", "#diagnosis",
             "#treatment", "#get-help", "#codes", "#sources", "#review"]  # fmt: skip
    tops = [_top(page, selector) for selector in order]
    assert tops == sorted(tops), dict(zip(order, tops, strict=True))
    expect(page.get_by_role("heading", name="Coding notes")).to_have_count(0)
    notes = page.locator("details.coder-notes")
    expect(notes.locator("summary")).to_have_text("Notes for coders")
    crosswalk = notes.get_by_text("CMS GEMs crosswalk", exact=False)
    expect(crosswalk).to_be_hidden()  # folded away until a coder opens it
    notes.locator("summary").click()
    expect(crosswalk).to_be_visible()


def test_jump_link_takes_the_reader_to_the_codes(page):
    page.goto(LEMS)
    page.get_by_role("navigation", name="On this page").get_by_role("link", name="Codes for your records").click()
    expect(page).to_have_url(re.compile("#codes$"))
    expect(page.get_by_role("heading", name="Codes for your records")).to_be_in_viewport()


def test_community_box_sits_beside_the_short_answer_on_a_desktop_and_after_it_on_a_phone(browser, site_url):
    for width, beside in [(1280, True), (375, False)]:
        context = browser.new_context(base_url=site_url, viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(LEMS)
        answer = page.get_by_role("region", name="Short answer").bounding_box()
        community = page.get_by_role("region", name="Community").bounding_box()
        toc = page.get_by_role("navigation", name="On this page").bounding_box()
        if beside:
            assert community["x"] > answer["x"] + answer["width"] - 1
            assert community["y"] < answer["y"] + answer["height"]
        else:
            assert answer["y"] + answer["height"] <= community["y"] < toc["y"]
        context.close()


def test_codes_are_cards_on_a_phone_and_a_table_on_a_desktop(browser, site_url):
    for width, display in [(375, "block"), (1280, "table-row")]:
        context = browser.new_context(base_url=site_url, viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(LEMS)
        table = page.get_by_role("table", name="This condition’s codes")
        expect(table).to_contain_text("G70.80")
        assert table.locator("tbody tr").first.evaluate("row => getComputedStyle(row).display") == display
        context.close()


def test_get_help_links_out_say_where_they_go(page):
    page.goto(LEMS)
    help_section = page.get_by_role("region", name="Get help")
    expect(help_section.get_by_role("link", name=re.compile("^GARD"))).to_have_attribute(
        "href", re.compile(r"^https://rarediseases\.info\.nih\.gov/diseases/6851/")
    )
    expect(help_section).to_contain_text("Genetic and Rare Diseases Information Center")
    expect(help_section.get_by_role("link", name=re.compile("^ClinicalTrials.gov"))).to_be_visible()
    help_section.get_by_role("link", name="A sheet to take to your doctor").click()
    expect(page).to_have_url(re.compile(f"{VISIT}$"))


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_visit_sheet_prints_on_one_page(page, paper):
    page.goto(VISIT)
    pdf = page.pdf(format=paper, print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pages == 1, f"the visit sheet prints on {pages} {paper} pages"


def test_visit_sheet_print_button_prints_and_is_hidden_without_javascript(browser, site_url, page):
    page.goto(VISIT)
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    expect(page.get_by_text("use your browser's Print command")).to_be_hidden()
    page.get_by_role("button", name="Print this sheet").click()
    assert page.evaluate("window.printed") == 1
    context = browser.new_context(base_url=site_url, java_script_enabled=False)
    no_js = context.new_page()
    no_js.goto(VISIT)
    expect(no_js.get_by_role("button", name="Print this sheet")).to_be_hidden()
    expect(no_js.get_by_text("use your browser's Print command")).to_be_visible()
    expect(no_js.get_by_role("heading", level=1)).to_have_text("Lambert-Eaton myasthenic syndrome (LEMS)")
    context.close()


def test_visit_sheet_prints_without_the_site_navigation(page):
    page.goto(VISIT)
    page.emulate_media(media="print")
    expect(page.get_by_role("banner")).to_be_hidden()
    expect(page.get_by_role("heading", name="Questions to ask")).to_be_visible()


def test_reader_filters_the_index_to_pages_with_a_community(page):
    page.goto("/conditions/")
    page.get_by_label("With a community").check()
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"community=1"))
    entry = page.locator(".az-list li")
    expect(entry).to_have_count(1)  # the demo community of 23; the others have fewer members than are shown
    expect(entry).to_contain_text("Lambert-Eaton myasthenic syndrome")
    expect(entry.locator(".badge")).to_have_count(1)  # its status: demo, or reviewed once the editor test signed it off


def test_axe_finds_no_violations_on_the_new_pages(browser, site_url):
    axe = Axe()
    for width in [375, 1280]:
        context = browser.new_context(base_url=site_url, viewport={"width": width, "height": 900})
        page = context.new_page()
        for url in [LEMS, CATALOGUE, VISIT, "/", "/conditions/?community=1&q=lambert"]:
            page.goto(url)
            results = axe.run(page)
            assert results.violations_count == 0, f"{url} at {width}px: {results.generate_report()}"
        context.close()
