"""Reads for the official code sets: code pages, browsing, code search and the sitemap.

Each function makes a fixed number of queries, named in its docstring, whatever the size of the
code sets or the number of conditions."""

import re
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from ..models import Code, CodeMapping, ConditionCode, Status
from . import format as code_format
from . import notes as code_notes

# ICD-10-CM is at most nine levels deep (chapter, up to two ranges, block, category, then up to four
# characters: 20 > V00-X58 > V00-V99 > V00-V09 > V00 > V00.0 > V00.01 > V00.01X > V00.01XA), so
# eight hops of parent reach the chapter from any code in one query.
ANCESTRY = "__".join(["parent"] * 8)
USES_LIMIT = 50


def code_for_page(system, code):
    """The code with all its ancestors loaded (one query), or None."""
    return Code.objects.select_related(ANCESTRY).filter(system=system, code=code).first()


def ancestors(code):
    """Chapter first, parent last; no query after code_for_page()."""
    chain, parent = [], code.parent
    while parent is not None:
        chain.insert(0, parent)
        parent = parent.parent
    return chain


def heading(code):
    """How a page names a code: "ICD-10-CM G70.81", "ICD-10-CM chapter 6"."""
    if code.kind == Code.Kind.CHAPTER:
        return f"{code.system_label} chapter {code.code}"
    if code.kind == Code.Kind.BLOCK:  # the official title already ends with the range, "(G70-G73)"
        return code.system_label
    return f"{code.system_label} {code.code}"


def short_label(code):
    return f"Chapter {code.code}" if code.kind == Code.Kind.CHAPTER else code.code


def children(code):
    """The codes one level down, in code order (one query)."""
    return list(code.children.order_by("code"))


def icd9_neighbours(code):
    """The other ICD-9-CM codes of the same three-character category (one query). The CMS release
    lists billable codes only, with no categories, so this is the nearest thing to a hierarchy."""
    category = code.code.split(".")[0]
    return list(Code.objects.filter(system=code.system, code__startswith=f"{category}.").exclude(pk=code.pk))


@dataclass
class CrosswalkRow:
    code: Code
    forward: bool = False  # in the GEMs file from this code's system
    backward: bool = False  # in the GEMs file from the other system
    approximate: bool = False
    combination: bool = False
    billable_under: list = field(default_factory=list)  # when the linked code is not billable in the release


def crosswalk(code):
    """The other system's codes that the GEMs link to this code, in either direction; a linked code
    the loaded release has made a group (359.1 → G71.0, a subcategory since 2026) comes with the
    billable codes under it. One query, two when such a code is linked."""
    rows = {}
    mappings = CodeMapping.objects.filter(Q(source=code) | Q(target=code)).select_related("source", "target")
    for mapping in mappings:
        forward = mapping.source_id == code.pk
        other = mapping.target if forward else mapping.source
        row = rows.setdefault(other.pk, CrosswalkRow(other))
        row.forward |= forward
        row.backward |= not forward
        row.approximate |= mapping.is_approximate
        row.combination |= mapping.is_combination
    groups = [row for row in rows.values() if not row.code.is_billable]
    if groups:
        under = Q()
        for row in groups:
            under |= Q(system=row.code.system, code__startswith=row.code.code)
        for billable in Code.objects.filter(under, is_billable=True).only("system", "code", "title").order_by("code"):
            for row in groups:
                if billable.code.startswith(row.code.code):
                    row.billable_under.append(billable)
    return sorted(rows.values(), key=lambda row: row.code.code)


@dataclass
class Use:
    condition: object
    direct: bool = False
    how: list[str] = field(default_factory=list)


_ROLE_WORDS = {
    code_format.PRIMARY: "primary code",
    code_format.ALTERNATIVE: "alternative code",
    code_format.CODE_FIRST: "coded together with it: code first",
    code_format.USE_ADDITIONAL: "coded together with it: use additional code",
    code_format.CODE_ALSO: "coded together with it: code also",
}


