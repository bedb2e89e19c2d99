# Varnish in front of the gunicorn instances: anonymous readers share cached reader pages, purged
# by surrogate key (xkey) when the site changes them; members and every non-GET go straight through.
# The site says what may be kept (Cache-Control: public … s-maxage) and sends the keys in `xkey`.
# Needs Debian's varnish and varnish-modules (xkey). backends.vcl names the instances and the
# addresses allowed to purge (see backends.vcl.example); the site purges with PURGE_BACKEND=xkey
# and PURGE_URLS listing every Varnish.
vcl 4.1;

import std;
import xkey;
import directors;

include "backends.vcl";  # backends, `new site = directors.round_robin()` in vcl_init, acl purgers

sub vcl_recv {
    set req.backend_hint = site.backend();
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "PURGE needs an xkey-purge header"));
        }
        return (synth(200, "Purged " + xkey.purge(req.http.xkey-purge)));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # A member (session) or a visitor with a message waiting sees a page of their own.
    if (req.http.Cookie ~ "(^|;\s*)(sessionid|messages)=") {
        return (pass);
    }
    # Any other cookie (a CSRF token, analytics) changes nothing a reader page shows.
    unset req.http.Cookie;
    # Varnish itself speaks only gzip: after vcl_recv it rewrites Accept-Encoding to gzip or
    # nothing. A browser that takes Brotli gets a copy of its own, fetched as Brotli (vcl_hash,
    # vcl_backend_fetch); every copy carries the same weak ETag and the same keys.
    if (req.http.Accept-Encoding ~ "(^|,)\s*br\s*(,|$|;\s*q=(1|0?\.\d*[1-9]))") {
        set req.http.X-Brotli = "1";
    } else {
        unset req.http.X-Brotli;
    }
    # Serve a page up to a minute stale while fetching it again; a day if the site is down.
    if (std.healthy(req.backend_hint)) {
        set req.grace = 60s;
    }
    return (hash);
}

sub vcl_hash {
    if (req.http.X-Brotli) {
        hash_data("br");
    }
    # and on to the built-in vcl_hash: URL and host
}

sub vcl_backend_fetch {
    if (bereq.http.X-Brotli) {
        set bereq.http.Accept-Encoding = "br";
    }
    unset bereq.http.X-Brotli;
}

sub vcl_pass {
    set req.http.X-Shared-Cache = "pass";
}

sub vcl_backend_response {
    if (bereq.uncacheable) {
        return (deliver);
    }
    if (beresp.http.Cache-Control ~ "(^|,)\s*public") {
        # The site sets no cookie with a public page; should one slip through, nobody shares it.
        unset beresp.http.Set-Cookie;
        set beresp.grace = 24h;
        return (deliver);
    }
    # private, no-store, no s-maxage or a cookie: the built-in rules keep nothing.
}

sub vcl_deliver {
    if (req.http.X-Shared-Cache) {
        set resp.http.X-Shared-Cache = req.http.X-Shared-Cache;
    } else if (obj.hits > 0) {
        set resp.http.X-Shared-Cache = "hit";
    } else {
        set resp.http.X-Shared-Cache = "miss";
    }
    # The keys are for purging; browsers have no use for them.
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
}
