import ipaddress
import logging
import time

from django.conf import settings

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
