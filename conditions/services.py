import datetime

from django.db import transaction
from django.utils import timezone

from .models import Condition, Review

REVIEW_INTERVAL = datetime.timedelta(days=365)  # next review due 12 months after sign-off


@transaction.atomic
def review_sign_off(*, condition, reviewer, reviewed_on=None, next_review_on=None, notes=""):
    """A medical reviewer signs off the page as it stands now (its current content version)."""
    reviewed_on = reviewed_on or timezone.localdate()
    review = Review.objects.create(
        condition=condition,
        reviewer=reviewer,
        reviewer_name=reviewer.display_name or reviewer.get_full_name() or reviewer.username,
        reviewer_credentials=reviewer.credentials,
        reviewed_on=reviewed_on,
        next_review_on=next_review_on or reviewed_on + REVIEW_INTERVAL,
        content_version=condition.content_version,
        notes=notes,
    )
    Condition.objects.filter(pk=condition.pk).update(last_reviewed_on=reviewed_on)
    condition.last_reviewed_on = reviewed_on
    return review
