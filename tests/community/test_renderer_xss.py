"""Stories are Markdown from the public: every known trick to run script must come out inert."""

import re
from html import unescape
from html.parser import HTMLParser

import pytest
from pytest_django.asserts import assertNotContains

from conditions.markdown import ALLOWED_TAGS

XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<svg onload="alert(1)">',
    "<iframe src=javascript:alert(1)></iframe>",
    "<body onload=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](java&#x09;script:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "![x](javascript:alert(1))",
    '![x](https://example.org/x.png" onerror="alert(1))',
    '<a href="https://example.org" onclick="alert(1)">x</a>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>body{display:none}</style>",
    '<form action="https://evil.example"><input name=q></form>',
    '<object data="javascript:alert(1)"></object>',
    "<embed src=javascript:alert(1)>",
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<<script>script>alert(1)<</script>/script>",
    '"><script>alert(1)</script>',
    "`<script>alert(1)</script>`",
    "<details open ontoggle=alert(1)>",
    '<a href="&#106;avascript:alert(1)">x</a>',
    "[a](<javascript:alert(1)>)",
]
SAFE_ATTRIBUTES = {"href", "title", "rel", "scope"}


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def unsafe_parts(html):
    """Elements outside the renderer's allow-list, event or style attributes, and links whose
    scheme is not http(s) or mailto, as a browser would parse them. Text is not checked: a
    payload shown as text is inert."""
    parser = _Elements()
    parser.feed(html)
    problems = []
    for tag, attrs in parser.found:
        if tag not in ALLOWED_TAGS:
            problems.append(f"<{tag}>")
        problems += [f"{tag}[{name}]" for name in attrs if name not in SAFE_ATTRIBUTES]
        href = re.sub(r"[\x00-\x20]", "", unescape(attrs.get("href") or "")).lower()
        if href and ":" in href.split("/")[0] and not href.startswith(("http:", "https:", "mailto:")):
            problems.append(f"href={href}")
    return problems


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_story_renderer_neutralises(condition, make_story, payload):
    story = make_story(condition, body=f"Before\n\n{payload}\n\nAfter")
    assert unsafe_parts(story.body_html) == [], story.body_html
    assert "Before" in story.body_html  # the story around the payload survives


def test_the_whole_corpus_is_inert_on_the_community_page(client, condition, make_story):
    make_story(condition, title="<script>alert('title')</script>", body="\n\n".join(XSS_CORPUS), status="approved")
    response = client.get("/conditions/lems/community/")
    html = response.content.decode()
    story_html = html[html.index('<article class="story"') : html.index("</article>")]
    assert unsafe_parts(story_html.split('<div class="prose">', 1)[1]) == [], story_html
    assertNotContains(response, "<script>alert('title')</script>")


def test_links_in_stories_are_nofollow_ugc_noopener(condition, make_story):
    story = make_story(condition, body="See [the charity](https://example.org/help).")
    assert 'rel="nofollow ugc noopener"' in story.body_html
    assert 'href="https://example.org/help"' in story.body_html
