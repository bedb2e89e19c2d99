from django.core.management.base import BaseCommand, CommandError

from conditions.codes.audit import audit
from conditions.codes.release import RELEASES


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
        rows, problems = audit()
        for row, problem in problems:
            self.stdout.write(f"{row.condition.name} ({row.condition.get_status_display().lower()}): {problem}")
        conditions = len({row.condition_id for row in rows})
        checked = (
            f"{_count(len(rows), 'condition code')} of {_count(conditions, 'condition')} against the "
            + " and the ".join(RELEASES.values())
        )
        if problems:
            raise CommandError(f"{_count(len(problems), 'problem')} in {checked}.")
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"No problems in {checked}."))
