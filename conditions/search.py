"""Condition search: names, codes and signs, in a reader's own words, alike on both databases.

Two ways in, merged and ranked here the same way for both databases, each hit with the reason
it matched:

- Names and codes. Every published condition has a SearchEntry: its names (name, abbreviation,
  other names, one per line), its codes, and `terms`, the names and the page's own symptom text
  in normalised word forms (normalise(): a Snowball English stem, so "myasthenia" and
  "myasthenic", "weak" and "weakness" meet). SQLite searches it with FTS5, PostgreSQL with a GIN
  full-text index over the same normalised words, so both match the same rows.
- Signs. Each comma-separated part of a query is read as signs: the longest runs of words found
  together in one name of one sign (its HPO name, layperson and exact synonyms) are signs, and
  words left over must match the condition's names ("LEMS weakness"). Conditions are ranked by
  how many of the signs are recorded and how frequent they are. Sign names are held in memory
  (a few thousand terms), so a phrase always matches within one sign.

A query with few hits is tried again with each unknown word corrected to the closest word of the
names and sign names (typos)."""

import bisect
import difflib
import functools
import re
import time
import unicodedata
from dataclasses import dataclass, field

import snowballstemmer
from django.core.cache import cache
from django.db import connection, transaction

from .codes import format as code_format

MAX_RESULTS = 50
MAX_WORDS = 20
MAX_SIGNS_PER_PHRASE = 80  # the closest sign names first; bounds the rows a vague phrase reads
# A recorded sign below the one a reader names counts too ("muscle weakness" finds "proximal muscle
# weakness"), when the named sign is specific enough to mean something: information content
# (Symptom.specificity) of at least 1.2, i.e. recorded, itself or below, for at most 30% of the
# annotated diseases. Under it are headings such as "Abnormality of the musculature" (0.69).
GENERAL_SIGN_MIN_SPECIFICITY = 1.2
BELOW_CLOSENESS = 0.9  # a sign below the one named matches a little less closely than the sign itself
# Only a sign named nearly whole stands for the signs below it: "muscle weakness" (the whole name)
# does, "weakness" (half of it) and "disease" (half of "kidney disease") do not.
MIN_CLOSENESS_FOR_BELOW = 0.6
MAX_SIGNS_BELOW = 200  # per phrase, after the signs named: bounds the rows a general sign reads
# The page's own symptom text (written by people for this page) counts like the strongest recorded
# sign. Its lines in SearchEntry.terms start with this word, so the full-text index can find the
# few pages that have such text without reading every page whose name has the word.
TEXT_WEIGHT = 0.95
TEXT_MARK = "0symptomtext"
_TOKEN = re.compile(r"\w+", re.UNICODE)
_SEGMENTS = re.compile(r"[,;/\n]+|\band\b|\bplus\b", re.IGNORECASE)
_SENTENCES = re.compile(r"[\n.;:]+")
# Words that say nothing about a condition; never searched alone.
STOPWORDS = frozenset(
    "a an and are as at be been but by can for from had has have i in into is it its me my of on or our "
    "she he so than that the their them they this to very was we were which who with your you".split()
)
_stemmer = snowballstemmer.stemmer("english")

# HPO frequency ranks (catalogue.hpo.FREQUENCIES): how much a recorded sign counts.
FREQUENCY_WEIGHT = {0: 1.0, 1: 0.9, 2: 0.55, 3: 0.17, 4: 0.03, 5: 0.3}
UNKNOWN_WEIGHT = 0.3
FREQUENCY_WORDS = {
    0: "always present", 1: "very frequent", 2: "frequent", 3: "occasional", 4: "very rare",
    5: "frequency not recorded",
}  # fmt: skip


@dataclass
class Hit:
    condition_id: int
    tier: int  # lower is better
    score: float  # lower is better, within a tier
    reason: str
    signs: int = 0  # how many of the query's signs are recorded for the condition
    order: int = 0  # ties: reviewed and demo pages first, then the more specific signs, then by name


class Results(list):
    """Hits, best first, and what the query was read as (for the page's notes and suggestions)."""

    def __init__(self, hits=(), *, phrases=(), unmatched=(), corrected=""):
        super().__init__(hits)
        self.phrases = list(phrases)  # the signs recognised, as the reader typed them
        self.unmatched = list(unmatched)  # words that are neither a sign nor in any name
        self.corrected = corrected  # the query with typos corrected, when that found something


def tokens(text):
    return [t for t in _TOKEN.findall(_fold(text)) if t]


def _content(text):
    return [t for t in tokens(text) if t not in STOPWORDS]


def _fold(text):
    """Lower case without accents ("Sjögren" → "sjogren"), as FTS5's remove_diacritics does."""
    text = (text or "").lower()
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


_normal_forms = {}  # a plain dict: lru_cache keeps a list per entry, which the garbage collector scans


