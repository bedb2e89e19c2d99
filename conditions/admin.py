import re
from difflib import SequenceMatcher
from itertools import chain

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router, transaction
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from markdownx.admin import MarkdownxModelAdmin
from markdownx.models import MarkdownxField
from markdownx.widgets import AdminMarkdownxWidget
from simple_history.admin import SimpleHistoryAdmin

from . import derived, revisions
from .codes import format as code_format
from .codes import views as code_views
from .diffs import section_diff
from .markdown import normalise_newlines, render
from .models import (
    DEFAULT_DISCLAIMER,
    REVIEW_DUE_WITHIN_DAYS,
    REVIEW_STATES,
    Code,
    Condition,
    ConditionCode,
    Origin,
    Reference,
    Review,
    Revision,
    SiteText,
    Status,
    Synonym,
    WorkflowStep,
)
from .workflow import REVIEW_INTERVAL, condition_restore, condition_submit_for_review, review_sign_off

SUBMIT_FOR_REVIEW = "_submit_for_review"  # the name of the "Save and submit for review" button
DIFF_FIELDS = ["name", "slug", "acronym", "status", "origin", *Condition.MEDICAL_FIELDS]


class MarkdownTextField(forms.CharField):
    """An untouched section is not a changed field (see normalise_newlines)."""

    def to_python(self, value):
        return normalise_newlines(super().to_python(value))


