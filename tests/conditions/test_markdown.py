import pytest

from conditions.markdown import render

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
    for bad in ["<script", "onerror", "onload", "javascript:", "<iframe", "<svg", "style="]:
        assert bad not in html


def test_links_are_nofollow_ugc():
    assert 'rel="nofollow ugc noopener"' in render("[NORD](https://rarediseases.org)")


def test_markdown_still_formats():
    assert render("**bold**\n\n- a\n- b") == "<p><strong>bold</strong></p>\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>"
