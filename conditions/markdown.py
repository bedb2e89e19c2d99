"""The one Markdown renderer: the admin's live preview and every page use it, so what an editor
previews is exactly what a reader gets. Output goes through an allow-list sanitiser (nh3).

markdown-it-py follows CommonMark and runs in linear time on any input; Python-Markdown, used
before, took 10 s on 10,000 "[" (a request anyone could send). Raw HTML is off, so tags people
type come out as text; nh3 still checks everything the parser writes."""

import re

import nh3
from markdown_it import MarkdownIt

# The longest Markdown the site accepts in one field or preview; stories have a lower limit.
MAX_LENGTH = 50_000
TOO_LONG = f"This text is too long: at most {MAX_LENGTH:,} characters."


def normalise_newlines(text):
    """Browsers send textarea lines with CRLF; stored text uses LF, so an untouched text compares
    equal to what is stored (and starts no new content version)."""
    return (text or "").replace("\r\n", "\n")


ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "a", "h2", "h3", "h4",
    "blockquote", "code", "pre", "table", "thead", "tbody", "tr", "th", "td", "sup", "sub", "hr",
}  # fmt: skip

# A link is kept when its scheme is allowed, or when it has none: a colon before the first "/",
# "?" or "#" would be a scheme (RFC 3986, 4.2). Anything else stays as the text it was typed as,
# so no "javascript:" variant, however encoded, becomes a link.
_SAFE_LINK = re.compile(r"(?:https?:|mailto:|[^:/?#]*(?:[/?#]|$))", re.IGNORECASE)


def _link_is_safe(url: str) -> bool:
    return _SAFE_LINK.match(url.strip()) is not None


_commonmark = MarkdownIt("commonmark", {"html": False}).enable("table")
_commonmark.validateLink = _link_is_safe


def render(text: str) -> str:
    """Markdown to HTML that is safe to show any reader. Callers cap the length first."""
    return nh3.clean(
        _commonmark.render(text or "").rstrip("\n"),
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "th": {"scope"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
    )
