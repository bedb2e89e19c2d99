"""How names are compared and shown: pure rules, no Django, shared by the open-data build script
and the importer."""

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z]+")
# Words that do not tell two conditions apart when judging whether two names agree.
_FILLER = {"of", "the", "and", "with", "to", "in", "due", "type", "syndrome", "disease", "disorder", "form"}


def key(name: str) -> str:
    """A name reduced for exact matching: lower case without accents, punctuation and hyphens as
    single spaces. "Gerstmann-Sträussler" and "gerstmann straussler" give the same key."""
    folded = unicodedata.normalize("NFKD", (name or "").lower()).encode("ascii", "ignore").decode()
    return _NON_WORD.sub(" ", folded).strip()


def title_keys(title: str) -> set[str]:
    """The keys an official title answers to: as written, and without the alternative name ICD
    puts in brackets ("Leprosy [Hansen's disease]" also answers to "leprosy")."""
    return {key(title), key(re.sub(r"\[[^\]]*\]", " ", title))}


def words(name: str) -> set[str]:
    return {w for w in key(name).split() if w not in _FILLER}


def agree(names_a, names_b, *, threshold: float = 0.5) -> bool:
    """True when some name of one list shares at least `threshold` of its distinctive words with
    some name of the other (word overlap over the shorter name). Used to reject a cross-reference
    that points at a differently named condition."""
    for a in names_a:
        wa = words(a)
        for b in names_b:
            wb = words(b)
            if wa and wb and len(wa & wb) / min(len(wa), len(wb)) >= threshold:
                return True
    return False


def is_acronym(word: str) -> bool:
    """EMG, IgA, HbA1c: two or more capitals, or capitals mixed with digits."""
    capitals = sum(c.isupper() for c in word)
    return capitals >= 2 or (capitals == 1 and any(c.isdigit() for c in word))


def lower_first(text: str) -> str:
    """Lower-cases the first letter for use inside a sentence, unless the first word is an acronym."""
    if not text:
        return text
    first = text.split(" ", 1)[0]
    return text if is_acronym(first) else text[0].lower() + text[1:]


INDEX_ORDER_LENGTH = 600


def index_order(name: str) -> str:
    """The A–Z index's order as a string that every database sorts the same way, so it can sort
    and paginate in SQL: case- and accent-insensitive, names starting with a letter first, and the
    numbers inside names by value ("Type 2" before "Type 10"). A number is written as its length
    then its digits, after a \\x01 that sorts before any character of a name; the whole is written
    in hexadecimal, whose digits and letters a-f every collation orders as bytes (PostgreSQL's
    en_US collation would otherwise ignore spaces and punctuation)."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    numbered = re.sub(r"\d+", lambda m: _number(m.group()), folded)
    group = "0" if folded[:1].isalpha() else "1"
    return (group + numbered).encode().hex()[:INDEX_ORDER_LENGTH]


def index_range(letter):
    """The stored index_order values of the names under a letter of the A–Z ("A" to "Z", or
    "0-9"), as (lowest, above): a range, which the index (status, index_order, name) serves on
    both databases, where a LIKE prefix is not indexed under PostgreSQL's collation. A letter
    takes its accented forms too: "Émery syndrome" is under E."""
    start = "1\x01" if letter == "0-9" else "0" + letter.lower()  # a number starts with \x01
    lowest = start.encode().hex()
    return lowest, lowest + "g"  # "g" sorts after every hexadecimal digit


def _number(digits):
    value = digits.lstrip("0") or "0"
    return f"\x01{len(value):02d}{value}"
