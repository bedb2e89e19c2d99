"""Condition search: one interface over each database's own text search.

Every published condition has a SearchEntry: its names (name, acronym, other names, one per
line), its codes and its symptoms. SQLite searches it with FTS5 (an external-content table kept
in sync by triggers), PostgreSQL full-text search with a GIN index. A query with few hits is
tried again with each unknown word corrected to the closest word of the index's own vocabulary
(fts5vocab, ts_stat), so typos are forgiven alike on both. Candidates are ranked here the same
way for both, each with the reason it matched."""

import difflib
import functools
import re
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection, transaction

from .codes import format as code_format

MAX_RESULTS = 50
_TOKEN = re.compile(r"\w+", re.UNICODE)


@dataclass
class Hit:
    condition_id: int
    tier: int  # lower is better
    score: float
    reason: str


def tokens(text):
    return [t for t in _TOKEN.findall((text or "").lower()) if t]


# --- keeping the index current -------------------------------------------------------------


def entry_text(condition, synonyms, codes, symptoms):
    """The three columns of a condition's SearchEntry."""
    names = "\n".join([condition.name, condition.acronym or "", *synonyms])
    code_forms = []
    for system, value in codes:
        code_forms += [value, code_format.compact(value)]
        if system in (code_format.ORPHA, code_format.OMIM):
            code_forms.append(f"{code_format.label(system)}:{value}")
    return names, " ".join(dict.fromkeys(code_forms)), "\n".join(symptoms)


def refresh(condition_ids=None):
    """Rebuilds the SearchEntry of these conditions (all when None) from the database, in bulk."""
    from .models import Condition, ConditionCode, ConditionSymptom, SearchEntry, Status, Synonym

    conditions = Condition.objects.only("name", "acronym", "status")
    if condition_ids is not None:
        conditions = conditions.filter(pk__in=list(condition_ids))
    conditions = list(conditions)
    ids = [c.pk for c in conditions]
    synonyms, codes, symptoms = {}, {}, {}
    for condition_id, name in Synonym.objects.filter(condition_id__in=ids).values_list("condition_id", "name"):
        synonyms.setdefault(condition_id, []).append(name)
    # Own codes only: a code-first or code-also entry names another condition (reads.coded_with).
    own = ConditionCode.objects.filter(condition_id__in=ids, role__in=code_format.OWN_ROLES)
    for condition_id, system, value in own.values_list("condition_id", "system", "value"):
        codes.setdefault(condition_id, []).append((system, value))
    for condition_id, name in (
        ConditionSymptom.objects.filter(condition_id__in=ids)
        .order_by("frequency_rank")
        .values_list("condition_id", "symptom__name")
    ):
        symptoms.setdefault(condition_id, []).append(name)
    SearchEntry.objects.filter(condition_id__in=ids).delete()
    SearchEntry.objects.bulk_create(
        [
            SearchEntry(
                condition_id=c.pk,
                **dict(
                    zip(
                        ["names", "codes", "symptoms"],
                        entry_text(c, synonyms.get(c.pk, []), codes.get(c.pk, []), symptoms.get(c.pk, [])),
                        strict=True,
                    )
                ),
            )
            for c in conditions
            if c.status == Status.PUBLISHED
        ],
        batch_size=1000,
    )
    # After the commit, or a reader could build the typo vocabulary from the old rows under the new number.
    transaction.on_commit(lambda: cache.set(VOCABULARY_VERSION_KEY, time.time_ns(), None), robust=True)


# --- searching -----------------------------------------------------------------------------


def search(query, limit=MAX_RESULTS):
    """Ranked hits for a reader's query: [Hit], best first. Costs one query, two with a typo."""
    query = (query or "").replace("\x00", "")  # PostgreSQL refuses text with NUL (a typed %00)
    words = tokens(query)[:8]
    if not words:
        return []
    phrase = query.strip().lower()
    hits = [_rank(row, words, phrase) for row in _candidates(words)]
    if len(hits) < 5:  # few or no hits: perhaps a typo
        corrected = _corrected(words)
        if corrected != words:
            seen = {hit.condition_id for hit in hits}
            for row in _candidates(corrected):
                if row[0] not in seen:  # ranked by the corrected words, after every exact hit
                    hit = _rank(row, corrected, " ".join(corrected))
                    hit.tier += 5
                    hit.reason = f"{hit.reason} (did you mean “{' '.join(corrected)}”?)"
                    hits.append(hit)
    hits.sort(key=lambda h: (h.tier, h.score))
    return hits[:limit]


def _fts5_query(words):
    # Each word quoted (no FTS syntax from readers) and matched as a prefix: "lamber" finds "lambert".
    return " ".join(f'"{w}"*' for w in words)


def _tsquery(words):
    # Only word characters reach to_tsquery (no operators from readers); each word a prefix.
    cleaned = [re.sub(r"\W", "", w) for w in words]
    return " & ".join(f"{w}:*" for w in cleaned if w) or "x"


