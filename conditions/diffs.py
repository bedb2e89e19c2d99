"""A reviewer's diff of a section: paragraphs aligned, changed words marked inside a paragraph that
was edited, and a paragraph that was rewritten shown whole as removed, then added (rather than
interleaving two texts word by word, which nobody can read)."""

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.utils.html import escape
from django.utils.safestring import mark_safe

# Below this share of words in common, a paragraph counts as rewritten, not edited.
EDITED = 0.5


@dataclass
class Row:
    kind: str  # "same", "changed", "removed" or "added"
    old: str  # HTML, escaped, with <del> around removed words
    new: str  # HTML, escaped, with <ins> around added words


def paragraphs(text, *, by_line=False):
    """The text's paragraphs (or lines, for a list typed one item a line), stripped, empty ones left out."""
    separator = r"\n" if by_line else r"\n\s*\n"
    return [p.strip() for p in re.split(separator, (text or "").replace("\r\n", "\n")) if p.strip()]


def _words(text):
    return re.findall(r"\w+|\s+|[^\w\s]", text)


def _similarity(a, b):
    return SequenceMatcher(None, _words(a), _words(b), autojunk=False).ratio()


def _word_diff(a, b):
    """(old HTML, new HTML) with the changed words wrapped in <del> and <ins>."""
    wa, wb = _words(a), _words(b)
    old, new = [], []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes():
        before, after = escape("".join(wa[i1:i2])), escape("".join(wb[j1:j2]))
        if tag == "equal":
            old.append(before)
            new.append(after)
            continue
        if before:
            old.append(f"<del>{before}</del>")
        if after:
            new.append(f"<ins>{after}</ins>")
    return mark_safe("".join(old)), mark_safe("".join(new))


def _whole(text, tag):
    return mark_safe(f"<{tag}>{escape(text)}</{tag}>")


def _replaced(old, new):
    """Pairs the paragraphs of a changed block in order: similar ones are edits, the rest are
    removed or added where they stand."""
    rows, i, j = [], 0, 0
    while i < len(old) or j < len(new):
        if i < len(old) and j < len(new) and _similarity(old[i], new[j]) >= EDITED:
            rows.append(Row("changed", *_word_diff(old[i], new[j])))
            i, j = i + 1, j + 1
        elif i < len(old) and (j >= len(new) or not any(_similarity(old[i], b) >= EDITED for b in new[j + 1 :])):
            rows.append(Row("removed", _whole(old[i], "del"), ""))
            i += 1
        else:
            rows.append(Row("added", "", _whole(new[j], "ins")))
            j += 1
    return rows


# Fields typed one item a line (conditions/organisations.py): each line is compared as a paragraph.
BY_LINE = {"patient_organisations"}


def section_diff(old_text, new_text, *, field=""):
    """Rows of a side-by-side diff of two Markdown texts, one row per aligned paragraph (per line
    for the fields in BY_LINE)."""
    old, new = paragraphs(old_text, by_line=field in BY_LINE), paragraphs(new_text, by_line=field in BY_LINE)
    rows = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            rows += [Row("same", escape(p), escape(p)) for p in old[i1:i2]]
        else:
            rows += _replaced(old[i1:i2], new[j1:j2])
    return rows
