"""Official code pages as a reader uses them, on the demo site."""

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

LEMS = "/conditions/lambert-eaton-myasthenic-syndrome/"
CODE_PAGES = [
    "/codes/",
    "/codes/icd-10-cm/",
    "/codes/icd-10-cm/6/",
    "/codes/icd-10-cm/G70-G73/",
    "/codes/icd-10-cm/G70.8/",
    "/codes/icd-10-cm/G70.81/",
    "/codes/icd-10-cm/S72.001A/",  # the longest notes: chapter, block, category and 7th characters
    "/codes/icd-9-cm/",
    "/codes/icd-9-cm/?range=35",
    "/codes/icd-9-cm/358.39/",
    "/codes/icd-10-cm/G70.82/",  # not a code
]


def test_reader_follows_a_code_from_the_lems_page_to_its_page_and_across_the_crosswalk(page):
    page.goto(LEMS)
    page.get_by_role("table", name="This condition’s codes").get_by_role("link", name="G70.81", exact=True).click()
    expect(page).to_have_url(re.compile(r"/codes/icd-10-cm/G70\.81/$"))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("ICD-10-CM G70.81: Lambert-Eaton syndrome in disease classified elsewhere")
    expect(page.get_by_role("navigation", name="Breadcrumb").get_by_role("link")).to_have_text(
        ["ICD-10-CM", "Chapter 6", "G70-G73", "G70", "G70.8"]
    )
    expect(page.get_by_role("region", name="Conditions on DiseaseMaps with this code")).to_contain_text(
        "Lambert-Eaton myasthenic syndrome: alternative code"
    )

    page.get_by_role("region", name="Crosswalk to ICD-9-CM").get_by_role("link", name="ICD-9-CM 358.39").click()
    expect(page).to_have_url(re.compile(r"/codes/icd-9-cm/358\.39/$"))
    expect(heading).to_have_text("ICD-9-CM 358.39: Lambert-Eaton syndrome in other diseases classified elsewhere")

    page.get_by_role("region", name="Crosswalk to ICD-10-CM").get_by_role("link", name="ICD-10-CM G70.81").click()
    expect(page).to_have_url(re.compile(r"/codes/icd-10-cm/G70\.81/$"))
    page.get_by_role("link", name="Lambert-Eaton myasthenic syndrome").click()
    expect(page).to_have_url(re.compile(f"{LEMS}$"))


def test_reader_browses_icd10cm_from_chapter_down_to_a_code(page):
    page.goto("/codes/icd-10-cm/")
    page.get_by_role("link", name="Chapter 6", exact=True).click()
    page.get_by_role("link", name="G70-G73", exact=True).last.click()
    page.get_by_role("link", name="G70", exact=True).last.click()
    page.get_by_role("link", name="G70.8", exact=True).last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ICD-10-CM G70.8: Other specified myoneural disorders")
    expect(page.get_by_text("not billable")).to_be_visible()
    page.get_by_role("link", name="G70.80", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ICD-10-CM G70.80: Lambert-Eaton syndrome, unspecified")


def test_a_mistyped_code_redirects_and_a_missing_one_offers_the_nearest(page):
    page.goto("/codes/icd-10-cm/g7080/")
    expect(page).to_have_url(re.compile(r"/codes/icd-10-cm/G70\.80/$"))
    response = page.goto("/codes/icd-10-cm/g7082/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("ICD-10-CM G70.82 not found")
    page.get_by_role("link", name="G70.81", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("G70.81")


def test_reader_searches_a_legacy_code_and_reaches_its_page(page):
    page.goto("/search/?q=35830")
    page.get_by_role("link", name="ICD-9-CM 358.30").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ICD-9-CM 358.30: Lambert-Eaton syndrome, unspecified")


def test_code_pages_fit_a_phone_and_pass_axe(browser, site_url):
    context = browser.new_context(base_url=site_url, viewport={"width": 375, "height": 900})
    page = context.new_page()
    axe = Axe()
    for url in CODE_PAGES:
        page.goto(url)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at 375px"
        results = axe.run(page)
        assert results.violations_count == 0, f"{url}: {results.generate_report()}"
    context.close()
