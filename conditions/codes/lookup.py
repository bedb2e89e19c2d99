"""Database lookups of single official codes, as Code.objects methods: is a code in the release,
may it be a primary code, and which real codes are nearest to one that is not."""

from functools import reduce
from operator import or_
from os.path import commonprefix

from django.db import models
from django.db.models import Case, Q, When

from .format import ICD10CM, compact, label
from .release import EDITIONS


def _listing(codes) -> str:
    return "; ".join(f"{code} ({title})" for code, title in codes)


# Characters an editor types for one another: the letter O for a zero, the letter I for a one.
_LOOKALIKES = {frozenset("O0"), frozenset("I1")}
# One word of the page's name in a code's title outweighs a typing slip: on the Lambert-Eaton page,
# 358.30 (two slips from 358.41, two shared words) ranks before 358.01 (one slip, none).
_NAME_WORD = 2


def typing_distance(typed: str, code: str) -> float:
    """The typing slips between two compact codes (optimal string alignment: a wrong, missing or
    extra character, or two neighbours swapped, is one slip); a look-alike character costs half."""
    previous, row = None, list(range(len(code) + 1))
    for i, a in enumerate(typed, start=1):
        previous, before, row = row, previous, [i] + [0] * len(code)
        for j, b in enumerate(code, start=1):
            cost = 0 if a == b else 0.5 if frozenset((a, b)) in _LOOKALIKES else 1
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a == code[j - 2] and typed[i - 2] == b:
                row[j] = min(row[j], before[j - 2] + 1)
    return row[-1]


class CodeQuerySet(models.QuerySet):
    def suggestions(self, system: str, code: str, *, words=(), limit: int = 5):
        """The billable codes nearest to one that does not exist, as (code, title), best first: the
        fewest typing slips from what was typed, and the most words of the page's name (`words`, from
        format.title_words) in their official titles. Three, then up to `limit` while they score
        within one name word of the best. Queries once, twice with `words`."""
        typed, category = compact(code), code.split(".")[0]
        rest = code[len(category) :]
        billable = self.filter(system=system, is_billable=True)
        # The typed category, and the neighbouring ones' codes whose first decimal is the one typed (a
        # slip in the category: G7O.80 for G70.80), or with at most two decimals when only a category
        # was typed (G7O); a prefix of two characters alone would bring thousands (S7: 3,546 codes).
        beside = Q(code__contains=rest[:2]) if rest else Q(code__regex=r"^[^.]*(\.[0-9A-Z]{0,2})?$")
        near = Q(code__startswith=category) | (Q(code__startswith=category[:-1]) & beside)
        candidates = set(billable.filter(near).values_list("code", "title"))
        if words:
            # Codes elsewhere whose titles name the condition (G73.1 beside G70.8x for Lambert-Eaton):
            # the best-named few, as a common word ("fracture") is in tens of thousands of titles.
            named = [Q(title__icontains=word) for word in words]
            shared = [Case(When(match, then=1), default=0) for match in named]
            candidates |= set(
                billable.filter(reduce(or_, named))
                .annotate(shared=sum(shared[1:], shared[0]))
                .order_by("-shared", "code")
                .values_list("code", "title")[:50]
            )

        def score(candidate):
            found, title = candidate
            shared = sum(word in title.lower() for word in words)
            return _NAME_WORD * shared - typing_distance(typed, compact(found))

        scores = {candidate: score(candidate) for candidate in candidates}
        # Ties go to the longest run typed right from the first character, then to code order.
        ranked = sorted(scores, key=lambda c: (-scores[c], -len(commonprefix([typed, compact(c[0])])), c[0]))
        best = scores[ranked[0]] if ranked else 0
        return [c for n, c in enumerate(ranked[:limit]) if n < 3 or scores[c] >= best - _NAME_WORD]

    def not_found_message(self, system: str, code: str, *, words=()) -> str:
        """Says the code is not in the release and names the nearest real codes with their titles (queries)."""
        message = f"{code} is not an {label(system)} code ({EDITIONS[system]})."
        near = self.suggestions(system, code, words=words)
        if near:
            message += " Did you mean: " + "; ".join(f"{found} {title}" for found, title in near) + "?"
        return message

    def official_code(self, system: str, value: str, *, primary: bool, words=()):
        """The Code a canonical ICD-10-CM or ICD-9-CM value names; ValueError says why it cannot be used.
        A primary code must be billable: a category with codes under it is not specific enough."""
        found = self.filter(system=system, code=value).first()
        if found is None:
            raise ValueError(self.not_found_message(system, value, words=words))
        if primary and not found.is_billable:
            under = list(
                self.filter(system=system, code__startswith=value, is_billable=True)
                .order_by("code")
                .values_list("code", "title")[:5]
            )
            message = (
                f"{value} ({found.title}) is a {found.get_kind_display().lower()} with more specific codes under it; "
                f"a primary code must be a billable {label(system)} code"
            )
            raise ValueError(message + (": choose one such as " + _listing(under) + "." if under else "."))
        return found

    def official_range(self, value: str):
        """The entry a canonical ICD-10-CM range names: the block or chapter it is (C00-D49 is chapter 2,
        "Neoplasms (C00-D49)"), or None for a range the release prints only in notes. ValueError when
        either end is not in the release. Queries twice."""
        start, end = value.split("-")
        found = set(self.filter(system=ICD10CM, code__in=[start, end]).values_list("code", flat=True))
        for end_code in (start, end):
            if end_code not in found:
                raise ValueError(f"{value}: " + self.not_found_message(ICD10CM, end_code))
        return (
            self.filter(system=ICD10CM)
            .filter(Q(code=value) | Q(kind="chapter", title__endswith=f"({value})"))
            .order_by("kind")
            .first()
        )
