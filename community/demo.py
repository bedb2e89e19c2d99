"""Demo accounts and the LEMS community for a fresh machine. Development only: the passwords
are in the README, and `load_demo` refuses to run with DEBUG off unless told to."""

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from conditions import roles
from conditions.models import Condition

from .models import Follow, Membership, Role, User

STAFF = [
    # email, display name, credentials, password, is_superuser
    ("editor@diseasemaps.example", "Demo Editor", "", "editor-demo-2026", False),
    (
        "reviewer@diseasemaps.example",
        "Demo Reviewer",
        "MD, neurology (fictional demo account)",
        "reviewer-demo-2026",
        False,
    ),
    ("moderator@diseasemaps.example", "Demo Moderator", "", "moderator-demo-2026", False),
    ("admin@diseasemaps.example", "Demo Admin", "", "admin-demo-2026", True),
]
STAFF_ROLES = {  # the group each demo staff account works in (setup_roles creates them)
    "editor@diseasemaps.example": roles.EDITOR,
    "reviewer@diseasemaps.example": roles.REVIEWER,
    "moderator@diseasemaps.example": roles.MODERATOR,
}
MEMBER_PASSWORD = "member-demo-2026"
LEMS_MEMBERS = 23  # "we have seen 23 members join our community" (the seed page)
ROLE_CYCLE = [Role.PATIENT, Role.PATIENT, Role.CAREGIVER, Role.FAMILY, Role.PATIENT, Role.SUPPORTER, Role.CLINICIAN]


def _account(email, display_name, password_hash, **extra):
    user = User.objects.filter(email=email).first()
    if user:
        return user, 0
    user = User(email=email, username=email.split("@")[0], display_name=display_name, password=password_hash, **extra)
    user.save()
    return user, 1


@transaction.atomic
def load_demo_community():
    """Creates the demo staff and the 23 LEMS members; returns how many rows changed."""
    changed = 0
    groups = {group.name: group for group in Group.objects.filter(name__in=STAFF_ROLES.values())}
    for email, name, credentials, password, is_superuser in STAFF:
        user, created = _account(
            email, name, make_password(password),
            credentials=credentials, is_staff=True, is_superuser=is_superuser,
        )  # fmt: skip
        changed += created
        if email in STAFF_ROLES and not user.groups.filter(name=STAFF_ROLES[email]).exists():
            user.groups.add(groups[STAFF_ROLES[email]])
            changed += 1
    lems = Condition.objects.get(slug="lambert-eaton-myasthenic-syndrome")
    now = timezone.now()
    member_hash = make_password(MEMBER_PASSWORD)  # hashed once: the 23 accounts share it
    for n in range(1, LEMS_MEMBERS + 1):
        # The demo members agreed at sign-up, as every member does (forms.SignupForm).
        user, created = _account(
            f"member{n:02}@diseasemaps.example", f"Member {n:02}", member_hash,
            health_data_consent_at=now, age_confirmed_at=now,
        )  # fmt: skip
        changed += created
        _, created = Membership.objects.get_or_create(
            user=user, condition=lems, defaults={"role": ROLE_CYCLE[n % len(ROLE_CYCLE)]}
        )
        changed += created
        changed += Follow.objects.get_or_create(user=user, condition=lems)[1]
    return changed
