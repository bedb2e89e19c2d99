from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST
from markdownx.admin import MarkdownxModelAdmin

from conditions.admin import LabelledTabularInline, RefreshesDerivedData

from . import identifying, services
from .models import STORY_CHANGED, Membership, Story, StoryReport, User


@admin.register(User)
class MemberAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (("Profile", {"fields": ["display_name", "credentials"]}),)
    list_display = ["email", "display_name", "is_staff", "date_joined"]
    search_fields = ["email", "username", "display_name"]
    ordering = ["email"]


@admin.register(Membership)
class MembershipAdmin(RefreshesDerivedData, admin.ModelAdmin):
    list_display = ["condition", "role", "is_public", "joined_at"]
    list_filter = ["role", "is_public"]
    list_select_related = ["condition"]
    raw_id_fields = ["user", "condition"]


class OpenReportsFilter(admin.SimpleListFilter):
    title = "reports"
    parameter_name = "reported"

    def lookups(self, request, model_admin):
        return [("open", "Has open reports"), ("none", "No open reports")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(open_reports__gt=0)
        if self.value() == "none":
            return queryset.filter(open_reports=0)
        return queryset


class ConditionSearchFilter(admin.SimpleListFilter):
    """A search box, not a list of every condition (there are thousands): the name, or part of it,
    or the abbreviation. static/js/admin-condition-filter.js suggests names as one types."""

    title = "condition"
    parameter_name = "condition_name"
    template = "admin/community/story/condition_filter.html"

    def lookups(self, request, model_admin):
        return []

    def has_output(self):
        return True

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()[:200]
        if value:
            return queryset.filter(Q(condition__name__icontains=value) | Q(condition__acronym__iexact=value))
        return queryset

    def choices(self, changelist):
        # The other filters of the list, kept as hidden fields of the search box's form.
        others = {k: v for k, v in changelist.params.items() if k not in (self.parameter_name, "p")}
        yield {
            "value": self.value() or "",
            "others": [(k, v) for k, vs in others.items() for v in (vs if isinstance(vs, list) else [vs])],
        }


class StoryReportInline(admin.TabularInline):
    model = StoryReport
    template = LabelledTabularInline.template  # Django's own leaves two column headings empty
    fields = ["reason", "created_at", "resolved_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class StoryAdminForm(admin.ModelAdmin.form):
    # What the moderator was shown (Story.version_token()): the save is refused if it changed since.
    seen_version = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_version"].initial = self.instance.version_token()
        if "status" in self.fields:  # withdrawing is the author's choice, never a moderator's
            self.fields["status"].choices = [
                (value, label) for value, label in self.fields["status"].choices if value != Story.Status.WITHDRAWN
            ]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and cleaned.get("seen_version") != self.instance.version_token():
            raise forms.ValidationError(STORY_CHANGED, code="stale")
        return cleaned


@admin.register(Story)
class StoryAdmin(RefreshesDerivedData, MarkdownxModelAdmin):
    """The moderation place: approve or reject one by one (status field) or in bulk (actions), edit
    out identifying details (the author is told), see and settle readers' reports."""

    form = StoryAdminForm
    list_display = [
        "title",
        "condition",
        "status",
        "identifying_flags",
        "open_reports",
        "moderator_edited",
        "created_at",
    ]
    list_filter = ["status", OpenReportsFilter, "moderator_edited", ConditionSearchFilter]
    list_select_related = ["condition"]
    search_fields = ["title", "condition__name"]
    fieldsets = [
        (None, {"fields": ["condition", "author", "role", "show_name", "consent", "created_at"]}),
        (
            "Story",
            {
                "fields": ["identifying_details", "title", "body"],
                "description": "Remove names, dates and places that could identify someone. Saving an edit "
                "marks the story as edited by a moderator; the author sees that, with your note.",
            },
        ),
        (
            "Moderation",
            {
                "fields": [
                    "status",
                    "rejection_reason",
                    "moderator_note",
                    "moderator_edited",
                    "moderated_by",
                    "moderated_at",
                    "seen_version",
                ]
            },
        ),
    ]
    # The author's privacy choices (shown name, role, consent) are theirs alone.
    readonly_fields = [
        "identifying_details",
        "condition",
        "author",
        "role",
        "show_name",
        "consent",
        "created_at",
        "moderator_edited",
        "moderated_by",
        "moderated_at",
    ]
    inlines = [StoryReportInline]
    actions = ["approve_selected", "reject_selected", "resolve_reports"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_open_reports()

    @admin.display(ordering="open_reports", description="open reports")
    def open_reports(self, story):
        return story.open_reports

    @admin.display(description="possible identifying details")
    def identifying_flags(self, story):
        flags = identifying.find(f"{story.title}\n{story.body}")
        if not flags:
            return "–"
        kinds = sorted({flag.kind for flag in flags})
        return f"{len(flags)}: {', '.join(kinds)}"

    @admin.display(description="Looks identifying")
    def identifying_details(self, story):
        """What the author was shown before sending (identifying.py), so the moderator checks the same."""
        flags = identifying.find(f"{story.title}\n{story.body}") if story.pk else []
        if not flags:
            return "Nothing found (phone numbers, e-mail addresses, street addresses, full dates, web links)."
        items = format_html_join("", "<li>{}: <strong>{}</strong></li>", ((f.kind.capitalize(), f.text) for f in flags))
        return format_html("<ul>{}</ul>", items)

    def has_add_permission(self, request):
        return False  # stories come from members

    class Media:
        js = ["js/admin-condition-filter.js"]

    def get_urls(self):
        own = [
            path("<int:pk>/approve/", self.admin_site.admin_view(self.approve_view), name="community_story_approve"),
            path("<int:pk>/reject/", self.admin_site.admin_view(self.reject_view), name="community_story_reject"),
        ]
        return own + super().get_urls()

    def _moderated_story(self, request, pk):
        story = get_object_or_404(Story.objects.select_related("condition"), pk=pk)
        if not self.has_change_permission(request, story):
            raise PermissionDenied
        return story

    def _change_url(self, story):
        return reverse("admin:community_story_change", args=[story.pk])

    @method_decorator(require_POST)
    def approve_view(self, request, pk):
        """The Approve button of a story's page: refused if the story changed since it was shown."""
        story = self._moderated_story(request, pk)
        try:
            services.story_approve(story=story, moderator=request.user, seen=request.POST.get("seen_version", ""))
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return redirect(self._change_url(story))
        self.message_user(
            request, f"“{story.title}” is approved and published; its author is told by e-mail.", messages.SUCCESS
        )
        return redirect(reverse("admin:community_story_changelist") + "?status__exact=pending")

    @method_decorator(require_POST)
    def reject_view(self, request, pk):
        """The Reject button: asks for the reason the author will read, then rejects."""
        story = self._moderated_story(request, pk)
        reason = request.POST.get("rejection_reason", "").strip()
        seen = request.POST.get("seen_version", "")
        error = ""
        if "confirm" in request.POST:
            try:
                services.story_reject(story=story, moderator=request.user, reason=reason, seen=seen)
            except ValidationError as e:
                if getattr(e, "code", "") == "stale" or not hasattr(e, "error_dict"):
                    self.message_user(request, " ".join(e.messages), messages.ERROR)
                    return redirect(self._change_url(story))
                error = " ".join(e.messages)
            else:
                self.message_user(
                    request, f"“{story.title}” is not published; its author is told why by e-mail.", messages.SUCCESS
                )
                return redirect(reverse("admin:community_story_changelist") + "?status__exact=pending")
        context = {
            **self.admin_site.each_context(request),
            "title": f"Reject “{story.title}”",
            "opts": self.model._meta,
            "story": story,
            "reason": reason,
            "seen": seen,
            "error": error,
        }
        return TemplateResponse(request, "admin/community/story/reject.html", context)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status == Story.Status.WITHDRAWN:
            return [*self.readonly_fields, "status"]  # only the author can send it again
        return self.readonly_fields

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:  # save_model's check under the row lock: nothing was saved
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return redirect(request.path)

    def save_model(self, request, obj, form, change):
        # The form checked the story is as shown; checked again here under the row lock, so an
        # author's edit cannot slip in between the check and the save. A change of status goes
        # through the services, which tell the author by e-mail: the row keeps its stored status
        # until they make it.
        stored = services.story_lock_unchanged(story=obj, seen=form.cleaned_data["seen_version"])
        new_status, new_reason = obj.status, obj.rejection_reason.strip()
        obj.status, obj.rejection_reason = stored.status, stored.rejection_reason
        deciding = new_status != stored.status or (
            new_status == Story.Status.REJECTED and new_reason != stored.rejection_reason
        )
        if set(form.changed_data) & {"title", "body"}:
            services.story_moderator_edit(
                story=obj,
                moderator=request.user,
                title=obj.title,
                body=obj.body,
                note=obj.moderator_note,
                notify=not deciding or new_status == Story.Status.PENDING,
            )
        else:
            obj.save()
        if not deciding:
            return
        if new_status == Story.Status.APPROVED:
            services.story_approve(story=obj, moderator=request.user)
        elif new_status == Story.Status.REJECTED:
            services.story_reject(story=obj, moderator=request.user, reason=new_reason)
        else:  # back to the queue: nothing to tell the author
            obj.status = new_status
            obj.save(update_fields=["status", "updated_at"])

    @admin.action(description="Approve selected stories")
    def approve_selected(self, request, queryset):
        approved = 0
        for story in queryset.exclude(status=Story.Status.WITHDRAWN):
            try:
                services.story_approve(story=story, moderator=request.user)
            except ValidationError:  # withdrawn by its author since the list was read
                continue
            approved += 1
        self.message_user(request, f"Approved {approved} {'story' if approved == 1 else 'stories'}.")

    @admin.action(description="Reject selected stories (asks for a reason)")
    def reject_selected(self, request, queryset):
        stories = list(queryset.exclude(status=Story.Status.WITHDRAWN).select_related("condition"))
        reason = request.POST.get("rejection_reason", "").strip()
        error = ""
        if "apply" in request.POST:
            try:
                for story in stories:
                    services.story_reject(story=story, moderator=request.user, reason=reason)
            except ValidationError as e:
                error = e.message_dict["rejection_reason"][0]
            else:
                self.message_user(request, f"Rejected {len(stories)} {'story' if len(stories) == 1 else 'stories'}.")
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Reject stories",
            "opts": self.model._meta,
            "stories": stories,
            "reason": reason,
            "error": error,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/community/story/reject_selected.html", context)

    @admin.action(description="Mark reports on selected stories as dealt with")
    def resolve_reports(self, request, queryset):
        resolved = sum(services.story_reports_resolve(story=story) for story in queryset)
        self.message_user(
            request, f"{resolved} report{'' if resolved == 1 else 's'} marked as dealt with.", messages.SUCCESS
        )


class OpenFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("resolved", "Dealt with")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(resolved_at=None)
        if self.value() == "resolved":
            return queryset.exclude(resolved_at=None)
        return queryset


@admin.register(StoryReport)
class StoryReportAdmin(admin.ModelAdmin):
    list_display = ["story", "reason", "created_at", "resolved_at"]
    list_filter = [OpenFilter]
    list_select_related = ["story"]
    # Who filed a report and what it says are the reader's words: a moderator only settles it.
    fields = ["story", "reporter", "reason", "created_at", "resolved_at"]
    readonly_fields = ["story", "reporter", "reason", "created_at"]

    def has_add_permission(self, request):
        return False  # reports come from readers

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "resolved_at":
            # Django's date and time boxes print "Date:" and "Time:" as plain text, not as their labels.
            date, time = field.widget.widgets
            date.attrs["aria-label"], time.attrs["aria-label"] = f"{field.label}, date", f"{field.label}, time"
        return field
