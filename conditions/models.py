import datetime
import functools
import hashlib
import json
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import Exists, F, OuterRef, Prefetch, Q, Subquery
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.http import RFC3986_SUBDELIMS
from markdownx.models import MarkdownxField
from simple_history.models import HistoricalRecords

from . import organisations
from .catalogue.names import INDEX_ORDER_LENGTH, index_order, lower_first
from .codes import format as code_format
from .codes.lookup import CodeQuerySet
from .markdown import MAX_LENGTH, TOO_LONG, normalise_newlines, render
from .validators import no_bidi_controls


def from_sql(model, sql, params, using="default"):
    """Instances of `model` from plain SQL, as `model.objects.raw(sql, params)` makes them (a
    column that is not one of its fields becomes an attribute), without raw()'s set-up for every
    query: 0.03 ms each, and a search page runs two. For columns the database driver returns as
    Python values already (text, numbers, dates): no field's converters are applied."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        columns = tuple(column[0] for column in cursor.description)
        rows = cursor.fetchall()
    fields, places, extra = _columns_read(model, columns)
    instances = []
    for row in rows:
        instance = model.from_db(using, fields, [row[place] for place in places])
        for place, name in extra:
            setattr(instance, name, row[place])
        instances.append(instance)
    return instances


@functools.lru_cache(maxsize=32)
def _columns_read(model, columns):
    """from_sql()'s plan for these columns: (the model's fields among them, in the model's own order
    as Model.from_db() takes them; their places in a row; (place, name) of the other columns)."""
    fields = [field.attname for field in model._meta.concrete_fields if field.attname in columns]
    places = [columns.index(name) for name in fields]
    return fields, places, [(place, name) for place, name in enumerate(columns) if name not in fields]


def fingerprint(*values):
    """A short digest of the values a person was shown, for optimistic concurrency checks."""
    return hashlib.sha256(json.dumps(values, default=str).encode()).hexdigest()[:32]


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"


# Where a page stands for readers: draft → in review → published. A reviewer's sign-off publishes
# a page in review, or sends it back to draft with a note. A published page stays published while
# its next version is written and reviewed as a Revision; only "Unpublish" (revisions.py) takes it
# back to draft.
TRANSITIONS = {
    Status.DRAFT: {Status.IN_REVIEW},
    Status.IN_REVIEW: {Status.DRAFT, Status.PUBLISHED},
    Status.PUBLISHED: {Status.DRAFT},
}


# A review falls due this many days before its next review date: the admin's filters, the
# dashboard and Condition.review_state all count from here.
REVIEW_DUE_WITHIN_DAYS = 30

# A page's review state as the admin lists and filters it (Condition.review_state).
REVIEW_STATES = {
    "current": "Reviewed, current",
    "due": f"Review due in {REVIEW_DUE_WITHIN_DAYS} days",
    "overdue": "Review overdue",
    "changed": "Changed since review",
    "never": "Never reviewed",
}


class Origin(models.TextChoices):
    EDITORIAL = "editorial", "Written by our editors"
    DEMO = "demo", "Demo content"
    CATALOGUE = "catalogue", "Catalogue entry"


class CodeManager(models.Manager.from_queryset(CodeQuerySet)):
    def get_by_natural_key(self, system, code):
        return self.get(system=system, code=code)


def address(view_name, *args):
    """reverse(view_name, args=args) for a page whose last argument is a path segment of its own
    (a code, a slug). The rest of the address is the same for every such page and is looked up
    once: reverse() took 12 us a link, and lists show dozens, the sitemap thousands."""
    before, after = _address_around(view_name, args[:-1], get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    return f"{before}{quote(str(args[-1]), safe=RFC3986_SUBDELIMS + '/~:@')}{after}"  # as reverse() quotes


@functools.lru_cache(maxsize=64)  # bounded: the URLconf and the script prefix come with the request
def _address_around(view_name, args, urlconf, script_prefix):
    before, _, after = reverse(view_name, args=[*args, "0"], urlconf=urlconf).rpartition("/0/")
    return f"{before}/", f"/{after}"


class Code(models.Model):
    """One entry of an official code set (ICD-10-CM or ICD-9-CM), loaded by load_codesets."""

    class Kind(models.TextChoices):
        CHAPTER = "chapter", "Chapter"
        BLOCK = "block", "Block"
        CATEGORY = "category", "Category"
        SUBCATEGORY = "subcategory", "Subcategory"
        CODE = "code", "Code"

    system = models.CharField(max_length=12, choices=code_format.OFFICIAL_CHOICES)
    code = models.CharField(max_length=12, help_text="Canonical form, with the dot: G70.81, 358.30.")
    title = models.CharField(max_length=400)
    kind = models.CharField(max_length=12, choices=Kind)
    parent = models.ForeignKey("self", models.CASCADE, null=True, blank=True, related_name="children")
    is_billable = models.BooleanField(default=False)
    # Inclusion terms, excludes, code first / code also notes, as the release carries them.
    notes = models.JSONField(default=dict, blank=True)
    objects = CodeManager()

    class Meta:
        ordering = ["system", "code"]
        constraints = [
            models.UniqueConstraint(fields=["system", "code"], name="conditions_code_unique"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    def natural_key(self):
        """A backup names a page's code as ("icd-10-cm", "G70.80"), not by row id: the code sets
        are reloaded by load_codesets, whose ids differ from one database to the next (README)."""
        return (self.system, self.code)

    def get_absolute_url(self):
        return address("conditions:code-detail", self.system, self.code)

    @property
    def system_label(self):
        return code_format.label(self.system)


class CodeMapping(models.Model):
    """A row of the CMS General Equivalence Mappings (GEMs), in the direction of source → target."""

    source = models.ForeignKey(Code, models.CASCADE, related_name="mappings")
    target = models.ForeignKey(Code, models.CASCADE, related_name="+")
    is_approximate = models.BooleanField(default=False)
    is_combination = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="conditions_codemapping_unique"),
        ]

    def __str__(self):
        return f"{self.source.code} → {self.target.code}"


def page_prefetches():
    """The related rows a condition page prints (see ConditionQuerySet.for_page and conditions/pages.py)."""
    return [
        "synonyms",
        "references",
        Prefetch("codes", queryset=ConditionCode.objects.select_related("code")),
        "reviews",  # newest first (Review.Meta.ordering)
        Prefetch("related", queryset=Condition.objects.published().only("name", "slug", "acronym")),
        Prefetch(
            "signs",
            queryset=ConditionSymptom.objects.select_related("symptom").order_by(
                "frequency_rank", "-symptom__specificity", "symptom__name"
            ),
        ),
        "facts",
    ]


class ConditionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def with_community(self):
        """Pages whose community page is reachable: published ones, and those unpublished while
        they are revised (the community is not punished for its page's rewrite)."""
        return self.filter(Q(status=Status.PUBLISHED) | Q(unpublished_at__isnull=False))

    def for_page(self):
        """Everything the condition page's stored parts print, in a fixed number of queries."""
        return self.prefetch_related(*page_prefetches())

    def for_search_results(self, ids):
        """The published ones of these conditions (ids), by id, with what a search result prints:
        name, link, review date and stored summary HTML (`summary_html`), in one query. Plain SQL,
        and the status checked here rather than in it: the ORM took 0.2 ms to compile this for a
        2.3 ms search page, and asked for the status, SQLite walked the status index over every
        published page to find 34 rows by id."""
        ids = list(ids)
        if not ids:
            return {}
        postgresql = connections[self.db].vendor == "postgresql"
        summary = "rendered ->> 'summary'" if postgresql else "json_extract(rendered, '$.summary')"
        found = from_sql(
            self.model,
            f"SELECT id, name, slug, acronym, origin, last_reviewed_on, status, {summary} AS summary_html "
            f"FROM {self.model._meta.db_table} WHERE id IN ({', '.join(['%s'] * len(ids))})",
            ids,
            using=self.db,
        )
        return {condition.pk: condition for condition in found if condition.status == Status.PUBLISHED}

    def indexable(self):
        """Pages worth a search engine's visit: written by people (editorial or demo text) or
        carrying a definition. Other catalogue pages are marked noindex and left out of the sitemap."""
        definition = ConditionFact.objects.definitions().filter(condition=OuterRef("pk"))
        return self.filter(~Q(origin=Origin.CATALOGUE) | Q(Exists(definition)))

    def recently_reviewed(self):
        return self.published().exclude(last_reviewed_on=None).order_by("-last_reviewed_on", "name")

    def with_review_state(self):
        """Annotates the newest review's content version and next review date (two subqueries)."""
        if "reviewed_version" in self.query.annotations:
            return self
        latest = Review.objects.filter(condition=OuterRef("pk")).newest_first()
        return self.annotate(
            reviewed_version=Subquery(latest.values("content_version")[:1]),
            next_review_on=Subquery(latest.values("next_review_on")[:1]),
        )

    def review_current(self):
        return self.with_review_state().filter(reviewed_version=F("content_version"))

    def changed_since_review(self):
        """Signed off once, edited since: the public page says so until a reviewer signs it off again."""
        return self.with_review_state().exclude(reviewed_version=None).exclude(reviewed_version=F("content_version"))

    def never_reviewed(self):
        return self.with_review_state().filter(reviewed_version=None)

    def review_due(self, *, today=None):
        """Next review falls between today and REVIEW_DUE_WITHIN_DAYS from now."""
        today = today or timezone.localdate()
        return self.with_review_state().filter(next_review_on__gte=today, next_review_on__lte=_due_by(today))

    def review_overdue(self, *, today=None):
        return self.with_review_state().filter(next_review_on__lt=today or timezone.localdate())

    def review_due_or_overdue(self, *, today=None):
        return self.with_review_state().filter(next_review_on__lte=_due_by(today or timezone.localdate()))


def _due_by(today):
    return today + datetime.timedelta(days=REVIEW_DUE_WITHIN_DAYS)


class Condition(models.Model):
    # The fields a medical reviewer signs off; editing one after sign-off needs a new review.
    MARKDOWN_FIELDS = [
        "summary", "clinical_significance", "symptoms", "causes", "diagnosis", "treatment", "living_with",
        "urgent_help", "medicines_to_mention", "questions_to_ask", "coding_notes",
    ]  # fmt: skip
    MEDICAL_FIELDS = [*MARKDOWN_FIELDS, "patient_organisations"]
    SECTIONS = [
        ("clinical_significance", "Clinical significance"),
        ("symptoms", "Symptoms"),
        ("causes", "Causes"),
        ("diagnosis", "Diagnosis"),
        ("treatment", "Treatment"),
        ("living_with", "Living with it"),
        ("urgent_help", "When to get urgent help"),
        ("medicines_to_mention", "Medicines and anaesthesia to mention"),
        ("questions_to_ask", "Questions to ask your doctor"),
        ("coding_notes", "Coding notes"),
    ]

    name = models.CharField(max_length=200, unique=True, validators=[no_bidi_controls])
    slug = models.SlugField(max_length=200, unique=True)
    acronym = models.CharField(max_length=30, blank=True, validators=[no_bidi_controls])
    summary = MarkdownxField(help_text="The short answer: two or three plain sentences a patient understands.")
    clinical_significance = MarkdownxField(blank=True, help_text="What the diagnosis means and why it matters.")
    symptoms = MarkdownxField(blank=True)
    causes = MarkdownxField(blank=True)
    diagnosis = MarkdownxField(blank=True, help_text="The diagnosis pathway: the tests, in the order they happen.")
    treatment = MarkdownxField(blank=True)
    living_with = MarkdownxField(blank=True, help_text="Day-to-day life, support and community.")
    urgent_help = MarkdownxField(
        "when to get urgent help", blank=True,
        help_text="The signs that mean a reader should get help straight away (an ambulance or the emergency "
        "department), and what to tell the team when they arrive. A short list, from the page's sources. The page "
        "shows it in a box that stands out.",
    )  # fmt: skip
    medicines_to_mention = MarkdownxField(
        "medicines and anaesthesia to mention", blank=True,
        help_text="Medicines, and kinds of anaesthesia, that a reader should tell any doctor, dentist or surgeon "
        "about before a treatment or an operation, and why. A short list, from the page's sources. Also printed "
        "on the sheet to take to the doctor.",
    )  # fmt: skip
    questions_to_ask = MarkdownxField(
        "questions to ask your doctor", blank=True,
        help_text="Questions a reader may want to ask at a visit, one per line as a list (start each with “- ”). "
        "Printed on the sheet to take to the doctor in place of the general questions; keep it to six or fewer.",
    )  # fmt: skip
    patient_organisations = models.TextField(
        blank=True,
        help_text="One organisation per line: its name, the country it works in, and its web address, separated by "
        "“|”. For example: “Example Patient Group | United Kingdom | https://www.example.org/”. The address must "
        "start with https://. Shown first under “Get help”.",
    )  # fmt: skip
    coding_notes = MarkdownxField(blank=True, help_text="For coders: which code when, code-first and code-also rules.")
    rendered = models.JSONField(default=dict, editable=False)  # field name → sanitised HTML, set in save()
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    origin = models.CharField(
        max_length=10, choices=Origin, default=Origin.EDITORIAL,
        help_text="Demo and catalogue text is labelled as not reviewed until a reviewer signs the page off.",
    )  # fmt: skip
    related = models.ManyToManyField("self", blank=True)
    # Set by "Unpublish", cleared when the page is published again: its community stays reachable.
    unpublished_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Bumped whenever a medical field changes; a review signs off one version.
    content_version = models.PositiveIntegerField(default=1, editable=False)
    # Denormalised from the newest Review so lists and the home page need no join.
    last_reviewed_on = models.DateField(null=True, blank=True, editable=False)
    # The page's editorial parts as HTML, stored at first view and emptied by any change to the
    # page or what it shows (conditions/pages.py); page_serial counts those changes.
    page_parts = models.JSONField(default=dict, blank=True, editable=False)
    page_serial = models.PositiveIntegerField(default=0, editable=False)
    # The community box beside the short answer (member count, newest stories) as HTML, stored at
    # first view by community_tags.community_box and emptied when the community changes
    # (derived.refresh with cache_only) or the parts are rendered again (pages.parts_for).
    community_part = models.TextField(blank=True, editable=False)
    # The name's place in the A–Z index (catalogue.names.index_order), set in save() and by bulk writers.
    index_order = models.CharField(max_length=INDEX_ORDER_LENGTH, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    objects = ConditionQuerySet.as_manager()
    # Every saved version, with who saved it; derived fields are not kept.
    history = HistoricalRecords(
        excluded_fields=["rendered", "page_parts", "page_serial", "community_part", "index_order"]
    )

    class Meta:
        ordering = ["name"]
        permissions = [
            ("sign_off_condition", "Can sign off a page as its medical reviewer"),
            ("unpublish_condition", "Can take a published page off the site"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="conditions_condition_status_valid"),
        ]
        indexes = [
            # home page: recently reviewed published conditions
            models.Index(fields=["status", "-last_reviewed_on"], name="conditions_condition_reviewed"),
            # the A–Z index: published pages in natural order, a page at a time
            models.Index(fields=["status", "index_order", "name"], name="conditions_condition_a_to_z"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return address("conditions:detail", self.slug)

    # A loader rewriting its own demo text sets this: that is no editor's takeover.
    is_loader_text = False
    # The admin sets this when a live page's new words go to its draft (ConditionAdmin.save_model).
    edits_go_to_draft = False
    # revisions.revision_approve sets this while it copies the approved draft onto the live row.
    approving_draft = False

    def save(self, *args, **kwargs):
        # The version counts from the stored row, not from this instance, so a stale or restored
        # instance can never reuse a version number a review has already signed off.
        stored = self._stored()
        if stored is not None:
            if self._takes_over(stored):  # stays live, labelled as not reviewed, until signed off
                self.origin = Origin.EDITORIAL
            self.content_version = self._next_version(stored)
        self.rendered = {field: render(getattr(self, field)) for field in self.MARKDOWN_FIELDS}
        self.index_order = index_order(self.name)
        if self.status == Status.PUBLISHED:
            self.unpublished_at = None
        super().save(*args, **kwargs)

    def _stored(self):
        """The saved row's workflow fields and medical text, or None for a new page. Queries once."""
        if self.pk is None:
            return None
        fields = ["status", "origin", "content_version", *self.MEDICAL_FIELDS]
        return Condition.objects.filter(pk=self.pk).values(*fields).first()

    def _medical_text_changed(self, stored):
        return any(stored[f] != getattr(self, f) for f in self.MEDICAL_FIELDS)

    def _next_version(self, stored):
        return stored["content_version"] + 1 if self._medical_text_changed(stored) else stored["content_version"]

    def _takes_over(self, stored):
        """The takeover rule, for every path (admin, services, imports, the shell): changing the
        medical text of a demo or catalogue page makes it our editors' page, which must be signed
        off by a reviewer before it is published again."""
        return (
            stored["origin"] != Origin.EDITORIAL
            and self.origin != Origin.EDITORIAL
            and not self.is_loader_text
            and self._medical_text_changed(stored)
        )

    def version_token(self):
        """A fingerprint of the words an editor sees (name, acronym, medical text). A form that
        acts on what it showed, such as a restore, carries it, and is refused once it no longer matches."""
        return fingerprint(self.name, self.acronym, *(getattr(self, f) for f in self.MEDICAL_FIELDS))

    def clean(self):
        """The editorial workflow, for the admin, imports and the shell alike.

        Status moves draft → in review → published (TRANSITIONS). An editorial page is published
        only with a current sign-off: the newest review covers the version this save produces.
        Demo and catalogue pages are published by their loaders and labelled "not yet reviewed"
        on the page; they become editorial when an editor changes their medical text (_takes_over)
        or a reviewer signs them off, and from then on the gate applies to them too."""
        super().clean()
        for field in self.MEDICAL_FIELDS:
            setattr(self, field, normalise_newlines(getattr(self, field)))
        too_long = {field: TOO_LONG for field in self.MEDICAL_FIELDS if len(getattr(self, field)) > MAX_LENGTH}
        if too_long:
            raise ValidationError(too_long)
        # Checked for drafts too: a bad line would otherwise wait in the draft until approval.
        _, problems = organisations.parse(self.patient_organisations)
        if problems:
            raise ValidationError({"patient_organisations": problems})
        if self.edits_go_to_draft or self.approving_draft:
            # The live row keeps its words while a draft is written; an approved draft is signed off
            # in the same transaction (revisions.revision_approve), which makes the page editorial.
            return
        stored = self._stored()
        if stored and self._takes_over(stored):
            self.origin = Origin.EDITORIAL
        if stored and stored["origin"] == Origin.EDITORIAL and self.origin != Origin.EDITORIAL:
            raise ValidationError({"origin": "A page written or taken over by our editors stays editorial."})
        old_status = stored["status"] if stored else None
        if old_status and self.status != old_status and self.status not in TRANSITIONS.get(old_status, ()):
            raise ValidationError(
                {"status": f"A {Status(old_status).label.lower()} page cannot go straight to "
                 f"{Status(self.status).label.lower()}: submit it for review first."}
            )  # fmt: skip
        if self.status != Status.PUBLISHED or self.origin != Origin.EDITORIAL:
            return
        # A page already live as editorial stays live when edited; it shows "Changed since review".
        if stored and old_status == Status.PUBLISHED and stored["origin"] == Origin.EDITORIAL:
            return
        version = self._next_version(stored) if stored else self.content_version
        latest = self.reviews.first() if self.pk else None
        if latest is None or latest.content_version != version:
            raise ValidationError(
                {"status": "This page can be published only after a medical reviewer signs off this version. "
                 "Submit it for review instead."}
            )  # fmt: skip

    @property
    def title(self):
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def sections(self):
        """(heading, html) for each section with text, in reading order."""
        return [(label, self.rendered.get(field, "")) for field, label in self.SECTIONS if getattr(self, field)]

    def is_indexable(self):
        """The rule of ConditionQuerySet.indexable() for one page; uses the prefetched facts."""
        return self.origin != Origin.CATALOGUE or any(f.kind == ConditionFact.Kind.DEFINITION for f in self.facts.all())

    def facts_by_kind(self):
        """{kind: [ConditionFact]} from the prefetched facts."""
        grouped = {}
        for fact in self.facts.all():
            grouped.setdefault(fact.kind, []).append(fact)
        return grouped

    def sign_groups(self):
        """The page's signs as [(heading, [ConditionSymptom])]: symptoms by body system (the group
        with the most frequent sign first), then test and laboratory findings, then tumours that
        can come with it. Uses the prefetched signs, already most frequent and specific first."""
        by_system, findings, tumours = {}, [], []
        for sign in self.signs.all():
            if sign.symptom.category == Symptom.Category.FINDING:
                findings.append(sign)
            elif sign.symptom.category == Symptom.Category.TUMOUR:
                tumours.append(sign)
            else:
                by_system.setdefault(sign.symptom.body_system or "Other signs", []).append(sign)
        groups = list(by_system.items())
        if findings:
            groups.append(("Test and laboratory findings", findings))
        if tumours:
            groups.append(("Tumours that can occur with it", tumours))
        return groups

    def latest_review(self):
        """The newest review; uses the prefetched reviews (page_prefetches)."""
        reviews = list(self.reviews.all())
        return reviews[0] if reviews else None

    def is_review_current(self, review=None):
        review = review or self.latest_review()
        return review is not None and review.content_version == self.content_version

    @property
    def review_state(self):
        """A key of REVIEW_STATES, from with_review_state()'s annotations (no query)."""
        if self.reviewed_version is None:
            return "never"
        if self.reviewed_version != self.content_version:
            return "changed"
        today = timezone.localdate()
        if self.next_review_on < today:
            return "overdue"
        if self.next_review_on <= _due_by(today):
            return "due"
        return "current"


class RevisionQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=Revision.OPEN_STATES)


class Revision(models.Model):
    """A page's working draft: the words an editor is changing on a live page, kept apart from the
    live row so readers (page, community, search, sitemap, feed) go on seeing the published version
    until a medical reviewer approves this revision. One open revision per page."""

    class State(models.TextChoices):
        EDITING = "editing", "Draft"
        SUBMITTED = "submitted", "Submitted for review"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        PUBLISHED = "published", "Approved and published"
        DISCARDED = "discarded", "Discarded"

    OPEN_STATES = [State.EDITING, State.SUBMITTED, State.CHANGES_REQUESTED]
    # What a revision holds: the names and every reviewed section. Synonyms, codes, sources and
    # related pages go live at once (labelled so on the form; README "Editorial workflow").
    FIELDS = ["name", "acronym", *Condition.MEDICAL_FIELDS]

    condition = models.ForeignKey(Condition, models.CASCADE, related_name="revisions")
    content = models.JSONField(default=dict, help_text="The draft's words: field name → text (FIELDS).")
    state = models.CharField(max_length=20, choices=State, default=State.EDITING)
    # The live content version this draft was started from: approving it makes version + 1.
    base_version = models.PositiveIntegerField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True, help_text="The reviewer's request when changes are requested.")
    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["condition"],
                condition=Q(state__in=["editing", "submitted", "changes_requested"]),
                name="conditions_revision_one_open_per_page",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["editing", "submitted", "changes_requested", "published", "discarded"]),
                name="conditions_revision_state_valid",
            ),
        ]
        indexes = [
            # the review queue: submitted drafts, oldest first
            models.Index(fields=["updated_at"], condition=Q(state="submitted"), name="conditions_revision_submitted"),
        ]

    def __str__(self):
        return f"Draft of {self.condition} started {self.created_at:%-d %b %Y}"

    @property
    def is_open(self):
        return self.state in self.OPEN_STATES

    def token(self):
        """A fingerprint of the words a reviewer is shown: approving is refused once it changes."""
        return fingerprint(self.pk, *(self.content.get(f, "") for f in self.FIELDS))

    def changed_fields(self, condition=None):
        """The FIELDS whose draft words differ from the live page's."""
        condition = condition or self.condition
        return [f for f in self.FIELDS if self.content.get(f, "") != getattr(condition, f)]


