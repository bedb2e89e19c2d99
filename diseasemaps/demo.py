"""The demo staff accounts, one for each role, for a fresh machine. Development only: the
passwords are in the README, and `load_demo` refuses to run with DEBUG off unless told to."""

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from community.demo import demo_account

from . import roles

STAFF = [
    # email, display name, credentials, password, is_superuser, role (the group setup_roles made)
    ("editor@diseasemaps.example", "Demo Editor", "", "editor-demo-2026", False, roles.EDITOR),
    (
        "reviewer@diseasemaps.example",
        "Demo Reviewer",
        "MD, neurology (fictional demo account)",
        "reviewer-demo-2026",
        False,
        roles.REVIEWER,
    ),
    ("moderator@diseasemaps.example", "Demo Moderator", "", "moderator-demo-2026", False, roles.MODERATOR),
    ("admin@diseasemaps.example", "Demo Admin", "", "admin-demo-2026", True, None),
]


@transaction.atomic
def load_demo_staff():
    """Creates the demo staff in their groups; returns how many rows changed."""
    changed = 0
    groups = {group.name: group for group in Group.objects.filter(name__in=roles.ROLES)}
    now = timezone.now()
    for email, name, credentials, password, is_superuser, role in STAFF:
        # Staff are members too (they may join a community), and agreed at sign-up like every member.
        user, created = demo_account(
            email, name, make_password(password),
            credentials=credentials, is_staff=True, is_superuser=is_superuser,
            health_data_consent_at=now, age_confirmed_at=now,
        )  # fmt: skip
        changed += created
        if role and not user.groups.filter(name=role).exists():
            user.groups.add(groups[role])
            changed += 1
    return changed
