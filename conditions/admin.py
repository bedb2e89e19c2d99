from django.contrib import admin
from django.core.cache import cache
from markdownx.admin import MarkdownxModelAdmin

from .context_processors import DISCLAIMER_CACHE_KEY
from .models import Code, Condition, ConditionCode, Reference, Review, SiteText, Synonym


class SynonymInline(admin.TabularInline):
    model = Synonym
    extra = 0


class ConditionCodeInline(admin.TabularInline):
    model = ConditionCode
    extra = 0
    fields = ["system", "value", "official_title", "role", "fit", "note"]
    readonly_fields = ["official_title"]

    @admin.display(description="Official title")
    def official_title(self, obj):
        return obj.title or "—"


class ReferenceInline(admin.TabularInline):
    model = Reference
    extra = 0


@admin.register(Condition)
class ConditionAdmin(MarkdownxModelAdmin):
    list_display = ["name", "acronym", "status", "last_reviewed_on", "updated_at"]
    list_filter = ["status", "origin"]
    search_fields = ["name", "acronym", "synonyms__name", "codes__value"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["related"]
    inlines = [SynonymInline, ConditionCodeInline, ReferenceInline]


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
    list_display = ["condition", "reviewer_name", "reviewed_on", "next_review_on"]
    list_select_related = ["condition"]
    raw_id_fields = ["condition", "reviewer"]


@admin.register(SiteText)
class SiteTextAdmin(admin.ModelAdmin):
    list_display = ["key", "updated_at"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        cache.delete(DISCLAIMER_CACHE_KEY)
