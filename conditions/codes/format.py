"""The code systems a condition can carry and how a code in each is written: pure rules.

This module imports nothing of Django and nothing of the project, so every other module can use
it. ICD-10-CM and ICD-9-CM codes must also exist in the loaded official release (lookup.py);
ORPHA, OMIM and ICD-11 codes are checked for their form only."""

import re

ICD10CM = "icd-10-cm"
ICD9CM = "icd-9-cm"
ORPHA = "orpha"
OMIM = "omim"
ICD11 = "icd-11"

OFFICIAL_CHOICES = [(ICD10CM, "ICD-10-CM"), (ICD9CM, "ICD-9-CM")]
CHOICES = [*OFFICIAL_CHOICES, (ORPHA, "ORPHA"), (OMIM, "OMIM"), (ICD11, "ICD-11")]
OFFICIAL = {ICD10CM, ICD9CM}
LABELS = dict(CHOICES)
OTHER = {ICD10CM: ICD9CM, ICD9CM: ICD10CM}

# A letter, then a digit and a digit or letter (G70, O9A), or since 2026 a letter and a digit (QA0).
_ICD10CM = re.compile(r"^[A-Z](?:[0-9][0-9A-Z]|[A-Z][0-9])(\.[0-9A-Z]{1,4})?$")
_ICD9CM = re.compile(r"^([0-9]{3}|V[0-9]{2})(\.[0-9]{1,2})?$|^E[0-9]{3}(\.[0-9])?$")
# ICD-11 stem codes: a chapter character, a letter, a digit, a fourth character, then up to two
# more after a dot; I and O are never used (WHO ICD-11 Reference Guide, "code structure").
_ICD11 = re.compile(r"^[1-9A-HJ-NP-Z][A-HJ-NP-Z][0-9][0-9A-HJ-NP-Z](\.[0-9A-HJ-NP-Z]{1,2})?$")
_FORMS = {
    ORPHA: (re.compile(r"^[1-9][0-9]{0,6}$"), "an ORPHAcode is a number, such as 43393"),
    OMIM: (re.compile(r"^[0-9]{6}$"), "an OMIM number has six digits, such as 254200"),
    ICD11: (_ICD11, "an ICD-11 code has four characters, then optionally a dot and one or two more, such as 1A00"),
}
# How a reader may name a system in a URL or a search: ICD-10-CM, icd10cm, ICD10 ...
_SYSTEM_ALIASES = {"icd10cm": ICD10CM, "icd10": ICD10CM, "icd9cm": ICD9CM, "icd9": ICD9CM}
_QUERY_SYSTEM = re.compile(r"^\s*(icd[\s-]*10(?:[\s-]*cm)?|icd[\s-]*9(?:[\s-]*cm)?)\s*:?\s*", re.I)
_CODE_SHAPED = re.compile(r"^[A-Z](?:[0-9][0-9A-Z]?|[A-Z][0-9])[0-9A-Z]{0,4}$|^[0-9]{3,5}$|^E[0-9]{3,4}$")
# An ICD-10-CM block is a range of categories: G70-G73.
_BLOCK = re.compile(r"^[A-Z][0-9A-Z]{2}-[A-Z][0-9A-Z]{2}$")
# A range of ICD-10-CM codes as the notes write it: C00-D49, N14.0-N14.2.
_CODE = r"[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?"
_RANGE = re.compile(rf"^{_CODE}-{_CODE}$")
# A code or range named in a note's text: "(G73.1)", "(K29.-)", "(Y92.4-)", "(D56-D76)". A trailing
# dash means "and every code under it", which a prefix match gives anyway.
_REFERENCE = re.compile(rf"(?<![A-Za-z0-9.])({_CODE})(?:-({_CODE}))?(?![0-9A-Za-z])")

