"""The visitors' page cache: served from the cache, fresh after any content
change, never for signed-in people, never for a page that posts a form."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from tests.consultations.factories import CaseFactory
from worq.lib import pagecache

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache_on(settings):
    settings.WORQ_VISITOR_CACHE_SECONDS = 60


def test_visitor_gets_the_stored_page_until_content_changes(
    client, cache_on, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        CaseFactory(title="最初の事例")
    assert "最初の事例" in client.get("/consultations/").content.decode()
    with django_assert_max_num_queries(3):  # the content version and the page, from the cache
        assert "最初の事例" in client.get("/consultations/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        CaseFactory(title="あとから足した事例")
    assert "あとから足した事例" in client.get("/consultations/").content.decode()


def test_cached_page_keeps_the_security_headers(client, cache_on):
    client.get("/consultations/glossary/")
    response = client.get("/consultations/glossary/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_signed_in_people_are_never_served_from_the_cache(client, cache_on, member, registered_user):
    client.force_login(member)
    assert "マイページ" in client.get("/").content.decode()
    client.logout()
    client.force_login(registered_user)
    body = client.get("/").content.decode()
    assert "マイページ" in body and "かいいん" not in body


def test_a_page_that_posts_a_form_is_not_stored(cache_on):
    from django.middleware.csrf import get_token

    request = RequestFactory().get("/")
    get_token(request)
    assert not pagecache.storable(request, HttpResponse("x"))
    assert pagecache.storable(RequestFactory().get("/"), HttpResponse("x"))


def test_off_when_seconds_is_zero(client, settings, django_assert_max_num_queries):
    settings.WORQ_VISITOR_CACHE_SECONDS = 0
    client.get("/consultations/")
    assert pagecache.seconds() == 0


def test_a_failing_cache_never_breaks_a_save_or_a_page(
    client, cache_on, monkeypatch, django_capture_on_commit_callbacks
):
    """While the first migrations load their data the cache table does not
    exist yet, and Redis may be down: saves and pages go on without the cache."""
    from django.core.cache import cache

    def broken(*args, **kwargs):
        raise RuntimeError("no such table: worq_cache")

    monkeypatch.setattr(cache, "set", broken)
    monkeypatch.setattr(cache, "get", broken)
    with django_capture_on_commit_callbacks(execute=True):
        case = CaseFactory()
    assert client.get("/consultations/").status_code == 200
    assert client.get(case.get_absolute_url()).status_code == 200


def test_migrate_bumps_the_version_once_at_the_end(cache_on, caplog, django_capture_on_commit_callbacks):
    """Data migrations save content before the cache table may exist: no
    warning per save, one new version when migrate is done."""
    before = pagecache.content_version()
    pagecache.migrate_started()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            CaseFactory(title="移行中に入った事例")
        assert pagecache.content_version() == before
    finally:
        pagecache.migrate_finished()
        pagecache.migrate_finished()  # sent once per app: only the first bumps
    assert pagecache.content_version() != before
    assert "not bumped" not in caplog.text