class WorkflowStep(models.Model):
    """One step of a page's editorial workflow (draft started, submitted, changes requested,
    approved, unpublished…) with who took it and when; the page's history lists them."""

    class Action(models.TextChoices):
        DRAFT_STARTED = "draft_started", "Started a draft"
        DRAFT_SAVED = "draft_saved", "Saved the draft"
        SUBMITTED = "submitted", "Submitted for review"
        CHANGES_REQUESTED = "changes_requested", "Requested changes"
        APPROVED = "approved", "Approved and published"
        SIGNED_OFF = "signed_off", "Signed off"
        DISCARDED = "discarded", "Discarded the draft"
        UNPUBLISHED = "unpublished", "Unpublished"

    condition = models.ForeignKey(Condition, models.CASCADE, related_name="workflow_steps")
    revision = models.ForeignKey(Revision, models.SET_NULL, null=True, blank=True, related_name="steps")
    action = models.CharField(max_length=20, choices=Action)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.get_action_display()} by {self.user} on {self.at:%-d %b %Y}"


class Synonym(models.Model):
    condition = models.ForeignKey(Condition, models.CASCADE, related_name="synonyms")
    name = models.CharField(max_length=200, validators=[no_bidi_controls])
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["condition", "name"], name="conditions_synonym_unique"),
        ]

    def __str__(self):
        return self.name


