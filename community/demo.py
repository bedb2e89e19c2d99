"""The LEMS community's demo members for a fresh machine (diseasemaps/demo.py makes the staff).
Development only: the passwords are in the README, and `load_demo` refuses to run with DEBUG off unless told to."""

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from conditions.models import Condition

from .models import Follow, Membership, Role, User

MEMBER_PASSWORD = "member-demo-2026"
LEMS_MEMBERS = 23  # "we have seen 23 members join our community" (the seed page)
ROLE_CYCLE = [Role.PATIENT, Role.PATIENT, Role.CAREGIVER, Role.FAMILY, Role.PATIENT, Role.SUPPORTER, Role.CLINICIAN]


def demo_account(email, display_name, password_hash, **extra):
    """(user, 1) for a new demo account, (user, 0) when it exists already."""
    user = User.objects.filter(email=email).first()
    if user:
        return user, 0
    user = User(email=email, username=email.split("@")[0], display_name=display_name, password=password_hash, **extra)
    user.save()
    return user, 1


@transaction.atomic
def load_demo_community():
    """Creates the 23 LEMS members; returns how many rows changed."""
    changed = 0
    lems = Condition.objects.get(slug="lambert-eaton-myasthenic-syndrome")
    now = timezone.now()
    member_hash = make_password(MEMBER_PASSWORD)  # hashed once: the 23 accounts share it
    for n in range(1, LEMS_MEMBERS + 1):
        # The demo members agreed at sign-up, as every member does (forms.SignupForm).
        user, created = demo_account(
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
