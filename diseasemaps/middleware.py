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