def normalise(word):
    """One word in the form the index holds, for index and query alike: the Snowball English stem,
    after dropping -ness and the -ia/-ic of long words, which Snowball keeps apart
    (myasthenia/myasthenic, tiredness/tired, dryness/dry)."""
    form = _normal_forms.get(word)
    if form is None:
        stem = word
        if len(stem) > 6 and stem.endswith("ness"):
            stem = stem[:-4]
        elif len(stem) > 6 and stem.endswith(("ia", "ic")):
            stem = stem[:-2]
        form = _stemmer.stemWord(stem)
        if len(_normal_forms) > 100_000:  # bounded: readers can type any word
            _normal_forms.clear()
        _normal_forms[word] = form
    return form


def normalised(text):
    return [normalise(t) for t in tokens(text)]


# --- keeping the index current -------------------------------------------------------------


def entry_text(condition, synonyms, codes, symptom_text=""):
    """The three columns of a condition's SearchEntry: names, codes, terms."""
    name_lines = [condition.name, condition.acronym or "", *synonyms]
    code_forms = []
    for system, value in codes:
        code_forms += [value, code_format.compact(value)]
        if system in (code_format.ORPHA, code_format.OMIM):
            code_forms.append(f"{code_format.label(system)}:{value}")
    text_lines = [line for line in _SENTENCES.split(symptom_text or "") if tokens(line)]
    terms = "\n".join(
        [" ".join(normalised(line)) for line in name_lines]
        + [" ".join([TEXT_MARK, *normalised(line)]) for line in text_lines]
    )
    return "\n".join(name_lines), " ".join(dict.fromkeys(code_forms)), terms


def refresh(condition_ids=None):
    """Rebuilds the SearchEntry of these conditions (all when None) from the database, in bulk."""
    from .models import Condition, ConditionCode, SearchEntry, Status, Synonym

    conditions = Condition.objects.only("name", "acronym", "status", "symptoms")
    if condition_ids is not None:
        conditions = conditions.filter(pk__in=list(condition_ids))
    conditions = list(conditions)
    ids = [c.pk for c in conditions]
    synonyms, codes = {}, {}
    for condition_id, name in Synonym.objects.filter(condition_id__in=ids).values_list("condition_id", "name"):
        synonyms.setdefault(condition_id, []).append(name)
    # Own codes only: a code-first or code-also entry names another condition (reads.coded_with).
    own = ConditionCode.objects.filter(condition_id__in=ids, role__in=code_format.OWN_ROLES)
    for condition_id, system, value in own.values_list("condition_id", "system", "value"):
        codes.setdefault(condition_id, []).append((system, value))
    SearchEntry.objects.filter(condition_id__in=ids).delete()
    SearchEntry.objects.bulk_create(
        [
            SearchEntry(
                condition_id=c.pk,
                **dict(
                    zip(
                        ["names", "codes", "terms"],
                        entry_text(c, synonyms.get(c.pk, []), codes.get(c.pk, []), c.symptoms),
                        strict=True,
                    )
                ),
            )
            for c in conditions
            if c.status == Status.PUBLISHED
        ],
        batch_size=1000,
    )
    # After the commit, or a reader could build the vocabularies from the old rows under the new number.
    transaction.on_commit(lambda: cache.set(VOCABULARY_VERSION_KEY, time.time_ns(), None), robust=True)


# SQLite's full-text indexes: condition names, codes and terms; official code titles (migrations).
FULL_TEXT_TABLES = ["conditions_search_fts", "conditions_code_fts"]


def merge_full_text_segments():
    """SQLite: merges each full-text index into one b-tree, after a bulk load. A load leaves many
    small segments (22 for the catalogue's names, 9 for the code titles), and every match reads each
    of them: a two-word match took 48 us, 9 after the merge. Later writes are merged as they come
    (FTS5's automerge). PostgreSQL's GIN indexes need no such step: they take new entries directly
    (fastupdate off), and their pending lists were found empty after the loads."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for table in FULL_TEXT_TABLES:
            cursor.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")


# --- reading a query -----------------------------------------------------------------------


@dataclass
class Phrase:
    text: str  # as the reader typed it
    stems: tuple = ()  # its words as normalise() gives them
    # symptom id → (sign name matched, closeness 0–1, the recorded sign's name when it lies below)
    signs: dict = field(default_factory=dict)


def read(query, lexicon=None):
    """The query's signs and its other words: (phrases, leftover words), each once ("dry mouth,
    dry mouth" is one sign). No database query once the sign names are loaded."""
    lexicon = lexicon or _dictionaries()[0]
    phrases, leftover = [], []
    for segment in _SEGMENTS.split(query)[:MAX_WORDS]:
        words = [w for w in tokens(segment) if w not in STOPWORDS and len(w) > 1]
        stems = [normalise(w) for w in words]
        i = 0
        while i < len(stems):
            # The longest run of words found together in one sign name (at most six words).
            for j in range(min(len(stems), i + 6), i, -1):
                signs = lexicon.match(stems[i:j])
                if signs:
                    if not any(set(phrase.stems) == set(stems[i:j]) for phrase in phrases):
                        phrases.append(Phrase(" ".join(words[i:j]), tuple(stems[i:j]), signs))
                    i = j
                    break
            else:
                if words[i] not in leftover:
                    leftover.append(words[i])
                i += 1
    return phrases[:MAX_WORDS], leftover


