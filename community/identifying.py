"""What looks like an identifying detail in a story: phone numbers, e-mail addresses, street
addresses, full dates (of birth, most often) and web links. The author is shown them before
sending, and the moderator sees the same flags; people decide, nothing is removed unasked.

Every pattern is a plain regular expression without nested repetition, so the time it takes grows
with the text's length only (stories are at most forms.STORY_BODY_MAX characters)."""

import re
from dataclasses import dataclass

MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
STREET_WORDS = (
    r"(?:street|st|road|rd|avenue|ave|lane|ln|drive|dr|boulevard|blvd|court|ct|close|way|place|pl|"
    r"terrace|crescent|square|sq|highway|hwy|rue|strasse|straße)"
)

PATTERNS = [
    ("e-mail address", re.compile(r"\b[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}\b")),
    ("web link", re.compile(r"\b(?:https?://|www\.)[^\s<>()\"']{2,200}", re.I)),
    (
        "full date",
        re.compile(
            r"\b(?:\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)\d{2}|(?:19|20)\d{2}-\d{1,2}-\d{1,2}|"
            rf"\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTHS}\.?,?\s+(?:19|20)\d{{2}}|"
            rf"{MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}})\b",
            re.I,
        ),
    ),
    (
        "phone number",
        re.compile(r"(?<![\w/.-])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]?\d{2,4}){2,4}(?![\w/-])"),
    ),
    (
        "street address",
        re.compile(rf"\b\d{{1,5}}[a-z]?,?\s+(?:[A-Z][\w'-]{{1,30}}\s+){{1,3}}{STREET_WORDS}\b\.?", re.I),
    ),
]


@dataclass(frozen=True)
class Flag:
    kind: str
    text: str
    start: int
    end: int

    def __str__(self):
        return f"{self.kind}: {self.text}"


def find(text):
    """The flags in `text`, in reading order; overlapping matches are reported once (the first
    pattern in PATTERNS wins, so an e-mail address is not also a web link)."""
    flags = []
    taken = []
    for kind, pattern in PATTERNS:
        for match in pattern.finditer(text or ""):
            start, end = match.span()
            value = match.group(0).rstrip(".,;:")
            if kind == "phone number" and sum(c.isdigit() for c in value) < 7:
                continue  # "2 3 4" is not a phone number
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            flags.append(Flag(kind, value, start, start + len(value)))
    return sorted(flags, key=lambda flag: flag.start)


def remove(text, flags, placeholder="[removed]"):
    """`text` with each flagged detail replaced by `placeholder`."""
    for flag in sorted(flags, key=lambda f: f.start, reverse=True):
        text = text[: flag.start] + placeholder + text[flag.end :]
    return text
