from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from markdownx.admin import MarkdownxModelAdmin

from .models import Membership, Story, StoryReport, User


@admin.register(User)
class MemberAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (("Profile", {"fields": ["display_name", "credentials"]}),)
    list_display = ["email", "display_name", "is_staff", "date_joined"]
    search_fields = ["email", "username", "display_name"]
    ordering = ["email"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["condition", "role", "is_public", "joined_at"]
    list_filter = ["role", "is_public"]
    list_select_related = ["condition"]
    raw_id_fields = ["user", "condition"]


@admin.register(Story)
class StoryAdmin(MarkdownxModelAdmin):
    list_display = ["title", "condition", "status", "created_at"]
    list_filter = ["status", "condition"]
    list_select_related = ["condition"]
    search_fields = ["title", "condition__name"]
    raw_id_fields = ["author", "condition"]
    readonly_fields = ["created_at", "moderated_by", "moderated_at"]


@admin.register(StoryReport)
class StoryReportAdmin(admin.ModelAdmin):
    list_display = ["story", "reason", "created_at", "resolved_at"]
    raw_id_fields = ["story", "reporter"]