class Lexicon:
    """Every name of every sign (HPO name, layperson and exact synonyms), by normalised word, and
    the recorded signs that lie below each general one in the HPO hierarchy."""

    def __init__(self, rows, synonyms, below=None):
        self.names = []  # (symptom id, name, its normalised words, sorted)
        self.postings = {}  # normalised word → indexes into names
        self.words = set()  # plain words, for typo correction
        self.labels = {}  # symptom id → its plain name (layperson first)
        for symptom_id, hpo_id, name, layperson in rows:
            for text in dict.fromkeys(filter(None, [layperson, name, *synonyms.get(hpo_id, ())])):
                stems = tuple(sorted({normalise(t) for t in tokens(text) if t not in STOPWORDS}))
                if not stems:
                    continue
                index = len(self.names)
                self.names.append((symptom_id, text, stems))
                self.labels.setdefault(symptom_id, text)
                self.words.update(tokens(text))
                for stem in stems:
                    self.postings.setdefault(stem, []).append(index)
        # Tuples of strings and numbers are left alone by the garbage collector; lists and sets
        # are not, and a full collection over tens of thousands of them took 150 ms of a search.
        self.names = tuple(self.names)
        self.postings = {stem: tuple(indexes) for stem, indexes in self.postings.items()}
        self.below = below or {}  # symptom id → recorded symptom ids below it

    def match(self, stems):
        """Signs having a name with every one of these words, and the recorded signs below them:
        {symptom id: (name matched, closeness, the recorded sign's name when it lies below)}."""
        lists = [self.postings.get(s) for s in set(stems)]
        if not lists or not all(lists):
            return {}
        lists.sort(key=len)
        found = set(lists[0]).intersection(*lists[1:]) if len(lists) > 1 else lists[0]
        best = {}
        for index in sorted(found):  # a tie goes to a sign's first name: its layperson name
            symptom_id, text, name_stems = self.names[index]
            closeness = len(set(stems)) / len(name_stems)
            if closeness > best.get(symptom_id, ("", -1))[1]:
                best[symptom_id] = (text, closeness, "")
        if len(best) > MAX_SIGNS_PER_PHRASE:  # "pain": the signs whose whole name it is, or nearly
            kept = sorted(best.items(), key=lambda item: (-item[1][1], item[0]))[:MAX_SIGNS_PER_PHRASE]
            best = dict(kept)
        below = {}
        for symptom_id, (text, closeness, _) in best.items():
            if closeness < MIN_CLOSENESS_FOR_BELOW:
                continue
            for other in self.below.get(symptom_id, ()):
                entry = (text, closeness * BELOW_CLOSENESS, self.labels[other])
                if entry[1] > max(below.get(other, ("", -1))[1], best.get(other, ("", -1))[1]):
                    below[other] = entry
        # Closer through the hierarchy than by its own name: "muscle weakness" is 2 of the 3 words of
        # "proximal muscle weakness", which lies below "muscle weakness" (a whole name).
        found = best | {other: entry for other, entry in below.items() if other in best}
        extra = sorted((item for item in below.items() if item[0] not in best), key=lambda item: (-item[1][1], item[0]))
        return found | dict(extra[:MAX_SIGNS_BELOW])


VOCABULARY_VERSION_KEY = "search:vocabulary-version"


def _version():
    # A fresh cache starts from a new number, never one an older vocabulary was built for.
    return cache.get_or_set(VOCABULARY_VERSION_KEY, time.time_ns, None)


def _dictionaries():
    """(Lexicon, typo vocabulary) for the index as it is now: one cache read."""
    return _dictionaries_for(_version())


# --- searching -----------------------------------------------------------------------------


