"""Whole-page cache for visitors (no session, no message) on the hot pages.

A cached page is keyed by its full path, the htmx flag and the *content
version*: a token that changes on every save or delete of a model in the
content apps (``worq.apps`` connects the signals), so an edit shows at once.
Time alone can change a page (an article's publish time comes, a rate table
comes into force), so an entry also lives only ``WORQ_VISITOR_CACHE_SECONDS``.

Pages that set a cookie or use the CSRF token (a form that posts) are never
stored: they belong to one person.

Signed-in people get whole pages rendered for them, but the *data* of the hot
pages (search results, facets, a case's linked text, rate-table options, the
Magazine's front page) is the same for everyone: ``remember`` keeps it in this
process under the same content version and time bound
(``WORQ_DATA_CACHE_SECONDS``). Only what reads the same for every person may
go through ``remember``: never a user, a tier, a name or a token."""

import hashlib
import logging
import threading
import time
import uuid
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

VERSION_KEY = "worq:content-version"
CONTENT_APPS = {"worq", "consultations", "kyosai", "community", "magazine", "opinionbox"}


# Within one request the version is read once (``request_started`` and
# ``request_finished`` mark the request; worq.apps connects them).
_request = threading.local()


def content_version() -> str:
    version = getattr(_request, "version", None)
    if version is not None:
        return version
    version = cache.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        cache.set(VERSION_KEY, version, None)
    if getattr(_request, "active", False):
        _request.version = version
    return version


def request_started(**kwargs) -> None:
    _request.active, _request.version = True, None


def request_finished(**kwargs) -> None:
    _request.active, _request.version = False, None


# While ``migrate`` runs (its data migrations save content, perhaps before the
# cache table exists) the version is bumped once, at the end.
_migrating = False


def migrate_started(**kwargs) -> None:
    global _migrating
    _migrating = True


def migrate_finished(**kwargs) -> None:
    """post_migrate is sent once per app: the first one bumps."""
    global _migrating
    if _migrating:
        _migrating = False
        if seconds() > 0 or data_seconds() > 0:
            _new_version()


def bump_content_version(sender=None, **kwargs) -> None:
    """After the change commits (a page rendered before the commit must not be
    stored under the new version)."""
    if _migrating or (seconds() <= 0 and data_seconds() <= 0):
        return
    if sender is None or sender._meta.app_label in CONTENT_APPS:
        transaction.on_commit(_new_version)


def _new_version() -> None:
    # A save never fails because of the cache: it may be down. The pages
    # then age out after ``seconds()`` at the latest.
    _request.version = None
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


# --- Data of the hot pages, kept in this process -----------------------------------
DATA_ENTRIES = 512  # per process; the least recently used entry goes first


class _Memo:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: OrderedDict = OrderedDict()

    def get(self, key, now: float):
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            if entry[0] <= now:
                del self.entries[key]
                return None
            self.entries.move_to_end(key)
            return entry

    def put(self, key, value, expires: float) -> None:
        with self.lock:
            self.entries[key] = (expires, value)
            self.entries.move_to_end(key)
            while len(self.entries) > DATA_ENTRIES:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


_memo = _Memo()


def data_seconds() -> int:
    return int(getattr(settings, "WORQ_DATA_CACHE_SECONDS", 60))


def remember(name: str, parts: tuple, compute):
    """``compute()``, kept in this process until the content changes (any
    commit in a content app) or ``data_seconds()`` pass. ``parts`` names what
    the value depends on besides the content (a query, a page number, a date).

    The value is shared by every later request: callers must not change it,
    and it must hold nothing that belongs to one person."""
    timeout = data_seconds()
    if timeout <= 0 or _changes_pending():
        return compute()
    try:
        version = content_version()
    except Exception as exc:
        logger.warning("data cache: no content version: %s", exc)
        return compute()
    key = (version, name, parts)
    now = time.monotonic()
    hit = _memo.get(key, now)
    if hit is not None:
        return hit[1]
    value = compute()
    _memo.put(key, value, now + timeout)
    return value


def _changes_pending() -> bool:
    """True inside a transaction that changed content and has not committed:
    its own reads must see the change, and what it reads must not be kept
    for others (it may yet roll back)."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return False
    return any(_new_version in entry for entry in connection.run_on_commit)


def forget_data() -> None:
    """Drop this process's kept data (tests, after switching databases)."""
    _memo.clear()
