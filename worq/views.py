import logging

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from worq.celery import app
from worq.lib.cache import FallbackCache
from worq.lib.hooks import registry
from worq.lib.markup import markdown_to_html
from worq.middleware import render_error
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
    return render(
        request,
        "support.html",
        {
            "links_url": reverse("consultations:link-list"),
        },
    )


def contact(request):
    return render(
        request,
        "contact.html",
        {
            "ask_url": reverse("consultations:ask"),
            "request_url": reverse("consultations:request-create"),
            "opinion_url": reverse("opinionbox:index"),
        },
    )


def page(request, slug: str):
    obj = get_object_or_404(Page, slug=slug)
    return render(request, "page.html", {"page": obj, "body_html": markdown_to_html(obj.body)})


@require_safe
@never_cache
def healthz(request):
    """Monitoring: 503 only when the database is down; a missing cache or broker
    is reported but the site still works (the database stands in for both)."""
    result = {"database": "ok", "broker": "eager", "cache": "database"}
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
    if isinstance(cache := caches["default"], FallbackCache):
        result["cache"] = cache.status()
    return JsonResponse(result, status=status)


def _broker_status() -> str:

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception:
        logger.exception("healthz: broker unreachable")
        return "error"


def error_400(request, exception=None):
    """Also for an unknown Host, raised before the session and the user exist."""
    return render_error("errors/400.html", 400)


def error_429(request, exception=None):
    """allauth's and Wor-Q's rate limits; rendered without the database or the user."""
    return render_error("errors/429.html", 429)