def search(query, limit=MAX_RESULTS):
    """Ranked hits for a reader's query: Results, best first. Costs one to four queries: names,
    signs, the names of a mixed query's other words, and a second try when a word looks mistyped."""
    query = (query or "").replace("\x00", "")[:200]  # PostgreSQL refuses text with NUL (a typed %00)
    words = [w for w in tokens(query) if w not in STOPWORDS][:MAX_WORDS]
    if not words or (len(words) == 1 and len(words[0]) < 2):
        return Results()
    lexicon, vocabulary = _dictionaries()
    hits, phrases, leftover = _find(words, query, lexicon)
    corrected = ""
    if len({hit.condition_id for hit in hits if hit.tier < 10}) < 5:  # few or no hits: perhaps a typo
        fixed = _corrected(words, vocabulary)
        if fixed != words:
            seen = {hit.condition_id for hit in hits if hit.tier < 10}
            more, fixed_phrases, fixed_leftover = _find(fixed, " ".join(fixed), lexicon)
            more = [hit for hit in more if hit.condition_id not in seen and hit.tier < 10]
            for hit in more:  # ranked by the corrected words, after every exact hit
                hit.tier += 5
                hit.reason = f"{hit.reason} (did you mean “{' '.join(fixed)}”?)"
            if more:
                hits += more
                corrected, phrases, leftover = " ".join(fixed), fixed_phrases, fixed_leftover
    best = {}
    # At equal rank a sign hit, which says which sign, goes before a name hit on the same text.
    for hit in sorted(hits, key=lambda h: (h.tier, h.score, -h.signs, h.order, h.condition_id)):
        best.setdefault(hit.condition_id, hit)
    return Results(list(best.values())[:limit], phrases=phrases, unmatched=leftover, corrected=corrected)


def _find(words, query, lexicon):
    """Hits by name and by sign for these words: (hits, phrases, leftover words)."""
    hits = _by_name(words, query)
    phrases, leftover = read(query, lexicon)
    # Signs rank after names (tier 3), unless the query also names the condition: when names fill
    # the page ("syndrome", "type"), reading thousands of sign rows would change nothing.
    names_fill_the_page = not leftover and sum(hit.tier < 3 for hit in hits) >= MAX_RESULTS
    if phrases and not names_fill_the_page and not any(hit.tier == 0 for hit in hits):
        hits += _by_sign(phrases, leftover)
    return hits, phrases, leftover


def _fts5_query(stems, prefix=True):
    return "{codes terms} : (" + " ".join(_fts5_words(stems, prefix)) + ")"


def _fts5_words(stems, prefix=True):
    # Each word quoted (no FTS syntax from readers); a prefix when long enough: "lamber" finds "lambert".
    return [f'"{w}"*' if prefix and len(w) > 2 else f'"{w}"' for w in stems]


def _tsquery(stems, prefix=True):
    # Only word characters reach to_tsquery (no operators from readers).
    cleaned = [re.sub(r"\W", "", w) for w in stems]
    return " & ".join(f"{w}:*" if prefix and len(w) > 2 else w for w in cleaned if w) or "x"


# The indexed expression (see migration 0008); the query must repeat it exactly to use the index.
VECTOR_SQL = "(setweight(to_tsvector('simple', e.codes), 'A') || to_tsvector('simple', e.terms))"


# Ties between conditions: reviewed pages, then demo and editorial pages, then catalogue entries.
REVIEWED_FIRST = "CASE WHEN c.last_reviewed_on IS NOT NULL THEN 0 WHEN c.origin = 'catalogue' THEN 2 ELSE 1 END"


def _candidates(stems):
    """Rows (id, names, codes, terms) with every word in the codes or terms, shortest names first,
    then reviewed and demo pages, then by name. The order is plain on purpose: a rank function
    over thousands of rows ("syndrome") is what made common words slow, and the tiers of _rank()
    order what matters. Only the id and the names' length of every match go through the sort;
    the names, codes and terms, and the pages, are read for the 200 rows kept."""
    stems = list(dict.fromkeys(filter(None, (re.sub(r"\W", "", s) for s in stems))))  # each once
    if not stems:
        return []
    if connection.vendor == "postgresql":
        matches = (
            "SELECT e.condition_id, length(e.names) AS size FROM conditions_searchentry e "
            f"WHERE {VECTOR_SQL} @@ to_tsquery('simple', %s)"
        )
        query = _tsquery(stems)
    else:
        matches = (
            "SELECT e.condition_id, length(e.names) AS size FROM conditions_search_fts "
            "JOIN conditions_searchentry e ON e.condition_id = conditions_search_fts.rowid "
            "WHERE conditions_search_fts MATCH %s"
        )
        query = _fts5_query(stems)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH hits AS ({matches} ORDER BY size, e.condition_id LIMIT 200) "
            "SELECT e.condition_id, e.names, e.codes, e.terms FROM hits h "
            "JOIN conditions_searchentry e ON e.condition_id = h.condition_id "
            f"JOIN conditions_condition c ON c.id = h.condition_id ORDER BY h.size, {REVIEWED_FIRST}, c.name, c.id",
            [query],
        )
        return cursor.fetchall()


