import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

from conditions.models import SiteText

from . import pagecache

# The header's and footer's links, on every page. They depend only on the URLconf and the script
# prefix, so each process reverses them once rather than ten times a page.
SITE_LINKS = {
    "home": "home",
    "conditions": "conditions:list",
    "search": "conditions:search",
    "suggest": "conditions:suggest",
    "me": "community:me",
    "login": "community:login",
    "signup": "community:signup",
    "codes": "conditions:code-index",
    "feed": "feed-updates",
    "sitemap": "sitemap",
    "privacy": "community:privacy",
}


@functools.lru_cache(maxsize=16)  # bounded: a prefix comes with the request
def _site_links(urlconf, prefix):
    return {key: reverse(name, urlconf=urlconf) for key, name in SITE_LINKS.items()}


@functools.lru_cache(maxsize=4)
def _disclaimer(site_version):
    """The footer's disclaimer, read once per process for each version of the site-wide texts
    (saving one retires pagecache.SITE, after its commit too)."""
    return SiteText.medical_disclaimer()


def site(request):
    links = _site_links(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    return {"medical_disclaimer": lambda: _disclaimer(pagecache.version(request, pagecache.SITE)), "links": links}
