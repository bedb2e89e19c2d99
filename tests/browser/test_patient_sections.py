"""A page with every patient section filled (tests/browser/filled_page.py), as a reader meets it in
Chromium: the sections in the order a patient asks, urgent help set apart, no axe violations,
nothing scrolls sideways on a narrow phone, and its visit sheet still prints on one page."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from .filled_page import SLUG

PAGE = f"/conditions/{SLUG}/"
VISIT = f"{PAGE}visit/"


def test_filled_page_and_its_sheet_have_no_axe_violations(browser, site_url):
    axe = Axe()
    for width in [375, 1280]:
        context = browser.new_context(base_url=site_url, viewport={"width": width, "height": 900})
        page = context.new_page()
        for url in [PAGE, VISIT]:
            page.goto(url)
            expect(page.get_by_role("heading", level=1)).to_contain_text("every patient section")
            results = axe.run(page)
            assert results.violations_count == 0, f"{url} at {width}px: {results.generate_report()}"
        context.close()


@pytest.mark.parametrize("width", [320, 375])
def test_filled_page_and_its_sheet_do_not_scroll_sideways_on_a_phone(browser, site_url, width):
    context = browser.new_context(base_url=site_url, viewport={"width": width, "height": 800})
    page = context.new_page()
    for url in [PAGE, VISIT]:
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_contain_text("every patient section")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at {width}px"
    context.close()


def test_reader_meets_urgent_help_medicines_questions_then_get_help(page):
    page.goto(PAGE)
    anchors = ["living-with", "urgent-help", "medicines", "questions", "get-help", "codes", "sources", "review"]
    tops = [page.locator(f"#{anchor}").bounding_box()["y"] for anchor in anchors]
    assert tops == sorted(tops), dict(zip(anchors, tops, strict=True))
    urgent = page.get_by_role("region", name="When to get urgent help")
    expect(urgent).to_contain_text("Placeholder sign one")
    assert urgent.evaluate("e => getComputedStyle(e).borderLeftStyle") == "solid"  # a box set apart
    help_section = page.get_by_role("region", name="Get help")
    organisation = help_section.get_by_role("link", name="Another Example Foundation")
    expect(organisation).to_have_attribute("href", "https://example.com/")
    expect(help_section).to_contain_text("(United States)")
    expect(help_section).to_contain_text("Goes to the organisation’s own website, example.com.")
    page.get_by_role("navigation", name="On this page").get_by_role("link", name="When to get urgent help").click()
    expect(page).to_have_url(re.compile("#urgent-help$"))
    expect(page.get_by_role("heading", name="When to get urgent help")).to_be_in_viewport()


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_filled_visit_sheet_prints_on_one_page(page, paper):
    page.goto(VISIT)
    expect(page.get_by_role("region", name="Questions to ask")).to_contain_text("Placeholder question 6")
    expect(page.get_by_role("region", name="Medicines and anaesthesia to mention")).to_contain_text("group 4")
    pdf = page.pdf(format=paper, print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pages == 1, f"the filled visit sheet prints on {pages} {paper} pages"
