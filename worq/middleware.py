from django.conf import settings


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