# How a condition's code relates to it. Its own codes name the condition; the instructions name
# another condition that the ICD-10-CM conventions code together with it (Official Guidelines for
# Coding and Reporting, section I.A.13 "Etiology/manifestation convention" and I.B.7 "Multiple
# coding for a single condition").
PRIMARY, ALTERNATIVE = "primary", "alternative"
CODE_FIRST, USE_ADDITIONAL, CODE_ALSO = "code_first", "use_additional", "code_also"
OWN_ROLES = (PRIMARY, ALTERNATIVE)
INSTRUCTION_ROLES = (CODE_FIRST, USE_ADDITIONAL, CODE_ALSO)
ROLE_MEANINGS = {
    PRIMARY: "The code for this condition.",
    ALTERNATIVE: (
        "Another code for this condition, used instead of the primary code for the form or setting its title names."
    ),
    CODE_FIRST: "Another condition, sequenced first: its code is listed before this condition's code.",
    USE_ADDITIONAL: "Another code, listed after this condition's code, to add what that code does not say.",
    CODE_ALSO: "Another condition coded as well; the official note gives no order: it depends on the encounter.",
}
# The same instructions as a patient reads them on a condition page: they name another condition,
# which a reader must not take for a diagnosis of their own.
PLAIN_INSTRUCTIONS = {
    CODE_FIRST: "Only when a doctor has also found this other condition: its code is listed first.",
    USE_ADDITIONAL: "An extra code, listed after this condition's code, when the record says more.",
    CODE_ALSO: "Only when a doctor has also found this other condition: both codes are recorded.",
}


def label(system: str) -> str:
    return LABELS.get(system, system)


def compact(raw: str) -> str:
    """Upper case with no spaces or dots: what a reader may type for any code."""
    return re.sub(r"[\s.]", "", raw or "").upper()


def dotted(system: str, value: str) -> str:
    """A compact ICD-10-CM or ICD-9-CM code with its dot put back (G7081 → G70.81, 35830 → 358.30);
    an ICD-9-CM E code has four characters before the dot (E8889 → E888.9), every other code three."""
    split = 4 if system == ICD9CM and value.startswith("E") else 3
    return value[:split] + ("." + value[split:] if len(value) > split else "")


def is_block(value: str) -> bool:
    """True when an upper-case value is shaped like an ICD-10-CM block, G70-G73."""
    return bool(_BLOCK.match(value))


def is_range(value: str) -> bool:
    """True when an upper-case value is shaped like a range of ICD-10-CM codes: C00-D49, N14.0-N14.2."""
    return bool(_RANGE.match(value))


def normalise_range(raw: str) -> str:
    """The canonical form of an ICD-10-CM range (c00 - d49 → C00-D49); ValueError when it is not one,
    or when it runs backwards."""
    start, _, end = (raw or "").strip().upper().replace(" ", "").partition("-")
    try:
        value = f"{normalise(ICD10CM, start)}-{normalise(ICD10CM, end)}"
    except ValueError:
        value = ""
    if not _RANGE.match(value) or compact(end) < compact(start):
        raise ValueError(f"“{(raw or '').strip()}” is not a range of ICD-10-CM codes, such as C00-D49.")
    return value


def references(text: str) -> list[str]:
    """The codes and ranges a note names, in order: "underlying neoplasm (C00-D49)" → ["C00-D49"]."""
    return [f"{m.group(1)}-{m.group(2)}" if m.group(2) else m.group(1) for m in _REFERENCE.finditer(text or "")]


def covers(reference: str, value: str) -> bool:
    """True when a code or range named in a note (G73.1, K29, C00-D49) takes in `value`, itself a
    code or a range: a code takes in the codes under it, a range every code from its start to its end
    (compared by their characters, as the tabular list orders categories)."""
    start, _, end = reference.partition("-")
    first, _, last = value.partition("-")
    last = last or first
    start, end, first, last = compact(start), compact(end or start), compact(first), compact(last)
    return first[: len(start)] >= start and last[: len(end)] <= end


