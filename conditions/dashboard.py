"""The editorial lists on the admin's dashboard: pages waiting for a reviewer, reviews falling
due, pages changed since review and codes failing the audit. The project's admin site
(diseasemaps/admin_site.py) puts them together with the other apps' lists.

A section is a dict: id, title, empty (the words when it has no row), all_url (the filtered
change list, or ""), total, and rows of (label, url, note). Each list shows only to those who can
act on it, and every row links to the place to act."""

from django.urls import reverse
from django.utils import timezone

from .codes.audit import failing_codes, failing_reason
from .models import REVIEW_DUE_WITHIN_DAYS, Condition
from .review_queue import review_queue_sections

LIMIT = 20  # rows per list; the "all" link opens the filtered change list


def changelist_url(app_label, model_name, **params):
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def first_rows(queryset):
    """The first LIMIT rows and the total, in two queries."""
    return list(queryset[:LIMIT]), queryset.count()


def _change_url(condition_id):
    return reverse("admin:conditions_condition_change", args=[condition_id])


def sections(user, *, today=None, members=None):
    """`members`: an expression counting a page's community, to rank pages never reviewed."""
    today = today or timezone.localdate()
    found = review_queue_sections(user, members=members)  # submitted drafts, then pages never reviewed
    if user.has_perm("conditions.view_condition"):
        conditions = Condition.objects.only("name", "slug", "status", "content_version").with_review_state()
        due, total = first_rows(conditions.review_due_or_overdue(today=today).order_by("next_review_on"))
        found.append(
            {
                "id": "review-due",
                "title": f"Review overdue or due in the next {REVIEW_DUE_WITHIN_DAYS} days",
                "empty": f"No review is due in the next {REVIEW_DUE_WITHIN_DAYS} days.",
                "all_url": changelist_url("conditions", "condition", review="due_or_overdue"),
                "total": total,
                "rows": [
                    (
                        c.name,
                        _change_url(c.pk),
                        ("overdue since " if c.next_review_on < today else "due ") + f"{c.next_review_on:%-d %b %Y}",
                    )
                    for c in due
                ],
            }
        )
        changed, total = first_rows(conditions.changed_since_review().order_by("-updated_at"))
        found.append(
            {
                "id": "changed",
                "title": "Changed since review",
                "empty": "Every reviewed page is as its reviewer signed it off.",
                "all_url": changelist_url("conditions", "condition", review="changed"),
                "total": total,
                "rows": [
                    (c.name, _change_url(c.pk), f"version {c.content_version}, reviewed version {c.reviewed_version}")
                    for c in changed
                ],
            }
        )
    if user.has_perm("conditions.change_condition"):
        codes, total = first_rows(failing_codes())
        found.append(
            {
                "id": "failing-codes",
                "title": "Codes failing the audit",
                "empty": "Every ICD-10-CM and ICD-9-CM code on a page is in the official code set.",
                "all_url": "",
                "total": total,
                "rows": [
                    (
                        f"{code.condition.name}: {code}",
                        f"{_change_url(code.condition_id)}#codes-group",
                        failing_reason(code),
                    )
                    for code in codes
                ],
            }
        )
    return found
