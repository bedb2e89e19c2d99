from django.contrib.sitemaps import Sitemap

from .codes import reads
from .models import Condition


class ConditionSitemap(Sitemap):
    """Pages with a definition or text written by people; thin catalogue pages carry noindex instead."""

    changefreq = "monthly"

    def items(self):
        return Condition.objects.published().indexable().only("slug", "updated_at").order_by("name")

    def lastmod(self, condition):
        return condition.updated_at


class CodeSitemap(Sitemap):
    """The pages of the official codes that published conditions use; the other 110,000 code pages
    are reached by browsing and links, not submitted."""

    changefreq = "yearly"  # a new code set release comes once a year

    def items(self):
        return reads.codes_in_use()
