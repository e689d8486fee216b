"""Site-wide request guards that run before any view reads the request."""

from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import HttpResponse
from django.template import loader
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.defaults import page_not_found

from worq.lib import pagecache


def render_error(template: str, status: int) -> HttpResponse:
    """An error page rendered without the request: no database, no user."""
    return HttpResponse(loader.get_template(template).render(), status=status)


class RequestSizeLimitMiddleware:
    """Refuse a body larger than ``WORQ_MAX_REQUEST_BYTES`` from its declared
    length, before anything reads it (Django's own limits apply while reading,
    gunicorn bounds the request line and headers, the front proxy the rest)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return render_error("errors/400.html", 400)
        if length > settings.WORQ_MAX_REQUEST_BYTES:
            return render_error("errors/413.html", 413)
        return self.get_response(request)


class RefuseNulMiddleware:
    """A NUL byte in the path or the query string is never a real request;
    PostgreSQL would refuse it deep inside a view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw_path = request.META.get("PATH_INFO", "")
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in raw_path or b"\x00" in unquote_to_bytes(query):
            return render_error("errors/400.html", 400)
        return self.get_response(request)


class PrivateResponsesMiddleware:
    """Pages for a signed-in person and file downloads are never stored by a
    browser or proxy cache (``Cache-Control: private, no-store``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.has_header("Content-Disposition") or self._signed_in(request):
            patch_cache_control(response, private=True, no_store=True)
            patch_vary_headers(response, ["Cookie"])
        return response

    @staticmethod
    def _signed_in(request) -> bool:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return False  # no session, no user: don't touch the database
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated)


class FriendlyNotFoundMiddleware:
    """Under DEBUG, a missing page shows the site's Japanese 404 page instead
    of Django's English debug page (which is also far wider than a phone).

    Only Django's technical 404 page is replaced: a view that answers 404
    with its own content keeps it. Add ``?debug404`` to see the debug page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and "debug404" not in request.GET
            and _is_technical_404(response)
        ):
            return page_not_found(request, None)
        return response


def _is_technical_404(response) -> bool:
    if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
        return False
    return b'<meta name="robots" content="NONE,NOARCHIVE">' in response.content


# The pages people open most, which read the same for every visitor.
VISITOR_CACHED_VIEWS = {
    "home",
    "consultations:case-list",
    "consultations:case-detail",
    "consultations:glossary-list",
    "consultations:glossary-detail",
    "consultations:answer-list",
    "kyosai:index",
    "kyosai:simulator",
    "magazine:home",
    "magazine:article",
}


class VisitorPageCacheMiddleware:
    """Serve the hot pages to visitors from ``worq.lib.pagecache``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        cache_key = getattr(request, "_worq_page_cache_key", None)
        if cache_key and pagecache.storable(request, response):
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            pagecache.store(
                cache_key,
                (response.status_code, dict(response.items()), response.content),
                pagecache.seconds(),
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if (
            request.method not in ("GET", "HEAD")
            or pagecache.seconds() <= 0
            or request.resolver_match is None
            or request.resolver_match.view_name not in VISITOR_CACHED_VIEWS
            or not pagecache.is_visitor(request)
        ):
            return None
        cache_key, hit = pagecache.lookup(request)
        if hit is not None:
            status, headers, content = hit
            response = HttpResponse(content, status=status)
            for name, value in headers.items():
                response[name] = value
            return response
        request._worq_page_cache_key = cache_key
        return None