class ConditionCode(models.Model):
    """One code on a condition page: one of the condition's own codes, or a coding instruction
    naming another condition that is coded together with it."""

    class Role(models.TextChoices):
        PRIMARY = code_format.PRIMARY, "Primary"
        ALTERNATIVE = code_format.ALTERNATIVE, "Alternative"
        CODE_FIRST = code_format.CODE_FIRST, "Code first"
        USE_ADDITIONAL = code_format.USE_ADDITIONAL, "Use additional code"
        CODE_ALSO = code_format.CODE_ALSO, "Code also"

    class Fit(models.TextChoices):
        EXACT = "exact", "Exact"
        BROADER = "broader", "Broader: the code covers more than this condition"
        NARROWER = "narrower", "Narrower: the code covers one form of this condition"

    condition = models.ForeignKey(Condition, models.CASCADE, related_name="codes")
    system = models.CharField(max_length=12, choices=code_format.CHOICES)
    value = models.CharField(
        "code", max_length=20,
        help_text="Typed in any form: g7081 becomes G70.81. A code-first, use-additional-code or code-also "
        "entry may name the range its official note names, such as C00-D49.",
    )  # fmt: skip
    code = models.ForeignKey(Code, models.PROTECT, null=True, blank=True, editable=False, related_name="uses")
    role = models.CharField(
        max_length=20, choices=Role, default=Role.PRIMARY,
        help_text="Primary and alternative: this condition's own codes. Code first: another condition, "
        "listed before this one's code. Use additional code: another code, listed after it. Code also: "
        "another condition coded as well, in the order the encounter calls for.",
    )  # fmt: skip
    fit = models.CharField(
        max_length=10, choices=Fit, default=Fit.EXACT, blank=True,
        help_text="How an own code's official title fits this condition. Exact: it names the condition as a "
        "whole (its unspecified code included). Narrower: it names one form only (a type, a stage such as "
        "'with exacerbation', or the condition in one setting), so other codes name the rest. Broader: it "
        "covers other conditions too. Left empty for code-first, use-additional-code and code-also entries, "
        "which name another condition.",
    )  # fmt: skip
    note = models.CharField(
        max_length=500,
        blank=True,
        validators=[no_bidi_controls],
        help_text="When to use it, e.g. 'code first the underlying neoplasm'.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["system", "role", "value"]
        indexes = [
            # The few code-first, use-additional-code and code-also entries, which every code search
            # reads (codes.reads.coded_with): without it, every code row of the catalogue. Not a partial
            # index: SQLite uses one only when the query names the roles as literals, not parameters.
            models.Index(fields=["role", "system", "value"], name="conditions_conditioncode_role"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["condition", "system", "value"], name="conditions_conditioncode_unique"),
            models.CheckConstraint(
                condition=Q(role__in=code_format.OWN_ROLES, fit__in=["exact", "broader", "narrower"])
                | Q(role__in=code_format.INSTRUCTION_ROLES, fit=""),
                name="conditions_conditioncode_fit_own_codes_only",
            ),
        ]

    def __str__(self):
        return f"{code_format.label(self.system)} {self.value}"

    @property
    def is_own(self):
        """One of the condition's own codes (primary, alternative), not an instruction."""
        return self.role in code_format.OWN_ROLES

    @property
    def is_range(self):
        return self.system == code_format.ICD10CM and code_format.is_range(self.value)

    @property
    def role_meaning(self):
        return code_format.ROLE_MEANINGS.get(self.role, "")

    def clean(self):
        """Normalises the value (g7081 → G70.81) and links it to the official release; checks that
        fit is given for the condition's own codes only. Queries."""
        if self.role in code_format.OWN_ROLES and not self.fit:
            raise ValidationError({"fit": "Say how this code fits the condition: exact, broader or narrower."})
        if self.role in code_format.INSTRUCTION_ROLES and self.fit:
            raise ValidationError(
                {"fit": f"Fit describes the condition's own codes; a {self.get_role_display().lower()} entry "
                 "names another condition, so leave fit empty."}
            )  # fmt: skip
        if not self.value or self.system not in code_format.LABELS:
            return  # clean_fields() reports the missing value or the unknown system
        self.code = None
        try:
            if self.system == code_format.ICD10CM and "-" in self.value.strip().strip("-"):
                if self.role in code_format.OWN_ROLES:
                    raise ValueError(
                        f"{self.value.strip()} is a range of codes; a condition's own code is one code. "
                        "A range belongs in a code-first, use-additional-code or code-also entry."
                    )
                self.value = code_format.normalise_range(self.value)
                self.code = Code.objects.official_range(self.value)
                return
            self.value = code_format.normalise(self.system, self.value)
            if self.system in code_format.OFFICIAL:
                condition = getattr(self, "condition", None)  # None on a new page's first save
                words = code_format.title_words(condition.name) if condition else ()
                self.code = Code.objects.official_code(
                    self.system, self.value, primary=self.role == self.Role.PRIMARY, words=words
                )
        except ValueError as error:
            raise ValidationError({"value": str(error)}) from None

    @property
    def title(self):
        return self.code.title if self.code else ""

    @property
    def url(self):
        return self.code.get_absolute_url() if self.code else code_format.external_url(self.system, self.value)


class ReviewQuerySet(models.QuerySet):
    def newest_first(self):
        """Meta.ordering said out loud, for subqueries (OuterRef) where the newest review is wanted."""
        return self.order_by(*self.model._meta.ordering)


class Review(models.Model):
    """A medical reviewer's sign-off of one version of a condition page."""

    condition = models.ForeignKey(Condition, models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="reviews")
    # Kept as they were at sign-off, so the record stays true if the profile changes later.
    reviewer_name = models.CharField(max_length=200)
    reviewer_credentials = models.CharField(max_length=200, blank=True)
    reviewed_on = models.DateField(default=timezone.localdate)
    next_review_on = models.DateField()
    content_version = models.PositiveIntegerField()
    # The draft the reviewer was shown and approved, when the sign-off published one.
    revision = models.ForeignKey("Revision", models.SET_NULL, null=True, blank=True, related_name="reviews")
    notes = models.TextField(blank=True)
    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-reviewed_on", "-id"]  # newest first: the one rule for "the latest review"
        constraints = [
            models.CheckConstraint(
                condition=Q(next_review_on__gt=models.F("reviewed_on")), name="conditions_review_next_after_reviewed"
            ),
        ]

    def __str__(self):
        return f"{self.condition} reviewed by {self.reviewer_name} on {self.reviewed_on}"

    @property
    def reviewer_line(self):
        return f"{self.reviewer_name}, {self.reviewer_credentials}" if self.reviewer_credentials else self.reviewer_name


class Reference(models.Model):
    condition = models.ForeignKey(Condition, models.CASCADE, related_name="references")
    title = models.CharField(max_length=400, validators=[no_bidi_controls])
    publisher = models.CharField(max_length=200, blank=True, validators=[no_bidi_controls])
    url = models.URLField(max_length=500, blank=True)
    published = models.CharField(max_length=40, blank=True, help_text="Year or date as the source gives it.")
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]

    def __str__(self):
        return self.title