def _by_name(words, query):
    stems = [normalise(w) for w in words if len(w) > 1 or w.isdigit()]
    hits = []
    for place, row in enumerate(_candidates(stems)):
        hit = _rank(row, words, stems, query.strip().lower())
        if hit:
            hit.order = place
            hits.append(hit)
    return hits


def _rank(row, words, stems, phrase):
    """A names-and-codes hit with the place every word was found, or None when the words are
    scattered over the page's symptom text (a phrase matches within one sentence)."""
    condition_id, names, codes, terms = row
    lines = names.split("\n")
    name, acronym, synonyms = lines[0], lines[1] if len(lines) > 1 else "", lines[2:]
    score = len(names)
    if words == _content(name):
        return Hit(condition_id, 0, score, "name")
    if acronym and phrase == acronym.lower():
        return Hit(condition_id, 0, score, f"abbreviation {acronym}")
    for synonym in synonyms:
        if _content(synonym) == words:
            return Hit(condition_id, 0, score, f"other name “{synonym}”")
    if _starts_with(words, name):
        return Hit(condition_id, 1, score, "name")
    for synonym in synonyms:
        if _starts_with(words, synonym):
            return Hit(condition_id, 1, score, f"other name “{synonym}”")
    term_lines = [line.split() for line in terms.split("\n")]
    name_terms, text_terms = term_lines[: len(lines)], [line[1:] for line in term_lines[len(lines) :]]
    if _all_in(stems, name_terms[0]):
        return Hit(condition_id, 2, score, "name")
    for synonym, synonym_terms in zip(synonyms, name_terms[2:], strict=False):
        if _all_in(stems, synonym_terms):
            return Hit(condition_id, 2, score, f"other name “{synonym}”")
    compact = code_format.compact(phrase)
    for code in codes.split():
        if compact and code_format.compact(code) == compact:
            return Hit(condition_id, 2, score, f"code {code}")
    if any(_all_in(stems, line) for line in text_terms):
        # Written by people for this page: ranked with the strongest single recorded sign.
        return Hit(condition_id, 3, -10.95, "the page's description of its symptoms")
    # Spread over several places: say which, and refuse words spread over the symptom text alone.
    places = []
    code_terms = tokens(codes)
    for stem in stems:
        if any(_all_in([stem], line) for line in name_terms[:1]):
            places.append("name")
        elif acronym and any(_all_in([stem], line) for line in name_terms[1:2]):
            places.append(f"abbreviation {acronym}")
        elif any(_all_in([stem], line) for line in name_terms[2:]):
            places.append("other names")
        elif _all_in([stem], code_terms):
            places.append("code")
        else:
            places.append("the page's description of its symptoms")
    places = list(dict.fromkeys(places))
    if places == ["the page's description of its symptoms"]:
        return None
    return Hit(condition_id, 4, score, _together(places))


def _together(places):
    return places[0] if len(places) == 1 else f"{', '.join(places[:-1])} and {places[-1]} together"


