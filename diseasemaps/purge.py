"""Tells the shared caches in front of the site (Varnish, a CDN, a caching proxy) to drop the pages
that name a changed surrogate key (diseasemaps/pagecache.py). Called after the commit, so the
next read of a purged page is rendered from the committed rows.

PURGE_BACKEND picks how, for each address in PURGE_URLS:
- `none` (the default): nothing in front keeps pages beyond their `s-maxage`;
- `xkey`: Varnish with the xkey module: `PURGE /` with `xkey-purge: key1 key2`
  (deploy/varnish/default.vcl);
- `http`: any endpoint that takes `PURGE_METHOD` (PURGE by default, or BAN) with
  `Surrogate-Key: key1 key2`.
A purge that fails is logged and the change stands: the page then lives until its s-maxage."""

import logging
import urllib.error
import urllib.request

from django.conf import settings

logger = logging.getLogger(__name__)

BACKENDS = ("none", "xkey", "http")
TIMEOUT = 5  # seconds; the caches are on the local network

# No proxy from the environment: purges go straight to the caches named.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def purge(keys):
    """Purges the pages naming any of `keys` from every cache in PURGE_URLS. Never raises."""
    backend = settings.PURGE_BACKEND
    if backend == "none" or not keys:
        return
    value = " ".join(sorted(set(keys)))
    if backend == "xkey":
        method, headers = "PURGE", {"xkey-purge": value}
    else:
        method, headers = settings.PURGE_METHOD, {"Surrogate-Key": value}
    for url in settings.PURGE_URLS:
        request = urllib.request.Request(url, method=method, headers=headers)
        try:
            with _opener.open(request, timeout=TIMEOUT) as response:
                response.read()
        except (OSError, urllib.error.URLError) as error:
            logger.error("Could not purge %s from %s: %s", value, url, error)
