from .rebuild_derived import Command as RebuildDerived


class Command(RebuildDerived):
    help = "The former name of rebuild_derived, kept for the backup procedures that use it. " + RebuildDerived.help
