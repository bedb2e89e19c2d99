from django.contrib.sitemaps import Sitemap

from .models import Condition


class ConditionSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return Condition.objects.published().only("slug", "updated_at").order_by("name")

    def lastmod(self, condition):
        return condition.updated_at
