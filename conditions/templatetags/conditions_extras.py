import html
import json

from django import template
from django.utils.html import format_html, strip_tags
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


@register.filter
def html_text(html_fragment):
    """Rendered HTML as plain words. Entities are decoded too: the template escapes the words once
    more, and "&lt;" left in would reach the reader as "&amp;lt;"."""
    return html.unescape(strip_tags(html_fragment)).strip()


@register.filter
def plain_instruction(role):
    """A code-first, use-additional or code-also role as a patient reads it (codes_panel.html)."""
    return code_format.PLAIN_INSTRUCTIONS.get(role, "")
