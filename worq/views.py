import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from worq.lib.hooks import registry
from worq.lib.markup import markdown_to_html
from worq.models import Page

logger = logging.getLogger(__name__)


NEWS_PER_SOURCE = 3


def home(request):
    numbers = []
    for key in registry.key_numbers:
        value = key.count()
        if value:
            numbers.append({"label": key.label, "unit": key.unit, "value": value})
    news = []
    for source in registry.news_sources:
        items = source.items(NEWS_PER_SOURCE)
        if items:
            news.append({"label": source.label, "items": items})
    return render(request, "home.html", {"key_numbers": numbers, "news": news})


def support(request):
    from worq.navigation import url_or_none

    return render(
        request,
        "support.html",
        {
            "links_url": url_or_none("consultations:link-list"),
        },
    )


def contact(request):
    from worq.navigation import url_or_none

    return render(
        request,
        "contact.html",
        {
            "ask_url": url_or_none("consultations:ask"),
            "request_url": url_or_none("consultations:request-create"),
            "opinion_url": url_or_none("opinionbox:index"),
        },
    )


def page(request, slug: str):
    obj = get_object_or_404(Page, slug=slug)
    return render(request, "page.html", {"page": obj, "body_html": markdown_to_html(obj.body)})


@require_GET
@never_cache
def healthz(request):
    result = {"database": "ok", "broker": "eager"}
    status = 200
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        logger.exception("healthz: database unreachable")
        result["database"] = "error"
        status = 503
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        result["broker"] = _broker_status()
    return JsonResponse(result, status=status)


def _broker_status() -> str:
    from worq.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception:
        logger.exception("healthz: broker unreachable")
        return "error"


def error_400(request, exception=None):
    return render(request, "errors/400.html", status=400)


def error_403(request, exception=None):
    return render(request, "errors/403.html", status=403)


def error_404(request, exception=None):
    return render(request, "errors/404.html", status=404)


def error_500(request):
    return render(request, "errors/500.html", status=500)


def error_429(request, exception=None):
    return render(request, "errors/429.html", status=429)
