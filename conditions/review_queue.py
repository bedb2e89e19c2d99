"""The dashboard's lists for drafts and reviews: what reviewers must read, ranked by what matters to
readers, and what editors must act on. One function, review_queue_sections(), returns them in the
dashboard's section format (conditions/dashboard.py), so the dashboard can be assembled anywhere."""

from django.db.models import Case, IntegerField, OuterRef, Subquery, Value, When
from django.template.defaultfilters import truncatechars
from django.urls import reverse

from .models import Condition, Origin, Revision, Status, WorkflowStep

LIMIT = 20


def _url(name, pk):
    return reverse(f"admin:conditions_condition_{name}", args=[pk])


def _changelist(**params):
    return reverse("admin:conditions_condition_changelist") + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def _section(id, title, empty, rows, total, all_url=""):
    return {"id": id, "title": title, "empty": empty, "rows": rows, "total": total, "all_url": all_url}


def submitted(*, link="review", limit=LIMIT):
    """Drafts of live pages submitted for review, then new pages in review, oldest first. Four queries."""
    drafts = Revision.objects.filter(state=Revision.State.SUBMITTED).select_related("condition", "updated_by")
    new = Condition.objects.filter(status=Status.IN_REVIEW).only("name", "updated_at").order_by("updated_at")
    rows = [
        (d.condition.name, _url(link, d.condition_id),
         f"draft of the live page, submitted by {d.updated_by} on {d.updated_at:%-d %b %Y}")
        for d in drafts.order_by("updated_at")[:limit]
    ]  # fmt: skip
    rows += [(c.name, _url(link, c.pk), f"new page, not live yet, since {c.updated_at:%-d %b %Y}") for c in new[:limit]]
    return rows[:limit], drafts.count() + new.count()


def never_reviewed(limit=LIMIT, *, members=None):
    """Published pages no reviewer has signed off, the ones readers meet most first: pages with a
    community (most members first, by the `members` expression the project passes in: conditions
    knows nothing of members), then demo and editorial pages, then catalogue pages."""
    pages = (
        Condition.objects.published()
        .never_reviewed()
        .only("name", "origin")
        .annotate(
            members=members if members is not None else Value(0),
            catalogue=Case(When(origin=Origin.CATALOGUE, then=Value(1)), default=Value(0), output_field=IntegerField()),
        )
        .order_by("-members", "catalogue", "name")
    )
    rows = [
        (c.name, _url("sign_off", c.pk),
         f"{c.members} member{'s' if c.members != 1 else ''}, {Origin(c.origin).label.lower()}" if c.members
         else Origin(c.origin).label.lower())
        for c in pages[:limit]
    ]  # fmt: skip
    return rows, Condition.objects.published().never_reviewed().count()


def sent_back():
    """Drafts a reviewer sent back with a note, newest first: live pages' drafts, then new pages."""
    drafts = Revision.objects.filter(state=Revision.State.CHANGES_REQUESTED).select_related("condition")
    last_step = WorkflowStep.objects.filter(condition=OuterRef("pk")).order_by("-at", "-id")
    new = (
        Condition.objects.filter(status=Status.DRAFT)
        .annotate(
            last_action=Subquery(last_step.values("action")[:1]), last_note=Subquery(last_step.values("note")[:1])
        )
        .filter(last_action=WorkflowStep.Action.CHANGES_REQUESTED)
        .only("name")
    )
    rows = [
        (d.condition.name, _url("change", d.condition_id), f"“{truncatechars(d.note, 140)}”") for d in drafts[:LIMIT]
    ]
    rows += [(c.name, _url("change", c.pk), f"“{truncatechars(c.last_note, 140)}”") for c in new[:LIMIT]]
    return rows[:LIMIT], drafts.count() + new.count()


def review_queue_sections(user, *, members=None):
    """The drafts-and-reviews lists this user can act on; `members` ranks never-reviewed pages."""
    sections = []
    if user.has_perm("conditions.change_condition"):
        rows, total = sent_back()
        sections.append(_section("changes-requested", "Sent back to you with a reviewer's note",
                                 "No draft is waiting for changes.", rows, total))  # fmt: skip
        drafts = Revision.objects.filter(state=Revision.State.EDITING).select_related("condition", "created_by")
        rows = [
            (d.condition.name, _url("change", d.condition_id), f"started by {d.created_by} on {d.created_at:%-d %b %Y}")
            for d in drafts.order_by("-updated_at")[:LIMIT]
        ]
        sections.append(_section("drafts", "Drafts not yet submitted", "No draft in progress.", rows, drafts.count()))
    if user.has_perm("conditions.view_condition"):
        rows, total = submitted(link="review" if user.has_perm("conditions.sign_off_condition") else "change")
        sections.append(_section("in-review", "Submitted for review", "No draft is waiting for a medical reviewer.",
                                 rows, total))  # fmt: skip
    if user.has_perm("conditions.sign_off_condition"):
        rows, total = never_reviewed(members=members)
        sections.append(
            _section("never-reviewed", "Published, never reviewed (pages with a community first)",
                     "Every published page has been reviewed.", rows, total,
                     _changelist(review="never", status__exact=Status.PUBLISHED))
        )  # fmt: skip
    return sections
