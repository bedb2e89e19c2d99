"""The editor's change form of the live LEMS page, at the widths editors work at: nothing scrolls
sideways, the codes table and the Markdown previews fit, and a code typed twice is named in the
error summary at the top, which takes the editor to the row with what they typed still in it.
Nothing here is saved: the shared demo database is left as it was."""

import re

import pytest
from playwright.sync_api import expect

from .test_editor import admin_log_in


def open_lems_form(page):
    admin_log_in(page, "editor@diseasemaps.example", "editor-demo-2026")
    page.goto("/admin/conditions/condition/?q=g7080")
    page.get_by_role("link", name="Lambert-Eaton myasthenic syndrome").click()
    expect(page.get_by_role("heading", name="Codes (published at once)")).to_be_visible()


def overflow(page):
    """How far the page, the codes table's box and the Markdown previews reach past their room."""
    return page.evaluate(
        """() => {
            const codes = document.querySelector('#codes-group');
            const previews = [...document.querySelectorAll('.markdownx-preview')];
            return {
                page: document.documentElement.scrollWidth - window.innerWidth,
                codes: codes.scrollWidth - codes.clientWidth,
                previews: Math.max(...previews.map(p => p.getBoundingClientRect().right)) - window.innerWidth,
            };
        }"""
    )


@pytest.mark.parametrize("width", [1280, 1024])
def test_the_change_form_fits_without_sideways_scrolling(page, width):
    page.set_viewport_size({"width": width, "height": 900})
    open_lems_form(page)
    reach = overflow(page)
    assert reach["page"] <= 0, reach
    assert reach["codes"] <= 0, reach
    assert reach["previews"] <= 0, reach
    note = page.get_by_label("Note, row 1")
    assert note.bounding_box()["width"] >= 60  # a note box, not a sliver


def test_a_code_typed_twice_is_named_in_the_error_summary_and_what_was_typed_is_kept(page):
    open_lems_form(page)
    page.get_by_role("button", name="Add another Condition code").click()
    row = page.locator("#codes-group tr.dynamic-codes").last
    row.get_by_label("Code, new row").fill("g7080")
    row.get_by_label("Role, new row").select_option("alternative")
    row.get_by_label("Note, new row").fill("Typed by the editor")
    page.get_by_role("button", name="Save draft", exact=True).click()

    summary = page.locator("#error-summary")
    link = summary.get_by_role("link", name=re.compile(r"G70\.80 is already on this page as the primary code"))
    expect(link).to_have_count(1)
    expect(summary).not_to_contain_text("duplicate")
    link.click()
    code = page.locator(":focus")
    expect(code).to_have_value("g7080")  # the link took the editor to the row, as typed
    expect(code).to_have_attribute("aria-label", re.compile(r"^Code, row \d+$"))
    number = code.get_attribute("aria-label").split("row ")[1]
    expect(page.get_by_label(f"Note, row {number}")).to_have_value("Typed by the editor")
    expect(page.get_by_label(f"Role, row {number}")).to_have_value("alternative")
    assert overflow(page)["page"] <= 0
