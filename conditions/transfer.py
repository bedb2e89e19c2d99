"""The editorial content as one JSON document: export_conditions writes it, import_conditions
reads it. The format is documented in the README ("The export format").

Everything is in a stable order (conditions by slug, then each list by its own key), so
export → import into an empty site → export gives the same bytes."""

import json

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch

from . import derived
from .models import Condition, ConditionCode, Reference, Review, Revision, Status, Synonym

FORMAT = "diseasemaps-conditions"
VERSION = 1
PAGE_FIELDS = ["slug", "name", "acronym", "status", "origin", "content_version", *Condition.MEDICAL_FIELDS]
CODE_FIELDS = ["system", "value", "role", "fit", "note"]
REFERENCE_FIELDS = ["title", "publisher", "url", "published", "order"]
REVIEW_FIELDS = ["reviewer_name", "reviewer_credentials", "reviewed_on", "next_review_on", "content_version", "notes"]
DRAFT_KEYS = {"state", "base_version", "started_by", "note", "content"}
RECORD_KEYS = {*PAGE_FIELDS, "synonyms", "codes", "references", "related", "reviews", "draft"}
# Sections added after files were first written: a file without them reads them as empty.
ADDED_FIELDS = dict.fromkeys(["urgent_help", "medicines_to_mention", "questions_to_ask", "patient_organisations"], "")
OPTIONAL_KEYS = {"draft", *ADDED_FIELDS}  # files written before revisions have no draft


def export_document():
    """The whole editorial content as a dict, in a fixed number of queries."""
    conditions = Condition.objects.order_by("slug").prefetch_related(
        "synonyms",
        "references",
        "codes",
        Prefetch("related", queryset=Condition.objects.only("slug")),
        Prefetch("reviews", queryset=Review.objects.select_related("reviewer")),
        Prefetch("revisions", queryset=Revision.objects.open().select_related("created_by"), to_attr="open_revisions"),
    )
    return {"format": FORMAT, "version": VERSION, "conditions": [condition_record(c) for c in conditions]}


def condition_record(condition):
    """One condition as its export record; sorts prefetched relations in Python."""
    return {
        **{field: getattr(condition, field) for field in PAGE_FIELDS},
        "synonyms": sorted(s.name for s in condition.synonyms.all()),
        "codes": [
            {field: getattr(code, field) for field in CODE_FIELDS}
            for code in sorted(condition.codes.all(), key=lambda c: (c.system, c.value))
        ],
        "references": [
            {field: getattr(ref, field) for field in REFERENCE_FIELDS}
            for ref in sorted(condition.references.all(), key=lambda r: (r.order, r.id))
        ],
        "related": sorted(c.slug for c in condition.related.all()),
        "reviews": [
            {"reviewer": review.reviewer.email, **{field: _plain(getattr(review, field)) for field in REVIEW_FIELDS}}
            for review in sorted(condition.reviews.all(), key=lambda r: (r.reviewed_on, r.id))
        ],
        "draft": _draft_record(condition),
    }


def _draft_record(condition):
    """The page's open draft (a live page's next version), or None."""
    revisions = getattr(condition, "open_revisions", None)
    if revisions is None:
        revisions = list(Revision.objects.open().filter(condition=condition).select_related("created_by"))
    if not revisions:
        return None
    revision = revisions[0]
    return {
        "state": revision.state,
        "base_version": revision.base_version,
        "started_by": revision.created_by.email,
        "note": revision.note,
        "content": {field: revision.content.get(field, "") for field in Revision.FIELDS},
    }


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def dumps(document):
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


class Problems(Exception):
    def __init__(self, problems):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


class _DryRun(Exception):
    pass


def import_document(document, *, dry_run=False):
    """Validates every record and writes all of them, or none: raises Problems listing each
    failing record and what is wrong with it. Returns (created, unchanged) slugs.

    Pages go through the workflow like any other: saved as drafts, their reviews recorded, then
    moved on to their status, so the publish gate in Condition.clean() checks each one."""
    problems = []
    if not isinstance(document, dict) or document.get("format") != FORMAT or document.get("version") != VERSION:
        raise Problems([("the file", f'is not a {FORMAT} document, version {VERSION} ("format" and "version")')])
    records = document.get("conditions")
    if not isinstance(records, list):
        raise Problems([("the file", 'has no "conditions" list')])
    created, unchanged = [], []
    try:
        with transaction.atomic(), derived.refreshing():  # once for every page, not per saved row
            saved = {}
            for i, record in enumerate(records):
                label = f"conditions[{i}] ({record.get('slug', '?') if isinstance(record, dict) else '?'})"
                condition = _import_condition(record, label, problems, created, unchanged)
                if condition is not None:
                    saved[condition.slug] = (condition, record, label)
            for condition, record, label in saved.values():
                _finish_condition(condition, record, label, problems)
            if problems:
                raise Problems(problems)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return created, unchanged


