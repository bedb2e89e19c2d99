"""Keeps derived data current after any save or delete, from the admin, a command or the shell:
the stored condition page parts, the reader page cache (every change a reader could see) and
the search index (names and codes). Bulk writes (bulk_create, update) send no signals; the
commands that make them call pages.invalidate(), pagecache.invalidate() and search.refresh()."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from . import pagecache, pages, search
from .models import Condition

READER_VISIBLE = [
    "conditions.Condition", "conditions.Synonym", "conditions.ConditionCode", "conditions.Reference",
    "conditions.Review", "conditions.SiteText",
]  # fmt: skip
COMMUNITY = ["community.Membership", "community.Story"]  # shown only on their condition's pages and home
ON_THE_PAGE = ["conditions.Synonym", "conditions.ConditionCode", "conditions.Reference", "conditions.Review"]
SEARCHED = ["conditions.Condition", "conditions.Synonym", "conditions.ConditionCode"]


def _deleting_conditions(origin):
    """True when this delete cascades from deleting pages: their derived data goes with them."""
    if origin is None:
        return False
    model = origin.model if hasattr(origin, "model") else type(origin)
    return model._meta.label == "conditions.Condition"


def _condition_id(sender, instance):
    return instance.pk if sender._meta.model_name == "condition" else instance.condition_id


def _refresh_search(sender, instance, origin=None, **kwargs):
    if sender._meta.model_name == "condition" or not _deleting_conditions(origin):
        search.refresh([_condition_id(sender, instance)])


def _empty_page_parts(sender, instance, origin=None, **kwargs):
    if not _deleting_conditions(origin):
        pages.invalidate([_condition_id(sender, instance)])


def _community_changed(sender, instance, **kwargs):
    slug = Condition.objects.filter(pk=instance.condition_id).values_list("slug", flat=True).first()
    if slug is None:  # the condition itself is being deleted, which retires every page
        pagecache.invalidate()
    else:
        pagecache.invalidate_community(slug)


def _related_changed(sender, instance, action, pk_set, **kwargs):
    if action.startswith("post_"):
        pages.invalidate([instance.pk, *(pk_set or ())])
        pagecache.invalidate()


for model in READER_VISIBLE:
    post_save.connect(pagecache.invalidate, sender=model, dispatch_uid=f"pagecache-save-{model}")
    post_delete.connect(pagecache.invalidate, sender=model, dispatch_uid=f"pagecache-delete-{model}")
for model in COMMUNITY:
    post_save.connect(_community_changed, sender=model, dispatch_uid=f"pagecache-save-{model}")
    post_delete.connect(_community_changed, sender=model, dispatch_uid=f"pagecache-delete-{model}")
for model in SEARCHED:
    post_save.connect(_refresh_search, sender=model, dispatch_uid=f"search-save-{model}")
    post_delete.connect(_refresh_search, sender=model, dispatch_uid=f"search-delete-{model}")
for model in ["conditions.Condition", *ON_THE_PAGE]:
    post_save.connect(_empty_page_parts, sender=model, dispatch_uid=f"pages-save-{model}")
    post_delete.connect(_empty_page_parts, sender=model, dispatch_uid=f"pages-delete-{model}")
m2m_changed.connect(_related_changed, sender="conditions.Condition_related", dispatch_uid="related-changed")
