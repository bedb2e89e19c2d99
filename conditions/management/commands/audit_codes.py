from django.core.management.base import BaseCommand, CommandError

from conditions.codes import format as code_format
from conditions.codes.release import RELEASES
from conditions.models import Code, ConditionCode

CHUNK = 500  # codes per IN (...) lookup, well under SQLite's variable limit


def _count(n, noun):
    return f"{n} {noun}" + ("" if n == 1 else "s")


class Command(BaseCommand):
    help = (
        "Check every condition's code against the loaded official releases, e.g. after load_codesets has "
        "loaded a new annual release: ICD-10-CM and ICD-9-CM codes exist, are linked to the code set and "
        "have an official title, a primary code is billable, and ORPHA, OMIM and ICD-11 codes have a valid "
        "form. Prints each problem with its condition; exits non-zero if there is any."
    )

    def handle(self, *args, verbosity, **options):
        rows = list(
            ConditionCode.objects.select_related("code")
            .only("system", "value", "role", "code", "condition__name", "condition__status")
            .select_related("condition")
            .order_by("condition__name", "system", "value")
        )
        official = self._official_codes(rows)
        problems = []
        for row in rows:
            for problem in self._check(row, official):
                problems.append(f"{row.condition.name} ({row.condition.get_status_display().lower()}): {problem}")
        for line in problems:
            self.stdout.write(line)
        conditions = len({row.condition_id for row in rows})
        checked = (
            f"{_count(len(rows), 'condition code')} of {_count(conditions, 'condition')} against the "
            + " and the ".join(RELEASES.values())
        )
        if problems:
            raise CommandError(f"{_count(len(problems), 'problem')} in {checked}.")
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"No problems in {checked}."))

    def _official_codes(self, rows):
        """{(system, code): Code} for every official code the rows name; one query per CHUNK codes."""
        wanted = {}
        for row in rows:
            if row.system in code_format.OFFICIAL:
                wanted.setdefault(row.system, set()).add(row.value)
        found = {}
        for system, values in wanted.items():
            values = sorted(values)
            for start in range(0, len(values), CHUNK):
                for code in Code.objects.filter(system=system, code__in=values[start : start + CHUNK]):
                    found[system, code.code] = code
        return found

    def _check(self, row, official):
        label = f"{code_format.label(row.system)} {row.value}"
        try:
            canonical = code_format.normalise(row.system, row.value)
        except ValueError as error:
            yield f"{label}: {error}"
            return
        if canonical != row.value:
            yield f"{label} is not written in its canonical form, {canonical}."
        if row.system not in code_format.OFFICIAL:
            return
        code = official.get((row.system, row.value))
        if code is None:
            yield f"{label}: " + Code.objects.not_found_message(row.system, row.value)
            return
        if row.code_id != code.pk:
            yield f"{label} is not linked to the official code set; save it again in the admin to link it."
        if not code.title.strip():
            yield f"{label} has no official title in the loaded release."
        if row.role == ConditionCode.Role.PRIMARY and not code.is_billable:
            yield f"{label} is a primary code but not billable: the release has more specific codes under it."
