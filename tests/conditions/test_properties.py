"""Property-based tests (hypothesis) of what readers and editors type: any search query is
answered without an error and without reaching the full-text engines' syntax; any Markdown or
HTML an editor or member writes renders to HTML with no script; any code a URL or a search names
is read without an error. (The code normaliser's own properties are in test_codes.py.)"""

import re
from html.parser import HTMLParser

import nh3
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conditions import search
from conditions.codes import format as code_format
from conditions.markdown import ALLOWED_TAGS, render

# Pieces of the FTS5 and tsquery syntaxes, SQL and HTML, mixed into arbitrary text.
SYNTAX = [
    '"', "'", "*", "^", ":", "-", "+", "(", ")", "{", "}", "NEAR(", "NEAR/2", " AND ", " OR ", " NOT ",
    "&", "|", "!", "<->", ":*", "\\", "%", "_", ";", "--", "/*", "\x00", "names:", "codes:", "<%",
    "lambert", "eaton", "G70.80", "358.30", "ORPHA:43393", "é", "ß", "İ", "²", "٣", "\u200b", "\ufeff",
]  # fmt: skip
queries = st.one_of(
    st.text(max_size=60),
    st.lists(st.one_of(st.sampled_from(SYNTAX), st.text(max_size=6)), max_size=12).map("".join),
)
DB_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def indexed(make_condition, add_code):
    lems = make_condition(name="Lambert-Eaton myasthenic syndrome", slug="lems", acronym="LEMS")
    add_code(lems, "icd-10-cm", "G70.80")
    make_condition(name="Marfan syndrome", slug="marfan-syndrome")
    return lems


@DB_SETTINGS
@given(text=queries)
@example(text='lambert" OR "marfan')
@example(text="lambert\x00")
@example(text="NEAR(lambert marfan)")
def test_any_query_is_answered_without_error(indexed, text):
    hits = search.search(text)
    assert all(isinstance(hit.condition_id, int) for hit in hits)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=queries)
@example(text="lambert\x00")
def test_the_search_pages_answer_any_query(client, indexed, text):
    for url in ("/search/", "/search/suggest/"):
        assert client.get(url, {"q": text}).status_code == 200


@given(text=queries)
def test_the_fts5_query_is_only_quoted_words(text):
    words = search.tokens(text)
    query = search._fts5_query(words)
    assert re.fullmatch(r'\{codes terms\} : \(("[^"\s]+"\*?)?( "[^"\s]+"\*?)*\)', query)
    assert all(re.fullmatch(r"\w+", word) for word in words)


@DB_SETTINGS
@given(operator=st.sampled_from(['" OR "', " OR ", "|", " NOT ", "*", ") OR (", "NEAR/9 "]))
def test_query_syntax_cannot_widen_a_search(indexed, operator):
    """Every word must match: 'lambert OR marfan' is three words, not a union of two searches."""
    found = {hit.condition_id for hit in search.search(f"lambert{operator}marfan")}
    assert len(found) <= 1


@DB_SETTINGS
@given(noise=st.sampled_from(['"', "*", "^", "(", ")", ":", "-", "+", "&", "!", "'"]))
def test_punctuation_around_a_name_still_finds_it(indexed, noise):
    hits = search.search(f"{noise}lambert{noise} eaton{noise}")
    assert [hit.condition_id for hit in hits][:1] == [indexed.pk]


# --- the Markdown sanitiser -----------------------------------------------------------------

DANGEROUS = [
    "<script>alert(1)</script>", "<SCRIPT SRC=//x.test/a.js></SCRIPT>", "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>', "<a href='JaVaScRiPt:alert(1)'>x</a>",
    '<a href="jav&#x09;ascript:alert(1)">x</a>', '<a href="&#106;avascript:alert(1)">x</a>',
    "[x](javascript:alert(1))", "[x]( javascript:alert(1) )", "![x](javascript:alert(1))",
    "<svg onload=alert(1)>", "<iframe src=//x.test></iframe>", '<p style="background:url(x)">x</p>',
    "<style>p{}</style>", '<div onmouseover="x()">x</div>', "<object data=x></object>", "<base href=//x.test>",
    '<form action="javascript:x()"><button>x</button></form>', '<a href="data:text/html,<script>x</script>">x</a>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", "<!--<script>-->", "<scr<script>ipt>",
    "[x](vbscript:msgbox(1))", '<a href="  javascript:x()">x</a>', "`<script>`", "    <script>x</script>",
    "<details open ontoggle=alert(1)>", "<a href=\"http://x.test\" onclick=\"x()\">ok</a>",
]  # fmt: skip
MARKDOWN = ["# ", "## ", "**", "*", "_", "`", "```\n", "> ", "- ", "1. ", "[", "](", ")", "\n\n", "|a|b|\n|-|-|\n"]
fragments = st.lists(
    st.one_of(st.sampled_from(DANGEROUS), st.sampled_from(MARKDOWN), st.text(max_size=20)), max_size=12
).map("".join)


class Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


class Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text = ""

    def handle_data(self, data):
        self.text += f" {data} "


def _scheme(url):
    """The scheme a browser would see: it ignores control characters and whitespace in it."""
    cleaned = re.sub(r"[\x00-\x20\x7f]", "", url or "").lower()
    return cleaned.split(":", 1)[0] if re.match(r"^[a-z][a-z0-9+.-]*:", cleaned) else ""


@settings(max_examples=400, deadline=None)
@given(text=fragments)
def test_rendered_markdown_never_carries_script(text):
    html = render(text)
    assert "<script" not in html.lower()
    parser = Elements()
    parser.feed(html)
    for tag, attrs in parser.elements:
        assert tag in ALLOWED_TAGS, html
        assert not [name for name in attrs if name.startswith("on")], html
        assert set(attrs) <= {"href", "title", "rel", "scope"}, html
        if "href" in attrs:
            assert _scheme(attrs["href"]) in {"", "http", "https", "mailto"}, html


@settings(max_examples=200, deadline=None)
@given(text=fragments)
def test_rendered_markdown_is_already_clean(text):
    """What readers get is a fixed point of the allow-list: sanitising it again changes nothing, so
    no markup survived that the sanitiser would have removed or rewritten."""
    html = render(text)
    again = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "th": {"scope"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
    )
    assert again == html


@given(words=st.lists(st.from_regex(r"[A-Za-z0-9]{1,12}", fullmatch=True), min_size=1, max_size=20))
def test_plain_words_reach_the_reader_unchanged(words):
    """Text with no markup loses, adds or reorders no word, whatever the Markdown parser."""
    text = " ".join(words)
    parser = Text()
    parser.feed(render(text))
    assert parser.text.split() == words


# --- codes read from URLs and queries (what test_codes.py does not cover) -------------------


@given(system=st.sampled_from([code_format.ICD10CM, code_format.ICD9CM]), text=queries)
@example(system=code_format.ICD10CM, text="²")
def test_a_code_in_a_url_is_canonical_or_none(system, text):
    canonical = code_format.canonical_code(system, text)
    assert canonical is None or code_format.canonical_code(system, canonical) == canonical


@given(text=queries)
def test_a_code_shaped_query_means_only_canonical_codes(text):
    for system, code in code_format.candidates(text):
        assert code_format.normalise(system, code) == code
