"""Database lookups of single official codes, as Code.objects methods: is a code in the release,
may it be a primary code, and which real codes are nearest to one that is not."""

from django.db import models
from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.functions import Length

from .format import ICD10CM, label
from .release import RELEASES


def _listing(codes) -> str:
    return "; ".join(f"{code} ({title})" for code, title in codes)


class CodeQuerySet(models.QuerySet):
    def suggestions(self, system: str, code: str, *, words=(), limit: int = 5):
        """The real codes nearest to one that does not exist: billable codes sharing the longest
        prefix in its category or, when the category does not exist, codes whose official titles share
        the most words. Queries once or twice."""
        category = code.split(".")[0]
        near = list(
            self.filter(system=system, code__startswith=category, is_billable=True).values_list("code", "title")
        )
        if near:
            target = code.replace(".", "")

            def shared(candidate):
                c = candidate[0].replace(".", "")
                n = 0
                while n < min(len(c), len(target)) and c[n] == target[n]:
                    n += 1
                return (-n, candidate[0])

            return sorted(near, key=shared)[:limit]
        if not words:
            return []
        score = sum(
            (
                Case(When(title__icontains=w, then=Value(1)), default=Value(0), output_field=IntegerField())
                for w in words
            ),
            Value(0),
        )
        matching = Q()
        for w in words:
            matching |= Q(title__icontains=w)
        return list(
            self.filter(matching, system=system, is_billable=True)
            .annotate(score=score)
            .order_by("-score", Length("code"), "code")
            .values_list("code", "title")[:limit]
        )

    def not_found_message(self, system: str, code: str, *, words=()) -> str:
        """Says the code is not in the release and names the nearest real codes (queries)."""
        message = f"{code} is not in the official {label(system)} code set ({RELEASES[system]})."
        near = self.suggestions(system, code, words=words)
        if near:
            message += " Nearest real codes: " + _listing(near) + "."
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