class RefreshesDerivedData:
    """A change made through these admin pages (the form and its inlines, a delete, a bulk action)
    refreshes the derived data of the pages it touched once, in the change's own transaction."""

    def _refreshing(self, request, view, *args, **kwargs):
        if request.method != "POST":
            return view(request, *args, **kwargs)
        with transaction.atomic(using=router.db_for_write(self.model)), derived.refreshing():
            return view(request, *args, **kwargs)

    def changeform_view(self, request, *args, **kwargs):
        return self._refreshing(request, super().changeform_view, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        return self._refreshing(request, super().delete_view, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        return self._refreshing(request, super().changelist_view, *args, **kwargs)


class ConditionAdminForm(forms.ModelForm):
    class Meta:
        model = Condition
        # No status field: the workflow buttons are the only way to change where a page stands.
        fields = ["name", "slug", "acronym", *Condition.MEDICAL_FIELDS, "related"]

    def clean(self):
        cleaned = super().clean()
        if self.instance.status == Status.PUBLISHED:
            self.instance.edits_go_to_draft = True
            return cleaned  # the words go to the page's draft (ConditionAdmin.save_model)
        if SUBMIT_FOR_REVIEW in self.data:
            self.instance.status = Status.IN_REVIEW  # validated by Condition.clean() after this
        return cleaned  # Condition.clean() applies the takeover rule and the publish gate


class ReviewStateFilter(admin.SimpleListFilter):
    title = "review state"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [*REVIEW_STATES.items(), ("due_or_overdue", f"Overdue or due in {REVIEW_DUE_WITHIN_DAYS} days")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        match self.value():
            case "current":
                return queryset.review_current()
            case "changed":
                return queryset.changed_since_review()
            case "never":
                return queryset.never_reviewed()
            case "due":
                return queryset.review_due(today=today)
            case "overdue":
                return queryset.review_overdue(today=today)
            case "due_or_overdue":
                return queryset.review_due_or_overdue(today=today)
        return queryset


class LabelledInlineFormSet(forms.BaseInlineFormSet):
    """Each field of a table row gets a name a screen reader says ("Code, row 2"): the table's
    column headings are not labels of the inputs under them."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        row = "new row" if index is None else f"row {index + 1}"
        for name, field in form.fields.items():
            label = "Delete" if name == "DELETE" else (field.label or name.replace("_", " ").capitalize())
            field.widget.attrs.setdefault("aria-label", f"{label}, {row}")


class LabelledTabularInline(admin.TabularInline):
    formset = LabelledInlineFormSet
    template = "admin/conditions/condition/tabular.html"


class SynonymInline(LabelledTabularInline):
    model = Synonym
    extra = 0
    verbose_name_plural = "Other names (published at once)"


class ConditionCodeForm(forms.ModelForm):
    class Meta:
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}  # a long note wraps instead of being cut off

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "Narrower", not "Narrower: the code covers one form of this condition", in the table's narrow
        # column: the column's help text explains each.
        self.fields["fit"].choices = [(value, str(label).split(":")[0]) for value, label in self.fields["fit"].choices]

    def clean_value(self):
        """The canonical form, so the formset sees g7080 and G70.80 typed twice as one code (and
        refuses it) instead of failing on the unique constraint; the model's clean() reports bad forms."""
        try:
            return code_format.normalise(self.cleaned_data.get("system"), self.cleaned_data["value"])
        except ValueError:
            return self.cleaned_data["value"]


class ConditionCodeFormSet(LabelledInlineFormSet):
    def validate_unique(self):
        """A code typed twice is refused on the row that repeats it, naming the row that already holds
        it ("G70.80 is already on this page as the primary code (row 1)"), instead of Django's "Please
        correct the duplicate values below". Codes are compared in the canonical form the model's
        clean() gave them, so g7080, G70.80 and G70.8 0 are one code."""
        rows = {}
        for number, form in enumerate(self.forms, start=1):
            if form.is_valid() and form.cleaned_data and not (self.can_delete and self._should_delete_form(form)):
                rows.setdefault((form.instance.system, form.instance.value), []).append((number, form))
        for (_, value), found in rows.items():
            found.sort(key=lambda row: row[1].has_changed())  # a row the editor left alone holds the code
            number, holder = found[0]
            role = holder.instance.get_role_display()
            held_as = f"the {role.lower()} code" if holder.instance.is_own else f"a {role.lower()} entry"
            for _, form in found[1:]:
                form.add_error("value", f"{value} is already on this page as {held_as} (row {number}).")
        super().validate_unique()  # rows with an error above are left out of Django's own check


class ConditionCodeInline(LabelledTabularInline):
    """ConditionCode.clean() normalises the typed code and checks it against the official set;
    the script suggests official codes with their titles as the editor types."""

    model = ConditionCode
    form = ConditionCodeForm
    formset = ConditionCodeFormSet
    extra = 0
    verbose_name_plural = "Codes (published at once)"
    fields = ["system", "value", "official_title", "role", "fit", "note"]
    readonly_fields = ["official_title"]

    class Media:
        js = ["js/admin-code-suggest.js"]

    @admin.display(description="Official title")
    def official_title(self, obj):
        return obj.title or "—"

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "system":  # most codes an editor adds are ICD-10-CM
            kwargs["initial"] = code_format.ICD10CM
        return super().formfield_for_choice_field(db_field, request, **kwargs)


class ReferenceInline(LabelledTabularInline):
    model = Reference
    extra = 0
    verbose_name_plural = "Sources (published at once)"


@admin.register(Condition)
class ConditionAdmin(RefreshesDerivedData, SimpleHistoryAdmin, MarkdownxModelAdmin):
    form = ConditionAdminForm
    formfield_overrides = {MarkdownxField: {"widget": AdminMarkdownxWidget, "form_class": MarkdownTextField}}
    list_display = ["name", "acronym", "status", "review_state_badge", "last_reviewed_on", "next_review", "updated_at"]
    list_filter = ["status", ReviewStateFilter, "origin"]
    search_fields = ["name", "acronym", "synonyms__name", "codes__value"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["related"]  # thousands of catalogue pages: never one big select
    readonly_fields = ["origin"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "acronym", "origin"]}),
        ("Short answer", {"fields": ["summary"]}),
        (
            "Sections",
            {
                "fields": [
                    *(field for field, _ in Condition.SECTIONS if field != "coding_notes"),
                    "patient_organisations",
                    "coding_notes",
                ],
                "description": "In the order readers meet them. A section left empty is not shown on the page. "
                "Every section, the patient organisations included, waits for a medical reviewer.",
            },
        ),
        (
            "Related conditions (published at once)",
            {
                "fields": ["related"],
                "description": "On a published page, the address (slug), related conditions, other names, codes "
                "and sources go live as soon as you save; the name, abbreviation and every section wait for "
                "a medical reviewer.",
            },
        ),
    ]
    inlines = [SynonymInline, ConditionCodeInline, ReferenceInline]
    actions = ["submit_for_review_selected", "sign_off_selected"]
    change_form_template = "admin/conditions/condition/change_form.html"
    object_history_list_template = "admin/conditions/condition/history_list.html"

    class Media:
        css = {"all": ["css/admin-editorial.css"]}
        js = ["js/admin-markdown-toolbar.js", "js/admin-select2-labels.js"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_review_state()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["error_summary"] = error_summary(context["adminform"].form, context.get("inline_admin_formsets", []))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_object(self, request, object_id, from_field=None):
        """On the editor's form of a published page, the fields show the open draft's words, not
        the live ones; save_model() keeps them in the draft again."""
        obj = super().get_object(request, object_id, from_field)
        if obj is None or not getattr(request, "_edits_draft", False) or obj.status != Status.PUBLISHED:
            return obj
        if not self.has_change_permission(request, obj):
            return obj
        obj._live_content = revisions.live_content(obj)
        obj._revision = revisions.open_revision(obj)
        if obj._revision is not None:
            for field in Revision.FIELDS:
                setattr(obj, field, obj._revision.content.get(field, ""))
        return obj

    def view_on_site(self, obj):
        """Only a published page has a public address; the others would 404."""
        return obj.get_absolute_url() if obj.status == Status.PUBLISHED else None

    def has_sign_off_permission(self, request, obj=None):
        return request.user.has_perm("conditions.sign_off_condition")

    @admin.display(description="Review", ordering="reviewed_version")
    def review_state_badge(self, obj):
        return format_html('<span class="review-state review-state-{}">{}</span>', obj.review_state,
                           REVIEW_STATES[obj.review_state])  # fmt: skip

    @admin.display(description="Next review", ordering="next_review_on")
    def next_review(self, obj):
        return obj.next_review_on or "—"

    def get_search_results(self, request, queryset, search_term):
        """Adds code matches typed in any form: g7081, G70.81 and 358.30 all find their pages."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        values = [value for _, value in code_format.candidates(search_term)]
        if values and code_format.looks_like_code(search_term):
            by_code = ConditionCode.objects.filter(value__in=values).values("condition_id")
            found = queryset.filter(Q(pk__in=found.values("pk")) | Q(pk__in=by_code))
            may_have_duplicates = False
        return found, may_have_duplicates

    # --- the workflow on the change form -------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        condition = self.get_object(request, object_id)
        context = {**(extra_context or {})}
        if condition is not None:
            revision = revisions.open_revision(condition) if condition.status == Status.PUBLISHED else None
            can_change = self.has_change_permission(request, condition)
            context["workflow"] = self._workflow_panel(request, condition, revision)
            context["is_live"] = condition.status == Status.PUBLISHED
            context["can_submit_for_review"] = can_change and condition.status == Status.DRAFT
            context["can_submit_draft"] = can_change and condition.status == Status.PUBLISHED
            context["resubmit"] = revision is not None and revision.state == Revision.State.CHANGES_REQUESTED
        request._edits_draft = True
        return super().change_view(request, object_id, form_url, context)

    def add_view(self, request, form_url="", extra_context=None):
        context = {"can_submit_for_review": True, **(extra_context or {})}
        return super().add_view(request, form_url, context)

    def _changes_requested(self, condition, revision):
        """The reviewer's note the editor must act on, or None."""
        if revision is not None and revision.state != Revision.State.CHANGES_REQUESTED:
            return None
        if revision is None and condition.status != Status.DRAFT:
            return None
        step = condition.workflow_steps.select_related("user").first()
        return step if step is not None and step.action == WorkflowStep.Action.CHANGES_REQUESTED else None

    def _workflow_panel(self, request, condition, revision=None):
        review = condition.reviews.first()
        if review is None:
            review_text = "never medically reviewed"
        elif review.content_version == condition.content_version:
            review_text = f"signed off by {review.reviewer_line} on {review.reviewed_on:%-d %B %Y} (this version)"
        else:
            review_text = (
                f"changed since review: version {review.content_version} was signed off by "
                f"{review.reviewer_line} on {review.reviewed_on:%-d %B %Y}"
            )
        warning = ""
        if condition.status == Status.PUBLISHED:
            warning = (
                "This page is live. Readers keep seeing the published version while you work: your changes to "
                "the name, abbreviation and sections are kept as a draft until a medical reviewer approves it."
            )
            if condition.origin != Origin.EDITORIAL:
                warning += (
                    f" {condition.get_origin_display()}, labelled 'not yet reviewed' on the page; approving a draft "
                    "makes it an editorial page."
                )
        can_sign_off = self.has_sign_off_permission(request) and condition.status != Status.DRAFT
        can_review = self.has_sign_off_permission(request) and (
            (revision is not None and revision.state == Revision.State.SUBMITTED)
            or condition.status == Status.IN_REVIEW
        )
        return {
            "revision": revision,
            "changes_requested": self._changes_requested(condition, revision),
            "review_url": reverse("admin:conditions_condition_review", args=[condition.pk]) if can_review else "",
            "discard_url": reverse("admin:conditions_condition_discard_draft", args=[condition.pk])
            if revision is not None and self.has_change_permission(request, condition)
            else "",
            "unpublish_url": reverse("admin:conditions_condition_unpublish", args=[condition.pk])
            if condition.status == Status.PUBLISHED and request.user.has_perm(revisions.UNPUBLISH_PERMISSION)
            else "",
            "status": condition.get_status_display(),
            "origin": condition.get_origin_display(),
            "version": condition.content_version,
            "review_text": review_text,
            "warning": warning,
            "sign_off_url": reverse("admin:conditions_condition_sign_off", args=[condition.pk]) if can_sign_off else "",
        }

    def save_model(self, request, obj, form, change):
        if change and obj.status == Status.PUBLISHED and hasattr(obj, "_live_content"):
            # The names and sections go to the draft; the row (what readers see) keeps its words
            # and is saved only when a field that goes live at once (the slug) changed.
            content = {field: getattr(obj, field) for field in Revision.FIELDS}
            for field, value in obj._live_content.items():
                setattr(obj, field, value)
            obj._revision = revisions.draft_save(condition=obj, editor=request.user, content=content)
            if SUBMIT_FOR_REVIEW in request.POST and obj._revision is not None:
                obj._revision = revisions.draft_submit(condition=obj, editor=request.user)
            if set(form.changed_data) - {*Revision.FIELDS, "related"}:
                super().save_model(request, obj, form, change)
            return
        if SUBMIT_FOR_REVIEW in request.POST:
            obj._change_reason = "Submitted for review"
        super().save_model(request, obj, form, change)
        if SUBMIT_FOR_REVIEW in request.POST:
            WorkflowStep.objects.create(condition=obj, action=WorkflowStep.Action.SUBMITTED, user=request.user)

    def response_change(self, request, obj):
        if obj.status == Status.PUBLISHED and hasattr(obj, "_live_content"):
            revision = obj._revision
            if revision is None:
                self.message_user(request, f"Saved. The words of {obj} are as published; there is no draft.")
            elif revision.state == Revision.State.SUBMITTED:
                self.message_user(
                    request,
                    f"Your draft of {obj} is submitted for review. Readers keep seeing the published version until "
                    "a medical reviewer approves it.",
                )
            else:
                if SUBMIT_FOR_REVIEW in request.POST:
                    self.message_user(request, "Nothing to submit: the page is as it is published.", messages.WARNING)
                self.message_user(
                    request,
                    f"Your draft of {obj} is saved. Readers keep seeing the published version; submit the draft "
                    "for review when it is ready.",
                )
            # The admin's own "was changed successfully" would suggest the page changed for readers.
            return HttpResponseRedirect(request.path)
        if SUBMIT_FOR_REVIEW in request.POST:
            self.message_user(request, f"{obj} is submitted for review: medical reviewers see it on their dashboard.")
        return super().response_change(request, obj)

    def response_add(self, request, obj, post_url_continue=None):
        if SUBMIT_FOR_REVIEW in request.POST:
            self.message_user(request, f"{obj} is submitted for review: medical reviewers see it on their dashboard.")
        return super().response_add(request, obj, post_url_continue)

    @admin.action(description="Submit selected drafts for review", permissions=["change"])
    def submit_for_review_selected(self, request, queryset):
        drafts = list(queryset.filter(status=Status.DRAFT))
        for condition in drafts:
            condition_submit_for_review(condition=condition, editor=request.user)
        self.message_user(request, f"{len(drafts)} draft(s) submitted for review.")

    @admin.action(description="Sign off the selected page…", permissions=["sign_off"])
    def sign_off_selected(self, request, queryset):
        # One page at a time: a sign-off vouches for the version the reviewer has just read.
        if queryset.count() != 1:
            self.message_user(request, "Select one page: you sign off each page after reading it.", messages.WARNING)
            return None
        return redirect("admin:conditions_condition_sign_off", queryset.get().pk)

    # --- extra views ---------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("codes/suggest/", view(code_views.code_suggest), name="conditions_condition_code_suggest"),
            path("<path:object_id>/sign-off/", view(self.sign_off_view), name="conditions_condition_sign_off"),
            path("<path:object_id>/review/", view(self.review_view), name="conditions_condition_review"),
            path(
                "<path:object_id>/discard-draft/",
                view(self.discard_draft_view),
                name="conditions_condition_discard_draft",
            ),  # fmt: skip
            path("<path:object_id>/unpublish/", view(self.unpublish_view), name="conditions_condition_unpublish"),
            path(
                "<path:object_id>/history/<int:history_id>/diff/",
                view(self.history_diff_view),
                name="conditions_condition_history_diff",
            ),
            *super().get_urls(),
        ]

    def _get_or_404(self, request, object_id):
        condition = self.get_object(request, object_id)
        if condition is None:
            raise Http404("No such condition page.")
        if not self.has_view_or_change_permission(request, condition):
            raise PermissionDenied
        return condition

    def sign_off_view(self, request, object_id):
        condition = self._get_or_404(request, object_id)
        if not self.has_sign_off_permission(request):
            raise PermissionDenied
        form = SignOffForm(request.POST or None, initial={"version": condition.content_version})
        if request.method == "POST" and form.is_valid():
            try:
                review = review_sign_off(condition=condition, reviewer=request.user, **form.cleaned_data)
            except ValidationError as error:
                if error.code == "stale":  # the page below is now the new version: sign that one
                    form = SignOffForm({**request.POST.dict(), "version": condition.content_version})
                    form.is_valid()
                form.add_error(None, error)
            else:
                self.message_user(
                    request,
                    f"Signed off version {review.content_version} of {condition}; it is published, next review "
                    f"due {review.next_review_on:%-d %B %Y}.",
                    messages.SUCCESS,
                )
                return redirect("admin:conditions_condition_change", condition.pk)
        latest = condition.reviews.first()
        reviewed = (
            condition.history.filter(content_version=latest.content_version).order_by("-history_date").first()
            if latest
            else None
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Sign off {condition}",
            "condition": condition,
            "form": form,
            "latest_review": latest,
            "changes": field_diffs(reviewed, condition, fields=Condition.MEDICAL_FIELDS) if reviewed else [],
            "is_current": latest is not None and latest.content_version == condition.content_version,
            "sections": [("Short answer", condition.rendered.get("summary", ""))]
            + [(label, condition.rendered.get(field, "")) for field, label in Condition.SECTIONS],
        }
        return TemplateResponse(request, "admin/conditions/condition/sign_off.html", context)

    def review_view(self, request, object_id):
        """The reviewer's page for a submitted draft (or a page in review that is not live yet): the
        page as readers will see it, a by-section diff against the live version, and two decisions,
        approve and publish, or request changes with a note. Both carry the token of what was shown."""
        condition = self._get_or_404(request, object_id)
        if not self.has_sign_off_permission(request):
            raise PermissionDenied
        revision = revisions.open_revision(condition) if condition.status == Status.PUBLISHED else None
        if revision is None and condition.status != Status.IN_REVIEW:
            self.message_user(request, f"{condition} has no draft waiting for review.", messages.WARNING)
            return redirect("admin:conditions_condition_change", condition.pk)
        token = revisions.review_token(condition, revision)
        decision = request.POST.get("decision") if request.method == "POST" else None
        # Two forms on one page: their own id prefixes, so no two fields share an id.
        approve_form = ApproveForm(request.POST if decision == "approve" else None, initial={"token": token},
                                   auto_id="approve_%s")  # fmt: skip
        changes_form = RequestChangesForm(request.POST if decision == "changes" else None, initial={"token": token},
                                          auto_id="changes_%s")  # fmt: skip
        form = {"approve": approve_form, "changes": changes_form}.get(decision)
        if form is not None and form.is_valid():
            data = form.cleaned_data
            try:
                if decision == "changes":
                    revisions.changes_request(condition=condition, reviewer=request.user, note=data["note"],
                                              token=data["token"])  # fmt: skip
                    self.message_user(request, f"Sent {condition} back to its editor with your note.")
                elif revision is not None:
                    review = revisions.revision_approve(condition=condition, reviewer=request.user,
                                                        token=data["token"], next_review_on=data["next_review_on"],
                                                        notes=data["notes"])  # fmt: skip
                    self.message_user(
                        request,
                        f"Approved and published {condition} (version {review.content_version}); next review due "
                        f"{review.next_review_on:%-d %B %Y}.",
                        messages.SUCCESS,
                    )
                else:
                    if data["token"] != token:
                        raise ValidationError("This page changed after you opened it; read it again.", code="stale")
                    review = review_sign_off(condition=condition, reviewer=request.user,
                                             next_review_on=data["next_review_on"], notes=data["notes"],
                                             version=condition.content_version)  # fmt: skip
                    WorkflowStep.objects.create(condition=condition, action=WorkflowStep.Action.SIGNED_OFF,
                                                user=request.user, note=data["notes"])  # fmt: skip
                    self.message_user(request, f"Signed off and published {condition}.", messages.SUCCESS)
            except ValidationError as error:
                form.add_error(None, error)
                condition.refresh_from_db()
                revision = revisions.open_revision(condition) if condition.status == Status.PUBLISHED else None
                form.data = {**form.data.dict(), "token": revisions.review_token(condition, revision)}
            else:
                return redirect("admin:index")
        proposed = revision.content if revision else revisions.live_content(condition)
        live = revisions.live_content(condition) if revision else {f: "" for f in Revision.FIELDS}
        labels = {"name": "Name", "acronym": "Abbreviation", "summary": "Short answer", **dict(Condition.SECTIONS),
                  "patient_organisations": "Patient organisations"}  # fmt: skip
        diffs = [
            (labels[field], section_diff(live.get(field, ""), proposed.get(field, ""), field=field))
            for field in Revision.FIELDS
            if live.get(field, "") != proposed.get(field, "")
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Review the draft of {condition}" if revision else f"Review {condition}",
            "condition": condition,
            "revision": revision,
            "is_live": revision is not None,
            "diffs": diffs,
            "unchanged": [
                labels[f] for f in Revision.FIELDS if live.get(f, "") == proposed.get(f, "") and proposed.get(f)
            ],
            "preview_title": proposed.get("name", ""),
            "preview": [("Short answer", render(proposed.get("summary", "")))]
            + [(label, render(proposed.get(field, ""))) for field, label in Condition.SECTIONS if proposed.get(field)],
            "approve_form": approve_form,
            "changes_form": changes_form,
            "steps": condition.workflow_steps.select_related("user")[:10],
        }
        return TemplateResponse(request, "admin/conditions/condition/review.html", context)

    def discard_draft_view(self, request, object_id):
        condition = self._get_or_404(request, object_id)
        if request.method != "POST" or not self.has_change_permission(request, condition):
            raise PermissionDenied
        if revisions.draft_discard(condition=condition, editor=request.user):
            self.message_user(request, f"Discarded the draft of {condition}; the published version is unchanged.")
        return redirect("admin:conditions_condition_change", condition.pk)

    def unpublish_view(self, request, object_id):
        condition = self._get_or_404(request, object_id)
        if not request.user.has_perm(revisions.UNPUBLISH_PERMISSION):
            raise PermissionDenied
        form = UnpublishForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                revisions.condition_unpublish(condition=condition, user=request.user,
                                              reason=form.cleaned_data["reason"])  # fmt: skip
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(request, f"{condition} is off the site; its community page says it is being revised.")
                return redirect("admin:conditions_condition_change", condition.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Unpublish {condition}",
            "condition": condition,
            "form": form,
        }
        return TemplateResponse(request, "admin/conditions/condition/unpublish.html", context)

    def history_view(self, request, object_id, extra_context=None):
        """simple_history's list of versions, plus who changed the page's synonyms, codes and sources."""
        related = sorted(
            chain.from_iterable(
                [(record, model._meta.verbose_name) for record in
                 model.history.filter(condition_id=object_id).select_related("history_user")[:50]]
                for model in (Synonym, ConditionCode, Reference)
            ),
            key=lambda pair: pair[0].history_date,
            reverse=True,
        )  # fmt: skip
        steps = WorkflowStep.objects.filter(condition_id=object_id).select_related("user")[:100]
        context = {"related_history": related, "workflow_steps": steps, **(extra_context or {})}
        return super().history_view(request, object_id, context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """simple_history's revert form would bring back status and origin too; restore goes
        through the diff page instead, which brings back the words only."""
        return redirect("admin:conditions_condition_history_diff", object_id, version_id)

    def history_diff_view(self, request, object_id, history_id):
        condition = self._get_or_404(request, object_id)
        version = get_object_or_404(Condition.history.select_related("history_user"), id=condition.pk,
                                    history_id=history_id)  # fmt: skip
        can_restore = self.has_change_permission(request, condition)
        if request.method == "POST":
            if not can_restore:
                raise PermissionDenied
            try:
                condition_restore(
                    condition=condition, version=version, user=request.user, seen=request.POST.get("seen", "")
                )
            except ValidationError as error:
                self.message_user(request, f"Not restored: {'; '.join(error.messages)}", messages.ERROR)
            else:
                self.message_user(request, f"Restored the text of {version.history_date:%-d %B %Y %H:%M}.")
                return redirect("admin:conditions_condition_change", condition.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"{condition}: version of {timezone.localtime(version.history_date):%-d %B %Y %H:%M}",
            "condition": condition,
            "version": version,
            "changes": field_diffs(version.prev_record, version),
            "restore_changes": field_diffs(condition, version, fields=["name", "acronym", *Condition.MEDICAL_FIELDS]),
            "can_restore": can_restore,
            "seen": condition.version_token(),
        }
        return TemplateResponse(request, "admin/conditions/condition/history_diff.html", context)


def error_summary(form, inline_admin_formsets):
    """[(label, message, anchor)] for every error on the form and its inlines, in the order of the
    page, so the summary at the top names each one and links to its field (GOV.UK's pattern)."""
    if not form.is_bound:
        return []
    summary = [("Page", message, "condition_form") for message in form.non_field_errors()]
    for name, errors in form.errors.items():
        if name == "__all__":
            continue
        field = form.fields.get(name)
        label = field.label if field and field.label else name.replace("_", " ").capitalize()
        summary += [(label, message, form[name].auto_id if field else "condition_form") for message in errors]
    for inline in inline_admin_formsets:
        formset = inline.formset
        title = str(inline.opts.verbose_name_plural).split(" (")[0].capitalize()
        summary += [(title, message, f"{formset.prefix}-group") for message in formset.non_form_errors()]
        for row, form_errors in enumerate(formset.errors, start=1):
            for name, errors in form_errors.items():
                anchor = f"id_{formset.prefix}-{row - 1}-{name}" if name != "__all__" else f"{formset.prefix}-group"
                summary += [(f"{title}, row {row}", message, anchor) for message in errors]
    return summary


class SignOffForm(forms.Form):
    next_review_on = forms.DateField(
        label="Next review due",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Twelve months from today unless the evidence moves faster.",
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    # The content version shown on the page: the sign-off is refused if the text changed since.
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["next_review_on"].initial = timezone.localdate() + REVIEW_INTERVAL


class ApproveForm(SignOffForm):
    version = None
    token = forms.CharField(widget=forms.HiddenInput)


class RequestChangesForm(forms.Form):
    note = forms.CharField(
        label="What should the editor change?",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The editor sees this note at the top of their form and on their dashboard.",
    )
    token = forms.CharField(widget=forms.HiddenInput)


class UnpublishForm(forms.Form):
    reason = forms.CharField(
        label="Why does this page leave the site?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept in the page's history. Readers see a 404; the community page stays and says the page "
        "is being revised.",
    )


def _words(text):
    """Words, runs of spaces and single punctuation marks, so "rare." → "rare, common." is one insertion."""
    return re.findall(r"\w+|\s+|[^\w\s]", text or "")


def field_diffs(old, new, *, fields=DIFF_FIELDS):
    """[(label, [(kind, text), …])] for each field that differs between two versions; kind is
    "same", "del" or "ins", word by word, so a one-word fix in a long paragraph reads as one word."""
    changes = []
    for field in fields:
        labels = dict(Condition._meta.get_field(field).flatchoices)  # "in_review" reads "In review"
        before = str(labels.get(getattr(old, field, ""), getattr(old, field, "")) or "") if old else ""
        after = str(labels.get(getattr(new, field, ""), getattr(new, field, "")) or "")
        if before == after:
            continue
        a, b = _words(before), _words(after)
        parts = []
        for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if tag == "equal":
                parts.append(("same", "".join(a[i1:i2])))
                continue
            if i2 > i1:
                parts.append(("del", "".join(a[i1:i2])))
            if j2 > j1:
                parts.append(("ins", "".join(b[j1:j2])))
        changes.append((Condition._meta.get_field(field).verbose_name.capitalize(), parts))
    return changes


@admin.register(Code)
class CodeAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "system", "kind", "is_billable"]
    list_filter = ["system", "kind", "is_billable"]
    search_fields = ["code", "title"]
    readonly_fields = [f.name for f in Code._meta.fields]

    def has_add_permission(self, request):
        return False  # codes come only from the official releases (load_codesets)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """The record of sign-offs. Reviews are made only by signing a page off, and never edited."""

    list_display = ["condition", "reviewer_name", "reviewed_on", "content_version", "next_review_on"]
    list_select_related = ["condition"]
    list_filter = ["reviewed_on", "next_review_on"]
    search_fields = ["condition__name", "reviewer_name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SiteText)
class SiteTextAdmin(admin.ModelAdmin):
    """One row per key, made with its default text the first time the list is opened: editors
    change texts (roles.py) but never add or delete them, and a fresh site has no rows."""

    list_display = ["key", "updated_at"]
    readonly_fields = ["key"]

    def changelist_view(self, request, extra_context=None):
        if self.has_change_permission(request):
            SiteText.objects.get_or_create(key=SiteText.Key.MEDICAL_DISCLAIMER, defaults={"text": DEFAULT_DISCLAIMER})
            # The privacy notice (/privacy/) starts as the text its page shows while there is no row.
            SiteText.objects.get_or_create(
                key=SiteText.Key.PRIVACY_NOTICE, defaults={"text": render_to_string("includes/privacy_notice.md")}
            )
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