def _by_sign(phrases, leftover):
    """Conditions in which the signs are recorded, or whose page's own symptom text names them, most
    signs and most frequent first. Words that are not signs must be in the condition's names or
    codes. Ranked in SQL, so a common sign ("pain", thousands of rows) returns fifty conditions,
    not every row: one query, one more for the pages' own text, one more for a mixed query."""
    allowed = None
    if leftover:
        allowed = {}
        for row in _candidates([normalise(w) for w in leftover]):
            hit = _rank(row, leftover, [normalise(w) for w in leftover], " ".join(leftover))
            if hit:
                allowed[row[0]] = hit
        if not allowed:  # "weird dry mouth" or a typo: the signs alone, after every better hit
            return [
                Hit(
                    hit.condition_id, 10, hit.score, f"{hit.reason} (nothing matched “{' '.join(leftover)}”)",
                    hit.signs, hit.order,
                )
                for hit in _by_sign(phrases, [])
            ]  # fmt: skip
    texts = [
        (condition_id, number)
        for condition_id, number in _text_signs(phrases)
        if allowed is None or condition_id in allowed
    ]
    share = max(20, MAX_WANTED // len(phrases))
    wanted = [
        (symptom_id, number, round(50 + 50 * closeness))
        for number, phrase in enumerate(phrases)
        for symptom_id, (_, closeness, _) in sorted(phrase.signs.items(), key=lambda item: -item[1][1])[:share]
    ]
    if not wanted and not texts:
        return []
    found, best = [], {}  # [(place, condition, signs, weight)]; condition → {phrase number: its best sign}
    for place, condition_id, signs, weight, number, symptom_id, rank, sign_weight, specificity in _ranked(
        wanted, texts, allowed
    ):
        if place is not None:
            found.append((place, condition_id, signs, weight))
            continue
        # A sign recorded for the condition names the match before its page's text does: it says how often.
        key = (symptom_id is not None, sign_weight, specificity, -(symptom_id or 0))
        if key > best.setdefault(condition_id, {}).get(number, ((False, -1), None, None))[0]:
            best[condition_id][number] = (key, symptom_id, rank)
    results = []
    for place, condition_id, count, weight in sorted(found):
        matched = {number: (symptom_id, rank) for number, (_, symptom_id, rank) in best[condition_id].items()}
        signs = [_sign_reason(phrases[number], *matched[number]) for number in sorted(matched)]
        if len(phrases) == 1:
            reason = f"sign: {signs[0]}"
        else:
            reason = f"{count} of {len(phrases)} signs: {', '.join(signs)}"
        tier = 3
        if allowed is not None:  # mixed: "LEMS weakness"
            reason = f"{allowed[condition_id].reason} and {reason}"
            tier = 2
        results.append(Hit(condition_id, tier, -(count * 10 + weight / 10_000), reason, signs=count, order=place))
    return results


MAX_WANTED = 3000  # sign rows a query may name, shared between its phrases
TEXT_SIGN = "the page's description of its symptoms"


def _sign_reason(phrase, symptom_id, rank):
    """How a phrase matched: "dry mouth (very frequent)", "muscle weakness (recorded as weak legs, frequent)"."""
    if symptom_id is None:
        return f"{phrase.text} (in {TEXT_SIGN})"
    name, _, recorded = phrase.signs[symptom_id]
    frequency = FREQUENCY_WORDS.get(rank, FREQUENCY_WORDS[5])
    if recorded:
        return f"{name.lower()} (recorded as {recorded.lower()}, {frequency})"
    return f"{name.lower()} ({frequency})"


def _ranked(wanted, texts, allowed):
    """The best MAX_RESULTS conditions as rows (place, condition, signs, weight, None, ...), then
    every sign they matched: (None, condition, None, None, phrase number, symptom id or None for
    the page's text, frequency rank, weight, specificity). A sign's weight is its frequency's times
    its closeness, in whole numbers so that sums and ties are exact and alike on both databases.
    Ties go to reviewed pages, then demo or editorial pages, then the more specific signs, then
    the name. Only published pages count: the few that are not are read once, by their status
    (looking up each condition's search entry took 14 ms of "weakness", 14,000 conditions)."""
    from .models import Status

    frequency = " ".join(f"WHEN {rank} THEN {round(weight * 100)}" for rank, weight in FREQUENCY_WEIGHT.items())
    link_weight = f"w.closeness * CASE cs.frequency_rank {frequency} ELSE {round(UNKNOWN_WEIGHT * 100)} END"
    tables, parts, matched, params = [], [], [], []
    if wanted:
        tables.append(f"wanted (symptom_id, phrase, closeness) AS (VALUES {', '.join(['(%s, %s, %s)'] * len(wanted))})")
        params += [value for row in wanted for value in row]
        parts.append(
            f"SELECT cs.condition_id, w.phrase, {link_weight} AS weight, ROUND(s.specificity * 1000) AS specificity "
            "FROM wanted w JOIN conditions_conditionsymptom cs ON cs.symptom_id = w.symptom_id "
            "JOIN conditions_symptom s ON s.id = cs.symptom_id"
            + (f" WHERE cs.condition_id IN ({', '.join(['%s'] * len(allowed))})" if allowed else "")
        )
        # The signs of the fifty, read again by condition: cheaper than keeping every row read.
        matched.append(
            f"SELECT NULL, cs.condition_id, NULL, NULL, w.phrase, cs.symptom_id, cs.frequency_rank, {link_weight}, "
            "ROUND(s.specificity * 1000) FROM top t "
            "JOIN conditions_conditionsymptom cs ON cs.condition_id = t.condition_id "
            "JOIN wanted w ON w.symptom_id = cs.symptom_id JOIN conditions_symptom s ON s.id = cs.symptom_id"
        )
    if texts:
        tables.append(f"texts (condition_id, phrase) AS (VALUES {', '.join(['(%s, %s)'] * len(texts))})")
        params += [value for row in texts for value in row]
        text_weight = round(TEXT_WEIGHT * 10_000)
        parts.append(f"SELECT condition_id, phrase, {text_weight} AS weight, 0 AS specificity FROM texts")
        matched.append(
            f"SELECT NULL, condition_id, NULL, NULL, phrase, NULL, NULL, {text_weight}, 0 FROM texts "
            "WHERE condition_id IN (SELECT condition_id FROM top)"
        )
    if wanted and allowed:  # after the tables: the parameters follow the text of the query
        params += list(allowed)
    unpublished = [status for status in Status.values if status != Status.PUBLISHED]
    params += unpublished
    statuses = ", ".join(["%s"] * len(unpublished))
    published = f"condition_id NOT IN (SELECT id FROM conditions_condition WHERE status IN ({statuses}))"
    if len({row[1] for row in wanted} | {row[1] for row in texts}) == 1:
        # One phrase ("weakness", 24,000 rows): a condition's best sign is its weight, in one pass.
        totals = (
            "SELECT condition_id, 1 AS signs, MAX(weight) AS weight, MAX(specificity) AS specificity "
            f"FROM found WHERE {published} GROUP BY condition_id"
        )
    else:
        totals = (
            "SELECT condition_id, COUNT(*) AS signs, SUM(weight) AS weight, SUM(specificity) AS specificity "
            "FROM (SELECT condition_id, phrase, MAX(weight) AS weight, MAX(specificity) AS specificity "
            f"FROM found GROUP BY condition_id, phrase) phrases WHERE {published} GROUP BY condition_id"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH {', '.join(tables)}, found AS ({' UNION ALL '.join(parts)}), totals AS ({totals}), "
            # Pages are read only for the conditions tied with the last one listed, or better.
            "cutoff AS (SELECT signs, weight FROM totals ORDER BY signs DESC, weight DESC "
            f"LIMIT 1 OFFSET {MAX_RESULTS - 1}), "
            # A page's columns by one lookup each, never a join: for the 1,700 conditions tied with
            # the fiftieth ("marfn syndrome" tries "syndrome" as a sign) PostgreSQL hashed all 47,000 pages.
            "top AS (SELECT t.condition_id, t.signs, t.weight, ROW_NUMBER() OVER (ORDER BY t.signs DESC, "
            f"t.weight DESC, (SELECT {REVIEWED_FIRST} FROM conditions_condition c WHERE c.id = t.condition_id), "
            "t.specificity DESC, (SELECT c.name FROM conditions_condition c WHERE c.id = t.condition_id), "
            "t.condition_id) AS place FROM totals t "
            "WHERE NOT EXISTS (SELECT 1 FROM cutoff) OR t.signs > (SELECT signs FROM cutoff) "
            "OR (t.signs = (SELECT signs FROM cutoff) AND t.weight >= (SELECT weight FROM cutoff)) "
            f"ORDER BY place LIMIT {MAX_RESULTS}) "
            # The fifty conditions, then the signs they matched.
            "SELECT place, condition_id, signs, weight, NULL, NULL, NULL, NULL, NULL FROM top UNION ALL "
            + " UNION ALL ".join(matched),
            params,
        )
        return cursor.fetchall()


def _text_signs(phrases):
    """(condition id, phrase number) for each page whose own symptom text has every word of a
    phrase in one sentence. The index finds the pages having such text and the words."""
    groups = []
    for phrase in phrases:
        words = [w for w in (re.sub(r"\W", "", s) for s in phrase.stems) if w]
        if words:
            groups.append(words)
    if not groups:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            either = " | ".join(f"({_tsquery(words)})" for words in groups)
            cursor.execute(
                f"SELECT e.condition_id, e.terms FROM conditions_searchentry e WHERE {VECTOR_SQL} "
                "@@ to_tsquery('simple', %s)",
                [f"{TEXT_MARK} & ({either})"],
            )
        else:
            either = " OR ".join(f"({' '.join(_fts5_words(words))})" for words in groups)
            cursor.execute(
                "SELECT e.condition_id, e.terms FROM conditions_search_fts JOIN conditions_searchentry e "
                "ON e.condition_id = conditions_search_fts.rowid WHERE conditions_search_fts MATCH %s",
                [f'{{terms}} : ("{TEXT_MARK}" AND ({either}))'],
            )
        rows = cursor.fetchall()
    found = []
    for condition_id, terms in rows:
        lines = [line.split()[1:] for line in terms.split("\n") if line.startswith(TEXT_MARK + " ")]
        for number, phrase in enumerate(phrases):
            if any(_all_in(phrase.stems, line) for line in lines):
                found.append((condition_id, number))
    return found


def _corrected(words, vocabulary):
    """Each word not in the vocabulary of names and sign names replaced by its closest word (typos):
    vocabulary is the words of every indexed name and sign name, by first one and two letters, in
    order: the first word not before a typed one starts with it if any word does."""
    fixed, tries = [], 0
    for word in words:
        terms = vocabulary.get(word[:2], ())
        place = bisect.bisect_left(terms, word)
        if len(word) < 4 or (place < len(terms) and terms[place].startswith(word)):
            fixed.append(word)
            continue
        tries += 1
        if tries > 4:  # each try compares with thousands of words: a long query keeps the rest as typed
            fixed.append(word)
            continue
        pool = [t for t in vocabulary.get(word[:1], ()) if abs(len(t) - len(word)) <= 2]
        match = difflib.get_close_matches(word, pool, n=1, cutoff=0.75)
        fixed.append(match[0] if match else word)
    return fixed


# The built dictionaries are shared through the cache: building them (reading the HPO file,
# stemming every sign name) takes a worker 1-2 s, loading them about 0.1 s. One entry, replaced
# for each new version; bump the number when the Lexicon or the vocabulary changes shape.
DICTIONARIES_KEY = "search:dictionaries:1"


@functools.lru_cache(maxsize=1)
def _dictionaries_for(version):
    """The sign names (a Lexicon) and the typo vocabulary for this version of the index: from the
    cache when another process built them, or built here and left there for the others."""
    shared = cache.get(DICTIONARIES_KEY)
    if shared is not None and shared[0] == version:
        return shared[1]
    dictionaries = _built()
    cache.set(DICTIONARIES_KEY, (version, dictionaries), None)
    return dictionaries


def _built():
    """The sign names (a Lexicon) and the typo vocabulary, read in one query."""
    from .catalogue import hpo

    if connection.vendor == "postgresql":
        words = "SELECT word FROM ts_stat('SELECT to_tsvector(''simple'', names) FROM conditions_searchentry')"
    else:
        words = "SELECT term FROM conditions_search_vocab WHERE col = 'names'"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, hpo_id, name, layperson_name, specificity FROM conditions_symptom "
            f"UNION ALL SELECT NULL, NULL, w.*, NULL, NULL FROM ({words}) w"
        )
        rows = cursor.fetchall()
    # In HPO order, so both databases break ties between sign names alike.
    signs = sorted((row[:4] for row in rows if row[0] is not None), key=lambda row: row[1])
    ids = {hpo_id: symptom_id for symptom_id, hpo_id, *_ in signs}
    general = {row[1] for row in rows if row[0] is not None and row[4] >= GENERAL_SIGN_MIN_SPECIFICITY}
    below = {
        ids[term]: tuple(ids[other] for other in others)
        for term, others in hpo.below_among(ids).items()
        if term in general
    }
    lexicon = Lexicon(signs, hpo.ontology().synonyms, below)
    by_prefix = {}
    for term in sorted({_fold(row[2]) for row in rows if row[0] is None} | lexicon.words):
        if not term.isdigit():
            by_prefix.setdefault(term[:1], []).append(term)
            by_prefix.setdefault(term[:2], []).append(term)
    return lexicon, {prefix: tuple(terms) for prefix, terms in by_prefix.items()}


