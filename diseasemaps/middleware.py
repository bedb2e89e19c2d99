import functools
import ipaddress
import logging
import time

from csp.constants import HEADER
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed

request_logger = logging.getLogger("diseasemaps.requests")


def permissions_policy(get_response):
    """Django sets the other security headers; this one it does not."""

    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response

    return middleware


def request_log(get_response):
    """One structured log line per request: method, path, status and time taken."""

    def middleware(request):
        if not request_logger.isEnabledFor(logging.INFO):  # LOG_LEVEL=WARNING: not even the clock
            return get_response(request)
        started = time.perf_counter()
        response = get_response(request)
        request_logger.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        return response

    return middleware


def trusted_proxy_headers(get_response):
    """X-Forwarded-Proto says the request came over HTTPS; only our load balancer may say so.
    From any other peer the header is dropped, so SECURE_PROXY_SSL_HEADER never trusts it
    (gunicorn's FORWARDED_ALLOW_IPS: addresses or networks, or "*" for any)."""
    allowed = [value.strip() for value in settings.FORWARDED_ALLOW_IPS if value.strip()]
    trust_all = "*" in allowed
    networks = [ipaddress.ip_network(value, strict=False) for value in allowed if value != "*"]

    def trusted(address):
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:  # e.g. a unix socket peer
            return False
        return any(ip in network for network in networks)

    def middleware(request):
        if not trust_all and "HTTP_X_FORWARDED_PROTO" in request.META and not trusted(request.META.get("REMOTE_ADDR")):
            del request.META["HTTP_X_FORWARDED_PROTO"]
        return get_response(request)

    return middleware


class ContentSecurityPolicy(CSPMiddleware):
    """django-csp's middleware, with the site's policy built once per process. django-csp builds
    the header from the settings for every response (0.03-0.05 ms of a 1 ms search page). Its own path
    is still taken for a response it has work to do for: a view's own policy or exemption (its
    decorators set `_csp_*` attributes on the response), a nonce asked for, or settings with a
    report-only policy or excluded paths."""

    def process_response(self, request, response):
        policy = _site_policy()
        if (
            not policy
            or getattr(request, "_csp_nonce", None) is not None
            or any(name.startswith("_csp") for name in vars(response))
        ):
            return super().process_response(request, response)
        if HEADER not in response:
            response[HEADER] = policy
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # as django-csp does
        return response


@functools.cache
def _site_policy():
    """The header for every response, or "" when the settings need django-csp's own path."""
    enforced = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
    if getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None) or enforced.get("EXCLUDE_URL_PREFIXES"):
        return ""
    return build_policy()


def _forget_site_policy(*, setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):  # tests that override it
        _site_policy.cache_clear()


setting_changed.connect(_forget_site_policy)