def _errors(error):
    if hasattr(error, "message_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
    return " ".join(error.messages)


def _import_condition(record, label, problems, created, unchanged):
    """Saves the page as a draft with its synonyms, codes and sources; None when it cannot."""
    if not isinstance(record, dict):
        problems.append((label, "is not an object"))
        return None
    unknown, missing = set(record) - RECORD_KEYS, RECORD_KEYS - OPTIONAL_KEYS - set(record)
    if unknown or missing:
        problems.append((label, f"unknown keys {sorted(unknown)}, missing keys {sorted(missing)}"))
        return None
    record = {**ADDED_FIELDS, **record}
    existing = Condition.objects.filter(slug=record["slug"]).first()
    if existing is not None:
        current = condition_record(existing)
        if _comparable(current) == _comparable({"draft": None, **record}):
            unchanged.append(existing.slug)
        else:
            problems.append(
                (label, "a page with this slug already exists with different content; edit it in the admin")
            )
        return None
    condition = Condition(**{f: record[f] for f in PAGE_FIELDS if f != "status"}, status=Status.DRAFT)
    ok = _valid(condition, label, problems)
    if ok:
        condition._change_reason = "Imported"
        condition.save()
    children = [
        *(("synonyms", i, Synonym(name=name)) for i, name in enumerate(record["synonyms"])),
        *(("codes", i, ConditionCode(**code)) for i, code in enumerate(record["codes"])),
        *(("references", i, Reference(**ref)) for i, ref in enumerate(record["references"])),
    ]
    for key, i, child in children:
        child.condition = condition if ok else None
        if _valid(child, f"{label} {key}[{i}] {child}", problems, exclude=None if ok else ["condition"]) and ok:
            child.save()
    if ok:
        created.append(condition.slug)
        return condition
    return None


def _comparable(record):
    return json.loads(json.dumps(record, default=str))


def _valid(obj, label, problems, exclude=None):
    try:
        obj.full_clean(exclude=exclude)
    except (ValidationError, TypeError) as error:
        problems.append((label, _errors(error) if isinstance(error, ValidationError) else str(error)))
        return False
    return True


def _finish_condition(condition, record, label, problems):
    """Related pages, review records (reviewers found by e-mail, or created as inactive accounts
    with no password so the record keeps pointing at a person), then the page's status."""
    related = Condition.objects.filter(slug__in=record["related"])
    missing = set(record["related"]) - {c.slug for c in related}
    if missing:
        problems.append((label, f"related pages not in the file or the site: {', '.join(sorted(missing))}"))
    condition.related.set(related)
    reviews = []
    for i, data in enumerate(record["reviews"]):
        if not isinstance(data, dict) or not data.get("reviewer"):
            problems.append((f"{label} reviews[{i}]", "reviewer: the reviewer's e-mail address is required"))
            continue
        review = Review(condition=condition, reviewer=_reviewer(data), **{f: data.get(f) for f in REVIEW_FIELDS})
        if _valid(review, f"{label} reviews[{i}]", problems):
            review.save()
            reviews.append(review)
    if reviews:
        latest = max(reviews, key=lambda r: (r.reviewed_on, r.id))
        condition.last_reviewed_on = latest.reviewed_on
    path = _PATHS.get(record["status"])
    if path is None:
        problems.append((label, f"status: unknown status {record['status']!r}"))
        return
    # A page published when it was signed off and edited since ("changed since review") passes
    # the gate at the version its reviewer signed, then takes the version it has reached.
    version = condition.content_version
    if path and path[-1] == Status.PUBLISHED and reviews and latest.content_version < version:
        Condition.objects.filter(pk=condition.pk).update(content_version=latest.content_version)
        condition.content_version = latest.content_version
    for status in path:
        condition.status = status
        if not _valid(condition, label, problems):
            return
        condition._change_reason = "Imported"
        condition.save()
    Condition.objects.filter(pk=condition.pk).update(
        content_version=version, last_reviewed_on=condition.last_reviewed_on
    )
    condition.content_version = version
    _import_draft(condition, record.get("draft"), label, problems)


def _import_draft(condition, data, label, problems):
    """The open draft of a live page, as the export wrote it."""
    if data is None:
        return
    if not isinstance(data, dict) or set(data) != DRAFT_KEYS or not isinstance(data["content"], dict):
        problems.append((f"{label} draft", f"must be null or an object with the keys {sorted(DRAFT_KEYS)}"))
        return
    if condition.status != Status.PUBLISHED:
        problems.append((f"{label} draft", "only a published page has a separate draft"))
        return
    data = {**data, "content": {**ADDED_FIELDS, **data["content"]}}
    if data["state"] not in Revision.OPEN_STATES or set(data["content"]) != set(Revision.FIELDS):
        problems.append((f"{label} draft", f"state is one of {Revision.OPEN_STATES}; content has {Revision.FIELDS}"))
        return
    editor = _reviewer({"reviewer": data["started_by"] or "unknown@diseasemaps.invalid"})
    Revision.objects.create(condition=condition, content=data["content"], state=data["state"],
                            base_version=data["base_version"], note=data["note"], created_by=editor,
                            updated_by=editor)  # fmt: skip


# The workflow steps from a new draft to each status (see TRANSITIONS).
_PATHS = {
    Status.DRAFT: [],
    Status.IN_REVIEW: [Status.IN_REVIEW],
    Status.PUBLISHED: [Status.IN_REVIEW, Status.PUBLISHED],
}


def _reviewer(data):
    email = data["reviewer"].strip()
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        username, n = email.split("@")[0], 1
        while User.objects.filter(username=username).exists():
            n += 1
            username = f"{email.split('@')[0]}{n}"
        user = User(email=email, username=username, display_name=data.get("reviewer_name", "")[:60],
                    credentials=data.get("reviewer_credentials", ""), is_active=False)  # fmt: skip
        user.set_unusable_password()
        user.save()
    return user
