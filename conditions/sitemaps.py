"""The sitemap: an index at /sitemap.xml naming one file per section and page, each file holding at
most `limit` URLs (the protocol allows 50,000: https://www.sitemaps.org/protocol.html#index).
Every file costs two queries (a count and its page of rows) however large the catalogue grows,
and is written out by section() below rather than through Django's per-URL template."""

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import x_robots_tag
from django.contrib.sites.shortcuts import get_current_site
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import Max
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from .codes import reads
from .models import Condition


class ConditionSitemap(Sitemap):
    """Pages with a definition or text written by people; thin catalogue pages carry noindex instead."""

    changefreq = "monthly"
    # A tenth of the protocol's 50,000: a file of 50,000 took seconds to render on a 2-core machine.
    limit = 5_000

    def items(self):
        # (slug, updated_at) rows rather than model instances: a file holds up to 5,000 of them.
        return Condition.objects.published().indexable().order_by("name").values_list("slug", "updated_at")

    def __init__(self):
        # One reverse() per file, not per address (a reverse() costs about as much as writing the
        # address): a slug needs no quoting, so the page's address is the placeholder's, replaced.
        self.address = reverse("conditions:detail", args=["slug"]).rpartition("slug")

    def location(self, item):
        before, _, after = self.address
        return f"{before}{item[0]}{after}"

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
        return reads.codes_in_use().values_list("system", "code")  # (system, code) rows, not models

    def location(self, item):
        return reverse("conditions:code-detail", args=item)


SITEMAPS = {"conditions": ConditionSitemap, "codes": CodeSitemap}


@require_safe
@x_robots_tag
def section(request, section):
    """One file of a section: the XML of Django's sitemap view (django.contrib.sitemaps.views.sitemap,
    its headers and 404s included), written as one string. Its template rendered five nodes per
    address: seconds for a file of 5,000. Our sections give a location, a lastmod (or none) and a
    changefreq, no priority nor alternates."""
    if section not in SITEMAPS:
        raise Http404(f"No sitemap available for section: {section!r}")
    sitemap = SITEMAPS[section]()
    page = request.GET.get("p", 1)
    try:
        items = sitemap.paginator.page(page).object_list
    except EmptyPage:
        raise Http404(f"Page {page} empty") from None
    except PageNotAnInteger:
        raise Http404(f"No page {page!r}") from None
    site = f"{sitemap.get_protocol(request.scheme)}://{get_current_site(request).domain}"
    changefreq = f"<changefreq>{sitemap.changefreq}</changefreq>"
    dated = hasattr(sitemap, "lastmod")
    zone = timezone.get_current_timezone()  # the date of the site's time zone, as the template's |date
    urls, newest = [], None
    for item in items:
        lastmod = sitemap.lastmod(item) if dated else None
        if lastmod is None:
            urls.append(f"<url><loc>{escape(site + sitemap.location(item))}</loc>{changefreq}</url>")
            continue
        newest = lastmod if newest is None else max(newest, lastmod)
        day = lastmod.astimezone(zone).date().isoformat()
        urls.append(
            f"<url><loc>{escape(site + sitemap.location(item))}</loc><lastmod>{day}</lastmod>{changefreq}</url>"
        )
    headers = {"Last-Modified": http_date(newest.timestamp())} if dated and newest else None
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
        f"{''.join(urls)}\n</urlset>\n"
    )
    return HttpResponse(xml, content_type="application/xml", headers=headers)
