import html
import re
import time

import pytest
from django.core.exceptions import ValidationError
from django.utils.html import strip_tags
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conditions.markdown import MAX_LENGTH, render
from conditions.templatetags.conditions_extras import html_text

XSS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=//evil.example></iframe>",
    '<svg onload="alert(1)">',
    '<p style="background:url(javascript:alert(1))">x</p>',
    "<<script>script>alert(1)<</script>/script>",
]


@pytest.mark.parametrize("text", XSS)
def test_renderer_strips_scripts_and_handlers(text):
    html = render(text).lower()
    # Typed HTML comes out as escaped text, which is inert; only the markup itself is checked.
    markup = "".join(re.findall(r"<[^>]*>", html))
    for bad in ["<script", "onerror", "onload", "javascript:", "<iframe", "<svg", "style="]:
        assert bad not in markup


def test_links_are_nofollow_ugc():
    assert 'rel="nofollow ugc noopener"' in render("[NORD](https://rarediseases.org)")


def test_markdown_still_formats():
    assert render("**bold**\n\n- a\n- b") == "<p><strong>bold</strong></p>\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>"


# Inputs that make a backtracking or rescanning parser quadratic: Python-Markdown took 10 s on
# 10,000 "[" and would take minutes on 100,000. Each unit is repeated to the given length.
PATHOLOGICAL = {
    "nested brackets": "[",
    "images in brackets": "![",
    "brackets with text": "[a",
    "unclosed link destinations": "[](",
    "autolinks": "<http://",
    "emphasis run": "*",
    "emphasis pairs": "*a",
    "underscores": "_a",
    "nested blockquotes": ">",
    "backticks": "`",
    "long line": "word ",
    "table cells": "|a",
}


def _cpu_seconds(unit, length):
    """The least CPU time of two renders of the unit repeated to the given length."""
    text = (unit * length)[:length]
    if unit == "|a":  # a header row, its separator and many body rows
        text = f"|a|b|\n|-|-|\n{text}"
    times = []
    for _ in range(2):
        start = time.process_time()
        assert render(text)  # it rendered something, not an error
        times.append(time.process_time() - start)
    return min(times)


@pytest.mark.parametrize("unit", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_pathological_markdown_renders_in_linear_time(unit):
    # Ten times the text takes about ten times as long in a linear parser and a hundred times in a
    # quadratic one. A ratio, not a bound in seconds, so that a busy machine does not decide it.
    short, long = _cpu_seconds(unit, 4_000), _cpu_seconds(unit, 40_000)
    assert long / max(short, 1e-3) < 30, f"{short:.3f} s for 4,000 characters, {long:.3f} s for 40,000"


def test_a_condition_section_over_the_length_limit_is_refused(make_condition):
    condition = make_condition()
    condition.symptoms = "x" * (MAX_LENGTH + 1)
    with pytest.raises(ValidationError) as refused:
        condition.full_clean()
    assert refused.value.message_dict["symptoms"] == ["This text is too long: at most 50,000 characters."]


PIECES = [*"ab <>&\"'*_[]()`#\n-!:/=;", "http://x.org", "&lt;", "<b>", "-->", "<!--", '[a](/b "t>i")']


@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_plain_words_of_rendered_markdown_are_what_html_parsing_finds(text):
    rendered = render(text)
    assert html_text(rendered) == html.unescape(strip_tags(rendered)).strip()