def _starts_with(words, text):
    """The text's first words are the query's, the last one possibly cut short ("lambert eat")."""
    present = _content(text)
    return (
        len(present) >= len(words)
        and present[: len(words) - 1] == words[:-1]
        and present[len(words) - 1].startswith(words[-1])
    )


def _all_in(stems, present):
    """Every normalised word is in the line, the short ones whole and the others as prefixes."""
    return all(any(p == s or (len(s) > 2 and p.startswith(s)) for p in present) for s in stems)


MAX_CODE_CANDIDATES = 2000


def search_codes(query, limit=8):
    """Official codes (system, code and title loaded) whose titles contain every word of the query
    (as prefixes): the best `limit` by system, billable codes first, then the shortest titles, listed
    by system and code, alike on both databases; one query. A word found in tens of thousands of
    titles ("unspecified") reads at most MAX_CODE_CANDIDATES of them, in code set order: ranking
    every match (SQLite's bm25 over 7,000 titles for "type") took 40-300 ms."""
    from .models import Code, from_sql

    words = [re.sub(r"\W", "", w) for w in tokens(query)[:8]]
    words = [w for w in words if len(w) > 2 and w not in STOPWORDS]
    if not words:
        return []
    if connection.vendor == "postgresql":
        # Matches first, then order: without fresh statistics (just after load_codesets) the
        # planner walked the unique index in order and tested every title, 0.6-0.8 s a query.
        best = (
            "WITH hits AS MATERIALIZED (SELECT id, system, is_billable, title, code FROM conditions_code "
            "WHERE to_tsvector('english', title) @@ to_tsquery('english', %s) LIMIT %s) "
            "SELECT id, system, code, title FROM hits ORDER BY system DESC, is_billable DESC, length(title), code "
            "LIMIT %s"
        )
        match = " & ".join(f"{w}:*" for w in words)
    else:
        best = (
            "WITH hits AS (SELECT rowid FROM conditions_code_fts WHERE conditions_code_fts MATCH %s LIMIT %s) "
            "SELECT c.id, c.system, c.code, c.title FROM hits JOIN conditions_code c ON c.id = hits.rowid "
            "ORDER BY c.system DESC, c.is_billable DESC, length(c.title), c.code LIMIT %s"
        )
        match = " ".join(f'"{w}"*' for w in words)
    ordered = f"SELECT * FROM ({best}) best ORDER BY system DESC, code"
    return from_sql(Code, ordered, [match, MAX_CODE_CANDIDATES, limit])
