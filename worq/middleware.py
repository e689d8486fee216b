from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

from worq.lib import pagecache


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
            from worq.views import error_404

            return error_404(request)
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
            cache.set(
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
        cache_key = pagecache.key(request)
        hit = cache.get(cache_key)
        if hit is not None:
            status, headers, content = hit
            response = HttpResponse(content, status=status)
            for name, value in headers.items():
                response[name] = value
            return response
        request._worq_page_cache_key = cache_key
        return None
