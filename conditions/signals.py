"""Keeps derived data current after any save or delete, from the admin, a command or the shell:
the reader page cache (every change a reader could see) and the search index (names and codes).
Bulk writes (bulk_create, update) send no signals; the commands that make them call
pagecache.invalidate() and search.refresh() themselves."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from . import pagecache, search

READER_VISIBLE = [
    "conditions.Condition", "conditions.Synonym", "conditions.ConditionCode", "conditions.Reference",
    "conditions.Review", "conditions.SiteText", "community.Membership", "community.Story",
]  # fmt: skip
SEARCHED = ["conditions.Condition", "conditions.Synonym", "conditions.ConditionCode"]


def _refresh_search(sender, instance, origin=None, **kwargs):
    if sender._meta.model_name == "condition":
        search.refresh([instance.pk])
    elif not _deleting_conditions(origin):  # the page itself is going: its entry goes with it
        search.refresh([instance.condition_id])


def _deleting_conditions(origin):
    model = origin.model if hasattr(origin, "model") else type(origin)
    return model._meta.label == "conditions.Condition" if origin is not None else False


for model in READER_VISIBLE:
    post_save.connect(pagecache.invalidate, sender=model, dispatch_uid=f"pagecache-save-{model}")
    post_delete.connect(pagecache.invalidate, sender=model, dispatch_uid=f"pagecache-delete-{model}")
for model in SEARCHED:
    post_save.connect(_refresh_search, sender=model, dispatch_uid=f"search-save-{model}")
    post_delete.connect(_refresh_search, sender=model, dispatch_uid=f"search-delete-{model}")
m2m_changed.connect(pagecache.invalidate, sender="conditions.Condition_related", dispatch_uid="pagecache-related")
