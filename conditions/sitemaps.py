"""The sitemap: an index at /sitemap.xml naming one file per section and page, each file holding at
most `limit` URLs (the protocol allows 50,000: https://www.sitemaps.org/protocol.html#index).
Every file costs two queries (a count and its page of rows) however large the catalogue grows."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from .codes import reads
from .models import Condition


class ConditionSitemap(Sitemap):
    """Pages with a definition or text written by people; thin catalogue pages carry noindex instead."""

    changefreq = "monthly"
    # A tenth of the protocol's 50,000: a file of 50,000 took seconds to render on a 2-core machine.
    limit = 5_000

    def items(self):
        # (slug, updated_at) rows rather than model instances: a file holds up to 50,000 of them.
        return Condition.objects.published().indexable().order_by("name").values_list("slug", "updated_at")

    def location(self, item):
        return reverse("conditions:detail", args=[item[0]])

    def lastmod(self, item):
        return item[1]

    def get_latest_lastmod(self):
        """The index's lastmod for this section, in one query (Django's default reads every row)."""
        return Condition.objects.published().indexable().aggregate(latest=Max("updated_at"))["latest"]


class CodeSitemap(Sitemap):
    """The pages of the official codes that published conditions use; the other 110,000 code pages
    are reached by browsing and links, not submitted."""

    changefreq = "yearly"  # a new code set release comes once a year
    limit = ConditionSitemap.limit

    def items(self):
        return reads.codes_in_use()


SITEMAPS = {"conditions": ConditionSitemap, "codes": CodeSitemap}
