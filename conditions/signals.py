"""The safety net for derived data: a save or delete made anywhere (the shell included) of a row a
page shows calls derived.refresh() for its condition. The write paths call it themselves; inside
their derived.refreshing() block these calls only collect ids. Bulk writes (bulk_create, update)
send no signals: the code that makes them calls derived.refresh()."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from . import derived

ON_THE_PAGE = [
    "conditions.Condition",
    "conditions.Synonym",
    "conditions.ConditionCode",
    "conditions.Reference",
    "conditions.Review",
]  # fmt: skip  (signs, ConditionSymptom, are written in bulk by the importers, which refresh)
SITE_WIDE = ["conditions.SiteText"]  # shown on every page


def _condition_id(sender, instance):
    return instance.pk if sender._meta.model_name == "condition" else instance.condition_id


def _page_changed(sender, instance, origin=None, **kwargs):
    if sender._meta.model_name != "condition" and _deleting_conditions(origin):
        return  # deleted with its page, whose own delete refreshes (rebuilding now would re-add rows)
    derived.refresh([_condition_id(sender, instance)])


def _deleting_conditions(origin):
    if origin is None:
        return False
    model = origin.model if hasattr(origin, "model") else type(origin)
    return model._meta.label == "conditions.Condition"


def _site_text_changed(sender, instance, **kwargs):
    derived.refresh([])


def _community_changed(sender, instance, **kwargs):
    derived.refresh([instance.condition_id], community=True)


def _related_changed(sender, instance, action, pk_set, **kwargs):
    if action.startswith("post_"):
        derived.refresh([instance.pk, *(pk_set or ())])


def connect_community(models):
    """Members and stories show on their condition's pages; community.apps connects its models here."""
    for model in models:
        post_save.connect(_community_changed, sender=model, dispatch_uid=f"derived-save-{model._meta.label}")
        post_delete.connect(_community_changed, sender=model, dispatch_uid=f"derived-delete-{model._meta.label}")


for model in ON_THE_PAGE:
    post_save.connect(_page_changed, sender=model, dispatch_uid=f"derived-save-{model}")
    post_delete.connect(_page_changed, sender=model, dispatch_uid=f"derived-delete-{model}")
for model in SITE_WIDE:
    post_save.connect(_site_text_changed, sender=model, dispatch_uid=f"derived-save-{model}")
    post_delete.connect(_site_text_changed, sender=model, dispatch_uid=f"derived-delete-{model}")
m2m_changed.connect(_related_changed, sender="conditions.Condition_related", dispatch_uid="derived-related")