def normalise(system: str, raw: str) -> str:
    """The canonical form of a code in a system; ValueError says what is wrong with the form."""
    raw = raw or ""
    value = compact(raw)
    if system == ICD10CM:
        code = dotted(system, value)
        if not _ICD10CM.match(code):
            raise ValueError(
                f"“{raw.strip()}” is not an ICD-10-CM code: it starts with a letter and two characters, such as G70.81."
            )
        return code
    if system == ICD9CM:
        code = dotted(system, value)
        if not _ICD9CM.match(code):
            raise ValueError(f"“{raw.strip()}” is not an ICD-9-CM diagnosis code, such as 358.30.")
        return code
    if system in _FORMS:
        value = re.sub(r"^(ORPHA|OMIM)\s*:?\s*", "", raw.strip().upper())
        value = value.lstrip("#%*+^")  # OMIM marks an entry's type with a prefix: #254200
        if system == ORPHA:
            value = value.lstrip("0") or "0"
        pattern, example = _FORMS[system]
        if not pattern.match(value):
            raise ValueError(f"“{raw.strip()}” is not a valid {label(system)} code: {example}.")
        return value
    raise ValueError(f"Unknown code system {system!r}.")


def system_from_url(raw: str) -> str | None:
    """The official system a URL segment names, loosely: ICD-10-CM, icd10cm and icd-10-cm all work."""
    return _SYSTEM_ALIASES.get(re.sub(r"[^a-z0-9]", "", (raw or "").lower()))


def canonical_code(system: str, raw: str) -> str | None:
    """The stored form of any ICD-10-CM or ICD-9-CM entry a URL names: codes, blocks (g70-g73) and
    chapters (06); None when it cannot be one. Says nothing about whether it exists."""
    value = (raw or "").strip().upper()
    if system == ICD10CM and value.isascii() and value.isdigit():  # not "²": int() refuses it
        return str(int(value))  # a chapter
    if system == ICD10CM and is_block(value):
        return value
    try:
        return normalise(system, value)
    except ValueError:
        return None


def looks_like_code(query: str) -> bool:
    """True when a search query is shaped like an ICD-10-CM or ICD-9-CM code."""
    return bool(_CODE_SHAPED.match(compact(_QUERY_SYSTEM.sub("", query or ""))))


def candidates(query: str) -> list[tuple[str, str]]:
    """Every (system, canonical code) a code-shaped query could mean. "ICD-9 358.30" or
    "icd10: g7081" name their system; a bare code may be in either."""
    query = query or ""
    named = _QUERY_SYSTEM.match(query)
    systems = (ICD10CM, ICD9CM)
    if named:
        systems = (system_from_url(named.group(1)),)
        query = query[named.end() :]
    if not looks_like_code(query):
        return []
    found = []
    for system in systems:
        try:
            found.append((system, normalise(system, query)))
        except ValueError:
            pass
    return found


def title_words(text: str) -> list[str]:
    """The words of a condition name worth matching against official titles."""
    words = re.findall(r"[a-z]{4,}", (text or "").lower())
    return [w for w in dict.fromkeys(words) if w not in _STOP_WORDS][:6]


_STOP_WORDS = {"with", "without", "other", "unspecified", "disease", "diseases", "syndrome", "type", "form", "from"}


def _and(items):
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def fit_notes(codes) -> list[str]:
    """How well a condition's codes fit it, in plain words for its page: one sentence per broader
    code, and one per system for the narrower ones. Exact codes and the instructions (code first,
    use additional code, code also: other conditions coded alongside) need none. `codes` are
    ConditionCodes, in display order."""
    notes, narrower = [], {}
    for code in codes:
        if code.role not in OWN_ROLES or code.fit == "exact":
            continue
        system, titled = label(code.system), code.value + (f" ({code.title})" if code.title else "")
        if code.fit == "narrower":
            narrower.setdefault(system, []).append(titled)
        elif code.role == "primary":
            notes.append(
                f"There is no specific {system} code for this condition; it is coded as {titled}, "
                "a code that covers other conditions too."
            )
        else:
            notes.append(f"{system} {titled} covers other conditions too, not only this one.")
    for system, titled in narrower.items():
        each = "each cover" if len(titled) > 1 else "covers"
        notes.append(f"{system} {_and(titled)} {each} only one form of this condition.")
    return notes


def external_url(system: str, code: str) -> str:
    if system == ORPHA:
        return f"https://www.orpha.net/en/disease/detail/{code}"
    if system == OMIM:
        return f"https://omim.org/entry/{code}"
    return ""
