import re
from difflib import SequenceMatcher
from itertools import chain

from django import forms
from django.contrib import admin, messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router, transaction
from django.db.models import Q
from django.http import Http404
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

from . import derived
from .codes import format as code_format
from .codes import views as code_views
from .context_processors import DEFAULT_DISCLAIMER, DISCLAIMER_CACHE_KEY
from .markdown import normalise_newlines
from .models import (
    REVIEW_DUE_WITHIN_DAYS,
    REVIEW_STATES,
    Code,
    Condition,
    ConditionCode,
    Origin,
    Reference,
    Review,
    SiteText,
    Status,
    Synonym,
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
        fields = ["name", "slug", "acronym", "status", *Condition.MEDICAL_FIELDS, "related"]

    def clean(self):
        cleaned = super().clean()
        if SUBMIT_FOR_REVIEW in self.data:
            cleaned["status"] = Status.IN_REVIEW
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


class SynonymInline(admin.TabularInline):
    model = Synonym
    extra = 0


class ConditionCodeForm(forms.ModelForm):
    def clean_value(self):
        """The canonical form, so the formset sees g7080 and G70.80 typed twice as one code (and
        refuses it) instead of failing on the unique constraint; the model's clean() reports bad forms."""
        try:
            return code_format.normalise(self.cleaned_data.get("system"), self.cleaned_data["value"])
        except ValueError:
            return self.cleaned_data["value"]


class ConditionCodeInline(admin.TabularInline):
    """ConditionCode.clean() normalises the typed code and checks it against the official set;
    the script suggests official codes with their titles as the editor types."""

    model = ConditionCode
    form = ConditionCodeForm
    extra = 0
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


class ReferenceInline(admin.TabularInline):
    model = Reference
    extra = 0


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
        (None, {"fields": ["name", "slug", "acronym", "status", "origin"]}),
        ("Short answer", {"fields": ["summary"]}),
        ("Sections", {"fields": [field for field, _ in Condition.SECTIONS]}),
        ("Related conditions", {"fields": ["related"]}),
    ]
    inlines = [SynonymInline, ConditionCodeInline, ReferenceInline]
    actions = ["submit_for_review_selected", "sign_off_selected"]
    change_form_template = "admin/conditions/condition/change_form.html"
    object_history_list_template = "admin/conditions/condition/history_list.html"

    class Media:
        css = {"all": ["css/admin-editorial.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).with_review_state()

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
            context["workflow"] = self._workflow_panel(request, condition)
            context["can_submit_for_review"] = (
                self.has_change_permission(request, condition) and condition.status != Status.IN_REVIEW
            )
        return super().change_view(request, object_id, form_url, context)

    def add_view(self, request, form_url="", extra_context=None):
        context = {"can_submit_for_review": True, **(extra_context or {})}
        return super().add_view(request, form_url, context)

    def _workflow_panel(self, request, condition):
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
        if condition.origin != Origin.EDITORIAL and condition.status == Status.PUBLISHED:
            warning = (
                f"{condition.get_origin_display()}, published with a 'not yet reviewed' label. Changing its medical "
                "text makes it an editorial page, which must be signed off before it is published again: "
                "use 'Save and submit for review'."
            )
        elif condition.status == Status.PUBLISHED:
            warning = (
                "This page is live. Changes to its medical sections show at once, marked 'Changed since review' "
                "with the last review date, until a medical reviewer signs them off."
            )
        can_sign_off = self.has_sign_off_permission(request) and condition.status != Status.DRAFT
        return {
            "status": condition.get_status_display(),
            "origin": condition.get_origin_display(),
            "version": condition.content_version,
            "review_text": review_text,
            "warning": warning,
            "sign_off_url": reverse("admin:conditions_condition_sign_off", args=[condition.pk]) if can_sign_off else "",
        }

    def save_model(self, request, obj, form, change):
        if SUBMIT_FOR_REVIEW in request.POST:
            obj._change_reason = "Submitted for review"
        super().save_model(request, obj, form, change)

    def response_change(self, request, obj):
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
        return super().history_view(request, object_id, {"related_history": related, **(extra_context or {})})

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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        cache.delete(DISCLAIMER_CACHE_KEY)
