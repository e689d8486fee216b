"""Whole-page cache for visitors (no session, no message) on the hot pages.

A cached page is keyed by its full path, the htmx flag and the *content
version*: a token that changes on every save or delete of a model in the
content apps (``worq.apps`` connects the signals), so an edit shows at once.
Time alone can change a page (an article's publish time comes, a rate table
comes into force), so an entry also lives only ``WORQ_VISITOR_CACHE_SECONDS``.

Pages that set a cookie or use the CSRF token (a form that posts) are never
stored: they belong to one person."""

import hashlib
import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

VERSION_KEY = "worq:content-version"
CONTENT_APPS = {"worq", "consultations", "kyosai", "community", "magazine", "opinionbox"}


def content_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        cache.set(VERSION_KEY, version, None)
    return version


def bump_content_version(sender=None, **kwargs) -> None:
    """After the change commits (a page rendered before the commit must not be
    stored under the new version)."""
    if seconds() <= 0:
        return
    if sender is None or sender._meta.app_label in CONTENT_APPS:
        transaction.on_commit(_new_version)


def _new_version() -> None:
    # A save never fails because of the cache: it may be down, or (while the
    # first migrations load their data) its table may not exist yet. The
    # pages then age out after ``seconds()`` at the latest.
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    except Exception as exc:
        logger.warning("page cache: content version not bumped: %s", exc)


def lookup(request):
    """(cache key, cached page or None); (None, None) when the cache fails."""
    try:
        cache_key = key(request)
        return cache_key, cache.get(cache_key)
    except Exception as exc:
        logger.warning("page cache unavailable: %s", exc)
        return None, None


def store(cache_key: str, page, timeout: int) -> None:
    try:
        cache.set(cache_key, page, timeout)
    except Exception as exc:
        logger.warning("page cache: page not stored: %s", exc)


def seconds() -> int:
    return int(getattr(settings, "WORQ_VISITOR_CACHE_SECONDS", 60))


def is_visitor(request) -> bool:
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def key(request) -> str:
    raw = "|".join(
        [
            content_version(),
            request.get_full_path(),
            request.headers.get("HX-Request", ""),
            request.LANGUAGE_CODE,
        ]
    )
    return "worq:page:" + hashlib.sha256(raw.encode()).hexdigest()


def storable(request, response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not response.has_header("Set-Cookie")
    )