def uses(code, crosswalk_rows=()):
    """Published conditions coded with this code, with a code under it, or with a code the GEMs link
    to it; at most USES_LIMIT, direct uses first (one query)."""
    linked = {row.code.pk for row in crosswalk_rows}
    matches = Q(code=code) | Q(code_id__in=linked)
    if code.kind in (Code.Kind.CATEGORY, Code.Kind.SUBCATEGORY):
        matches |= Q(system=code.system, value__startswith=code.code)
    rows = (
        ConditionCode.objects.filter(matches, condition__status=Status.PUBLISHED)
        .select_related("condition")
        .only("system", "value", "role", "code_id", "condition", "condition__name", "condition__slug")
        .order_by("condition__name", "system", "value")[: USES_LIMIT * 4]
    )
    found = {}
    for row in rows:
        use = found.setdefault(row.condition_id, Use(row.condition))
        role = _ROLE_WORDS.get(row.role, row.role)
        if row.code_id == code.pk:
            use.direct = True
            use.how.insert(0, role)
        elif row.code_id in linked:
            use.how.append(f"coded {code_format.label(row.system)} {row.value} ({role}), which the GEMs link here")
        else:
            use.how.append(f"coded {row.value} ({role}), a code under {code.code}")
    for use in found.values():
        if use.direct:  # its own code says it all; the indirect links would repeat it
            del use.how[1:]
    return sorted(found.values(), key=lambda use: not use.direct)[:USES_LIMIT]


# --- notes ---------------------------------------------------------------------------------


def notes(code, chain):
    """The code's own notes and those of its ancestors that apply to it (nearest first), with every
    ICD-10-CM code they name linked to its page when it exists (one query, none without notes)."""
    own, inherited = code_notes.note_groups(code, chain)
    texts = [item for group in own for item in group.items]
    texts += [item for _, groups in inherited for group in groups for item in group.items]
    tokens = {m.group(1) for text in texts for m in code_notes.ICD10_TOKEN.finditer(text)}
    known = set()
    if tokens and code.system == code_format.ICD10CM:
        known = set(Code.objects.filter(system=code.system, code__in=tokens).values_list("code", flat=True))
    for group in [*own, *(g for _, groups in inherited for g in groups)]:
        group.items = [_linked(item, code.system, known) for item in group.items]
    return own, inherited


def _linked(text, system, known):
    """The note text, escaped, with the codes in `known` made links."""
    parts, last = [], 0
    for match in code_notes.ICD10_TOKEN.finditer(text):
        if match.group(1) in known:
            parts.append(conditional_escape(text[last : match.start()]))
            url = Code(system=system, code=match.group(1)).get_absolute_url()
            parts.append(format_html('<a href="{}">{}</a>', url, match.group(1)))
            last = match.end()
    parts.append(conditional_escape(text[last:]))
    return mark_safe("".join(parts))  # every part is escaped above


# --- browsing ------------------------------------------------------------------------------


def chapters():
    """The 22 ICD-10-CM chapters in order (one query)."""
    found = Code.objects.filter(system=code_format.ICD10CM, kind=Code.Kind.CHAPTER).only("system", "code", "title")
    return sorted(found, key=lambda c: int(c.code))


ICD9_RANGE = re.compile(r"^([0-9]{2}|V[0-9]|E[0-9])$")


@dataclass
class CodeRange:
    """ICD-9-CM codes by their first two characters: a range of numbers, not an official block."""

    prefix: str
    count: int

    @property
    def label(self):
        width = 2 if self.prefix[0] == "E" else 1  # E codes have four characters before the dot
        return f"{self.prefix}{'0' * width}–{self.prefix}{'9' * width}"


def icd9_ranges():
    """How many ICD-9-CM codes start with each two characters, numbers first, then V and E codes
    (one query)."""
    rows = (
        Code.objects.filter(system=code_format.ICD9CM)
        .annotate(prefix=Substr("code", 1, 2))
        .values("prefix")
        .annotate(count=Count("id"))
        .order_by("prefix")
    )
    ranges = [CodeRange(row["prefix"], row["count"]) for row in rows]
    return sorted(ranges, key=lambda r: ("0123456789VE".index(r.prefix[0]), r.prefix))


def icd9_range(prefix):
    """The ICD-9-CM codes whose first two characters are `prefix`, in code order (one query)."""
    return list(Code.objects.filter(system=code_format.ICD9CM, code__startswith=prefix).order_by("code"))


# --- search and the sitemap ----------------------------------------------------------------

SEARCH_LIMIT = 10


def codes_for_query(query):
    """The official codes a code-shaped query names ("G70.81", "g7081", "358.30", "ICD-9 3583"):
    exact matches in either system, or else the codes that start with it. Empty for other queries.
    One or two queries; none when the query is not shaped like a code."""
    wanted = code_format.candidates(query)
    exact = Q()
    block = (query or "").strip().upper().replace(" ", "")
    if code_format.is_range(block):  # a block (G70-G73), or a range a chapter spans (C00-D49)
        exact |= Q(system=code_format.ICD10CM, code=block)
        exact |= Q(system=code_format.ICD10CM, kind=Code.Kind.CHAPTER, title__endswith=f"({block})")
        wanted.append((code_format.ICD10CM, block))
    if not wanted:
        return []
    order = {code_format.ICD10CM: 0, code_format.ICD9CM: 1}
    for system, code in wanted:
        exact |= Q(system=system, code=code)
    found = list(Code.objects.filter(exact))
    if not found:
        starts = Q()
        for system, code in wanted:
            starts |= Q(system=system, code__startswith=code)
        found = list(Code.objects.filter(starts).order_by("system", "code")[:SEARCH_LIMIT])
    return sorted(found, key=lambda c: (order[c.system], c.code))


