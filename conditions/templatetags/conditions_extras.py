import html
import json
import re

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ..codes import format as code_format

register = template.Library()

_JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def ld_json(data):
    """A schema.org JSON-LD script; escaped like json_script so no text can close the tag."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True).translate(_JSON_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))


@register.filter
def plain_text(stored_html):
    """Stored, sanitised HTML (Condition.rendered) as plain words for previews: no tags, no entities.

    The result is not marked safe, so autoescaping escapes it once."""
    return html_text(stored_html or "")


# A tag of sanitised HTML (conditions.markdown.render): "<", then quoted attribute values or other
# characters, then ">". Its text never holds a bare "<" and it has no comments, so this finds what
# Django's strip_tags finds, ten times faster (it parses with HTMLParser, twice): a search page
# shows fifty previews.
_TAG = re.compile(r"""<(?:"[^"]*"|'[^']*'|[^"'>])*>""")


@register.filter
def html_text(html_fragment):
    """Rendered, sanitised HTML as plain words. Entities are decoded too: the template escapes the
    words once more, and "&lt;" left in would reach the reader as "&amp;lt;"."""
    return html.unescape(_TAG.sub("", html_fragment)).strip()


@register.filter
def plain_instruction(role):
    """A code-first, use-additional or code-also role as a patient reads it (codes_panel.html)."""
    return code_format.PLAIN_INSTRUCTIONS.get(role, "")