DEFAULT_DISCLAIMER = (
    "This information is for educational purposes only and does not constitute professional medical "
    "advice, diagnosis, or treatment. Always seek the advice of your physician or other qualified health "
    "provider with any questions you may have regarding a medical condition."
)


class SiteText(models.Model):
    """Text an editor changes once for every page, such as the medical disclaimer."""

    class Key(models.TextChoices):
        MEDICAL_DISCLAIMER = "medical-disclaimer", "Medical disclaimer"
        PRIVACY_NOTICE = "privacy-notice", "Privacy notice (/privacy/, Markdown)"

    key = models.CharField(max_length=40, choices=Key, unique=True)
    text = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.get_key_display()

    @classmethod
    def medical_disclaimer(cls):
        """The editors' disclaimer, or the default while a fresh site has none."""
        text = cls.objects.filter(key=cls.Key.MEDICAL_DISCLAIMER).values_list("text", flat=True).first()
        return text or DEFAULT_DISCLAIMER


class Symptom(models.Model):
    """A sign or symptom: a term of the Human Phenotype Ontology (HPO)."""

    class Category(models.TextChoices):
        SIGN = "sign", "Sign or symptom"
        FINDING = "finding", "Test or laboratory finding"
        TUMOUR = "tumour", "Associated tumour"

    hpo_id = models.CharField(max_length=12, unique=True)
    name = models.CharField(max_length=300)
    slug = models.SlugField(max_length=100, unique=True)
    # From the HPO's own synonyms and hierarchy (import_catalogue).
    layperson_name = models.CharField(max_length=300, blank=True, help_text="HPO's layperson synonym: 'Dry mouth'.")
    body_system = models.CharField(max_length=60, blank=True)
    category = models.CharField(max_length=10, choices=Category, default=Category.SIGN)
    specificity = models.FloatField(default=0, help_text="Information content over the annotated diseases.")
    # The signs index lists and counts from it: counting the links per request read every one.
    published_count = models.PositiveIntegerField(
        default=0, editable=False, help_text="How many published conditions record this sign (conditions.derived)."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("conditions:symptom-detail", args=[self.slug])

    @property
    def plain_name(self):
        """The layperson name first, the clinical term after: "Dry mouth (xerostomia)"."""
        if not self.layperson_name or self.layperson_name.lower() == self.name.lower():
            return self.name
        return f"{self.layperson_name} ({lower_first(self.name)})"


class ConditionSymptom(models.Model):
    """A condition's sign, with how often it occurs, from the HPO disease annotations."""

    condition = models.ForeignKey(Condition, models.CASCADE, related_name="signs")
    symptom = models.ForeignKey(Symptom, models.CASCADE, related_name="condition_links")
    frequency = models.CharField(max_length=80, blank=True)
    frequency_rank = models.PositiveSmallIntegerField(default=5, help_text="0 always present … 5 not stated")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["condition", "symptom"], name="conditions_conditionsymptom_unique"),
        ]
        indexes = [
            # "conditions with this symptom", most frequent first; with the condition in it, search by
            # sign reads the index alone, not a table row per condition (conditions.search._ranked)
            models.Index(fields=["symptom", "frequency_rank", "condition"], name="conditions_symptom_conditions"),
        ]

    def __str__(self):
        return f"{self.symptom} in {self.condition}"