@dataclass
class Carrier:
    condition_id: int
    value: str  # the condition's own code
    matched: Code  # the code searched for: the same code, or one the GEMs link to it
    through_crosswalk: bool


def linked(codes):
    """{code id: the searched code it is, or is linked to by the GEMs in either direction}: one query,
    none without codes. Search reads it once for carriers() and coded_with()."""
    by_id = {c.pk: c for c in codes}
    if not by_id:
        return {}
    other = {}  # the other system's code id → the searched code it is linked to
    pairs = CodeMapping.objects.filter(Q(source_id__in=by_id) | Q(target_id__in=by_id)).values_list(
        "source_id", "target_id"
    )
    for source_id, target_id in pairs:
        if source_id in by_id:
            other.setdefault(target_id, by_id[source_id])
        else:
            other.setdefault(source_id, by_id[target_id])
    return other | by_id


def carriers(codes, matched):
    """Published conditions whose own codes (primary, alternative) are these codes, or codes the GEMs
    link to them in either direction (`matched`: linked(codes)), direct ones first (one query; none
    without codes). For search, which ranks them. A code-first or code-also entry names another
    condition: coded_with()."""
    by_id = {c.pk: c for c in codes}
    if not by_id:
        return []
    rows = (
        ConditionCode.objects.filter(
            code_id__in=matched, role__in=code_format.OWN_ROLES, condition__status=Status.PUBLISHED
        )
        .order_by("condition_id", "system", "value")
        .values_list("condition_id", "value", "code_id")
    )
    found = [Carrier(cid, value, matched[code_id], code_id not in by_id) for cid, value, code_id in rows]
    return sorted(found, key=lambda carrier: carrier.through_crosswalk)


@dataclass
class CodedWith:
    condition: object
    entry: ConditionCode  # the code-first, use-additional-code or code-also entry
    searched: Code  # the code searched for
    held: Code | None = None  # the code a range entry holds: the searched one or one the GEMs link to it


# What search prints of each coded_with() entry (search.html), and the page's status.
CODED_WITH_FIELDS = ["system", "value", "role", "code", "condition", "code__title"] + [
    f"condition__{name}" for name in ("name", "slug", "acronym", "status")
]


def coded_with(codes, matched):
    """Published conditions with a code-first, use-additional-code or code-also entry naming these
    codes (or codes the GEMs link to them: `matched`, linked(codes)), or a range holding one: "coded
    together with …", never a match of the condition itself. Two queries (none without codes)."""
    by_id = {c.pk: c for c in codes}
    if not by_id:
        return []
    # The ICD-10-CM codes searched for or linked to them, which a range entry (C00-D49) may hold.
    icd10 = list(Code.objects.filter(pk__in=matched, system=code_format.ICD10CM).only("system", "code", "kind"))
    # The status is checked here, not in SQL: asked for it there, SQLite read every published page
    # by the status index and each page's codes (3.3 ms at 4,300 pages) instead of the few
    # instruction entries by the role index.
    rows = (
        ConditionCode.objects.filter(role__in=code_format.INSTRUCTION_ROLES)
        .filter(Q(code_id__in=matched) | Q(system=code_format.ICD10CM, value__contains="-"))
        .select_related("condition", "code")
        .only(*CODED_WITH_FIELDS)
        .order_by("condition__name", "value")
    )
    found = []
    for row in rows:
        if row.condition.status != Status.PUBLISHED:
            continue
        if row.code_id in matched:
            found.append(CodedWith(row.condition, row, matched[row.code_id]))
            continue
        groups = (Code.Kind.CHAPTER, Code.Kind.BLOCK)
        inside = [c for c in icd10 if c.kind not in groups and code_format.covers(row.value, c.code)]
        if inside:
            found.append(CodedWith(row.condition, row, matched[inside[0].pk], inside[0]))
    return found


def codes_in_use():
    """The official codes that published conditions carry, for the sitemap (one query)."""
    return (
        Code.objects.filter(uses__condition__status=Status.PUBLISHED)
        .distinct()
        .only("system", "code")
        .order_by("system", "code")
    )
