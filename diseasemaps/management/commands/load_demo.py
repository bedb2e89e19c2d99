from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from community.demo import load_demo_community
from conditions.catalogue.demo import load_demo_conditions
from conditions.models import Code
from diseasemaps.demo import load_demo_staff


class Command(BaseCommand):
    help = (
        "Seed a fresh machine: the official code sets (if not loaded yet), the demo condition pages and "
        "the demo accounts with the LEMS community. Idempotent: a second run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production", action="store_true", help="Run even with DEBUG off (demo passwords are public)."
        )

    def handle(self, *args, allow_production, verbosity, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError("load_demo creates accounts with published passwords; run it with DEBUG=true.")
        if not Code.objects.exists():
            call_command("load_codesets", verbosity=verbosity)
        call_command("setup_roles", verbosity=0)  # the demo staff accounts join these groups
        changed = load_demo_conditions() + load_demo_staff() + load_demo_community()
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Demo content loaded: {changed} rows created or changed."))