def _candidates(words):
    """Rows (id, names, codes, symptoms, score: lower is better) matching every word as a prefix."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT e.condition_id, e.names, e.codes, e.symptoms, -ts_rank({VECTOR_SQL}, q) "
                f"FROM conditions_searchentry e, to_tsquery('simple', %s) q WHERE {VECTOR_SQL} @@ q "
                "ORDER BY 5 LIMIT 200",
                [_tsquery(words)],
            )
        else:
            cursor.execute(
                "SELECT e.condition_id, e.names, e.codes, e.symptoms, bm25(conditions_search_fts, 10.0, 10.0, 1.0) "
                "FROM conditions_search_fts JOIN conditions_searchentry e "
                "ON e.condition_id = conditions_search_fts.rowid "
                "WHERE conditions_search_fts MATCH %s ORDER BY 5 LIMIT 200",
                [_fts5_query(words)],
            )
        return cursor.fetchall()


def _corrected(words):
    """Each word not in the index's vocabulary replaced by its closest term (typos)."""
    vocabulary = _vocabulary()
    fixed = []
    for word in words:
        if len(word) < 4 or any(term.startswith(word) for term in vocabulary.get(word[:2], ())):
            fixed.append(word)
            continue
        pool = [t for t in vocabulary.get(word[:1], ()) if abs(len(t) - len(word)) <= 2]
        match = difflib.get_close_matches(word, pool, n=1, cutoff=0.75)
        fixed.append(match[0] if match else word)
    return fixed


VOCABULARY_VERSION_KEY = "search:vocabulary-version"


def _vocabulary():
    """The words of every indexed name, by first one and two letters; rebuilt after refresh()."""
    # A fresh cache starts from a new number, never one an older vocabulary was built for.
    return _vocabulary_for(cache.get_or_set(VOCABULARY_VERSION_KEY, time.time_ns, None))


@functools.lru_cache(maxsize=1)
def _vocabulary_for(version):
    if connection.vendor == "postgresql":
        sql = "SELECT word FROM ts_stat('SELECT to_tsvector(''simple'', names) FROM conditions_searchentry')"
    else:
        sql = "SELECT term FROM conditions_search_vocab WHERE col = 'names'"
    by_prefix = {}
    with connection.cursor() as cursor:
        cursor.execute(sql)
        for (term,) in cursor.fetchall():
            by_prefix.setdefault(term[:1], []).append(term)
            by_prefix.setdefault(term[:2], []).append(term)
    return by_prefix


# The indexed expression (see the migration); the query must repeat it exactly to use the index.
VECTOR_SQL = (
    "(setweight(to_tsvector('simple', e.names), 'A') || setweight(to_tsvector('simple', e.codes), 'A') "
    "|| setweight(to_tsvector('simple', e.symptoms), 'C'))"
)


def _rank(row, words, phrase):
    condition_id, names, codes, symptoms, score = row
    lines = [line for line in names.split("\n")]
    name, acronym, synonyms = lines[0], lines[1] if len(lines) > 1 else "", lines[2:]
    if words == tokens(name):
        return Hit(condition_id, 0, score, "name")
    if phrase == acronym.lower():
        return Hit(condition_id, 0, score, f"abbreviation {acronym}")
    for synonym in synonyms:
        if tokens(synonym) == words:
            return Hit(condition_id, 0, score, f"other name “{synonym}”")
    if _starts_with(words, name):
        return Hit(condition_id, 1, score, "name")
    for synonym in synonyms:
        if _starts_with(words, synonym):
            return Hit(condition_id, 1, score, f"other name “{synonym}”")
    if _all_words_in(words, name):
        return Hit(condition_id, 2, score, "name")
    for synonym in synonyms:
        if _all_words_in(words, synonym):
            return Hit(condition_id, 2, score, f"other name “{synonym}”")
    compact = code_format.compact(phrase)
    for code in codes.split():
        if compact and code_format.compact(code) == compact:
            return Hit(condition_id, 2, score, f"code {code}")
    matching = [s for s in symptoms.split("\n") if _all_words_in(words, s)]
    if matching:
        return Hit(condition_id, 3, score, f"symptom “{matching[0]}”")
    return Hit(condition_id, 3, score, "name, code and symptoms together")


def _starts_with(words, text):
    """The text's first words are the query's, the last one possibly cut short ("lambert eat")."""
    present = tokens(text)
    return (
        len(present) >= len(words)
        and present[: len(words) - 1] == words[:-1]
        and present[len(words) - 1].startswith(words[-1])
    )


def _all_words_in(words, text):
    present = tokens(text)
    return all(any(p.startswith(w) for p in present) for w in words)


def search_codes(query, limit=8):
    """Ids of official codes whose titles contain every word of the query (as prefixes), best first."""
    words = [re.sub(r"\W", "", w) for w in tokens(query)[:8]]
    words = [w for w in words if w]
    if not words:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT id FROM conditions_code WHERE to_tsvector('english', title) @@ to_tsquery('english', %s) "
                "ORDER BY system DESC, is_billable DESC, length(title), code LIMIT %s",
                [" & ".join(f"{w}:*" for w in words), limit],
            )
        else:
            cursor.execute(
                "SELECT c.id FROM conditions_code_fts JOIN conditions_code c ON c.id = conditions_code_fts.rowid "
                "WHERE conditions_code_fts MATCH %s "
                "ORDER BY c.system DESC, c.is_billable DESC, bm25(conditions_code_fts) "
                "LIMIT %s",
                [_fts5_query(words), limit],
            )
        return [row[0] for row in cursor.fetchall()]
