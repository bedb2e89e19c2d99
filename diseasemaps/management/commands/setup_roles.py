from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q

from diseasemaps.roles import ROLES


class Command(BaseCommand):
    help = (
        "Create or update the staff groups Editor, Medical reviewer and Moderator so each holds exactly "
        "the permissions in diseasemaps/roles.py (extra permissions are removed). Safe to re-run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say what would change, change nothing.")

    def handle(self, *args, dry_run, verbosity, **options):
        changes = []
        with transaction.atomic():
            for name, codenames in ROLES.items():
                wanted = self._permissions(codenames)
                group = Group.objects.filter(name=name).first()
                current = set(group.permissions.all()) if group else set()
                added = sorted(p.codename for p in wanted - current)
                removed = sorted(p.codename for p in current - wanted)
                if group is None:
                    changes.append(f"Create group {name} with {len(wanted)} permissions.")
                elif added or removed:
                    changes.append(f"Group {name}: add {added or 'nothing'}, remove {removed or 'nothing'}.")
                if dry_run:
                    continue
                group = group or Group.objects.create(name=name)
                group.permissions.set(wanted)
        if verbosity:
            for line in changes:
                self.stdout.write(("Would: " if dry_run else "") + line)
            if not changes:
                self.stdout.write("The roles already match; nothing changed.")
            elif not dry_run:
                self.stdout.write(self.style.SUCCESS(f"Roles set up: {len(changes)} group(s) changed."))

    def _permissions(self, codenames):
        """The Permission rows for "app.codename" strings, in one query; a missing one is an error."""
        lookups = Q()
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            lookups |= Q(content_type__app_label=app_label, codename=codename)
        found = set(Permission.objects.filter(lookups).select_related("content_type"))
        missing = set(codenames) - {f"{p.content_type.app_label}.{p.codename}" for p in found}
        if missing:
            raise CommandError(f"Unknown permissions (run migrate first?): {', '.join(sorted(missing))}")
        return found
