from django.contrib.syndication.views import Feed

from .models import Condition


class UpdatesFeed(Feed):
    title = "DiseaseMaps: updated condition pages"
    link = "/conditions/"
    description = "Condition pages as they are published or updated."

    def items(self):
        return Condition.objects.published().order_by("-updated_at")[:30]

    def item_title(self, condition):
        return condition.title

    def item_description(self, condition):
        return condition.summary

    def item_updateddate(self, condition):
        return condition.updated_at