class SearchEntry(models.Model):
    """What search reads for one published condition; rebuilt by conditions.search.refresh().
    SQLite indexes codes and terms with FTS5, PostgreSQL with a GIN full-text index (migration 0008).
    Signs are matched from the symptom tables, one sign at a time (conditions.search)."""

    condition = models.OneToOneField(Condition, models.CASCADE, primary_key=True, related_name="search_entry")
    names = models.TextField(help_text="Name, abbreviation and other names, one per line.")
    codes = models.TextField(blank=True)
    terms = models.TextField(
        blank=True,
        help_text="The names, then the page's symptom text, one line each, in search's normalised word forms.",
    )

    def __str__(self):
        return self.names.split("\n", 1)[0]


class FactQuerySet(models.QuerySet):
    def definitions(self):
        return self.filter(kind=ConditionFact.Kind.DEFINITION)


class ConditionFact(models.Model):
    """One fact about a condition taken from open data by import_catalogue, with the source,
    release and licence it comes under; the page prints all three beside it."""

    class Kind(models.TextChoices):
        DEFINITION = "definition", "Definition"
        OTHER_NAMES = "other_names", "Other names"
        INHERITANCE = "inheritance", "How it is inherited"
        ONSET = "onset", "When it starts"
        GENE = "gene", "Gene"
        SIGNS_NOTE = "signs_note", "About the signs"
        LINK = "link", "Read more"

    condition = models.ForeignKey(Condition, models.CASCADE, related_name="facts")
    kind = models.CharField(max_length=12, choices=Kind)
    text = models.TextField()
    url = models.URLField(max_length=500, blank=True)
    source = models.CharField(max_length=200, help_text="Who says so, e.g. 'MONDO'.")
    release = models.CharField(max_length=60, blank=True, help_text="The source's release the fact was read from.")
    licence = models.CharField(max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    objects = FactQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "order", "id"]
        indexes = [
            # the sitemap and noindex rule: catalogue pages with a definition
            models.Index(fields=["kind", "condition"], name="conditions_fact_kind"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.condition_id}: {self.text[:60]}"

    @property
    def credit(self):
        return ", ".join(
            part for part in [self.source, self.release and f"release {self.release}", self.licence] if part
        )
