import functools

from django.conf import settings
from django.core.cache import cache
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse

from .models import SiteText

DISCLAIMER_CACHE_KEY = "sitetext:medical-disclaimer"
DEFAULT_DISCLAIMER = (
    "This information is for educational purposes only and does not constitute professional medical "
    "advice, diagnosis, or treatment. Always seek the advice of your physician or other qualified health "
    "provider with any questions you may have regarding a medical condition."
)


def medical_disclaimer():
    """The editors' disclaimer text; cached, and cleared when an editor saves it (see admin)."""
    text = cache.get(DISCLAIMER_CACHE_KEY)
    if text is None:
        text = (
            SiteText.objects.filter(key=SiteText.Key.MEDICAL_DISCLAIMER).values_list("text", flat=True).first()
            or DEFAULT_DISCLAIMER
        )
        cache.set(DISCLAIMER_CACHE_KEY, text, 3600)
    return text


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


# The stylesheet, icon and script that base.html links on every page. Their names are fixed while
# the storage is (the manifest storage reads its manifest once, when it starts), so each process
# looks them up once: three {% static %} tags took 0.08 ms of every page.
SITE_ASSETS = {"css": "css/site.css", "icon": "img/favicon.svg", "js": "js/suggest.js"}


@functools.lru_cache(maxsize=16)  # keyed by the settings that decide the names (tests change them)
def _site_assets(static_url, static_root, storage):
    return {key: static(path) for key, path in SITE_ASSETS.items()}


def site(request):
    links = _site_links(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    assets = _site_assets(settings.STATIC_URL, str(settings.STATIC_ROOT), repr(settings.STORAGES.get("staticfiles")))
    return {"medical_disclaimer": medical_disclaimer, "links": links, "assets": assets}
