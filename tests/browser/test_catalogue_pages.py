"""Two catalogue pages enriched from open data, as a reader sees them on a phone."""

import pytest
from playwright.sync_api import expect

PAGES = ["/conditions/castleman-disease/", "/conditions/achondroplasia/"]


@pytest.mark.parametrize("url", PAGES)
def test_enriched_page_reads_on_a_phone_with_its_definition_credited(browser, site_url, url):
    context = browser.new_context(base_url=site_url, viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(url)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at 375px"
    short_answer = page.get_by_role("region", name="Short answer")
    expect(short_answer).to_be_visible()
    expect(short_answer).not_to_contain_text("is a rare condition listed by Orphanet")
    credit = short_answer.get_by_text("Definition: MONDO, release 2026-05-05, CC BY 4.0.")
    credit.scroll_into_view_if_needed()
    expect(credit).to_be_visible()
    expect(page.get_by_role("link", name="ClinicalTrials.gov", exact=False)).to_be_visible()
    expect(page.locator('meta[name="robots"]')).to_have_count(0)  # a page with a definition is indexed
    context.close()


def test_achondroplasia_shows_inheritance_gene_and_grouped_plain_signs(page):
    page.goto(PAGES[1])
    facts = page.get_by_role("region", name="Causes and inheritance")
    expect(facts).to_contain_text("Inherited in an autosomal dominant way")
    expect(facts).to_contain_text("FGFR3")
    expect(page.get_by_role("heading", name="Muscles, bones and joints", level=3)).to_be_visible()
    expect(page.get_by_role("link", name="Large head (macrocephaly)")).to_be_visible()
