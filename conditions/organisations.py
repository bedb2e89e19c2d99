"""A page's patient organisations as an editor types them: one a line, "Name | Country | https://…".

Plain text rather than rows of their own, so the list goes through the same draft, review, diff,
history and export as the medical sections, and an editor fills in a text box, not a table.
Condition.clean() refuses a line parse() reports; the reader page prints the lines it accepts."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from .validators import BIDI_CONTROLS

EXAMPLE = "Name | Country | https://…"
_https_url = URLValidator(schemes=["https"])


@dataclass(frozen=True)
class Organisation:
    name: str
    country: str
    url: str

    @property
    def site(self):
        """Where the link goes, in words a reader recognises: the address's host without "www."."""
        return urlsplit(self.url).hostname.removeprefix("www.")


def parse(text):
    """(organisations, problems) from the text: an Organisation for each good line, and for each
    bad one a message that names the line and says what to fix. Blank lines are skipped."""
    organisations, problems = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        problem = _problem(parts)
        if problem:
            shown = line.strip() if len(line.strip()) <= 60 else line.strip()[:57] + "…"
            problems.append(f"Line {number} (“{shown}”): {problem}")
        else:
            organisations.append(Organisation(*parts))
    return organisations, problems


def _problem(parts):
    if len(parts) != 3:
        return (
            f"write the name, the country and the web address, separated by two “|” signs: {EXAMPLE} "
            f"(this line has {len(parts)} part{'s' if len(parts) != 1 else ''})."
        )
    name, country, url = parts
    for label, value in [("name", name), ("country", country), ("web address", url)]:
        if not value:
            return f"the {label} is missing. Write {EXAMPLE}."
    if BIDI_CONTROLS.search(name + country):
        return "remove the invisible text-direction characters: they make text display differently from what it says."
    if url.lower().startswith("http://"):
        return "the web address must be a secure one, starting with https:// (not http://)."
    try:
        _https_url(url)
    except ValidationError:
        return "the web address must be a full address starting with https://, such as https://www.example.org/."
    return ""
