"""The named people every app's tests use, and browser fixtures."""

import os
import shutil

import pytest
from django.core.cache import cache

from tests.factories import MembershipFactory, UserFactory, make_staff
from tests.fixtures import browser_login  # noqa: F401  (old import path, kept for other branches)

CHROMIUM = os.environ.get("WORQ_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(autouse=True)
def _clean_cache(request):
    """allauth's rate limits live in the cache; every test starts fresh.

    Without Redis the cache is a database table, so only tests that use the
    database need (and may) clear it."""
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    elif request.node.get_closest_marker("django_db") or {"db", "transactional_db", "live_server"} & set(
        request.fixturenames
    ):
        # Set the database up (as the test's marker asks: transactional or not) before touching it.
        request.getfixturevalue("db")
        cache.clear()
    yield


@pytest.fixture(autouse=True)
def _fresh_search_copies():
    """Search keeps the vocabulary, vectors and synonyms per process; a test's
    rolled-back database must not leave them to the next test."""
    from consultations import search

    search.forget_copies()
    yield


@pytest.fixture(autouse=True)
def _isolated_files(settings, tmp_path):
    """Each test gets its own media and private file folders."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    yield


@pytest.fixture(autouse=True)
def _eager_celery():
    from worq.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield


# --- People -----------------------------------------------------------------
@pytest.fixture
def visitor(client):
    """Nobody logged in."""
    return client


@pytest.fixture
def registered_user(db):
    """A free registered user: verified e-mail and nickname, no membership."""
    return UserFactory(email="registered@example.jp", nickname="とうろく")


@pytest.fixture
def member(db):
    """A 連合ネットワーク会員."""
    return MembershipFactory(
        user=UserFactory(email="member@example.jp", nickname="かいいん"),
        full_name="山田 太郎",
        full_name_kana="ヤマダ タロウ",
    ).user


@pytest.fixture
def other_member(db):
    """Another network member, for "another member's object gets 404" tests."""
    return MembershipFactory(
        user=UserFactory(email="other@example.jp", nickname="べつのひと"),
        full_name="佐藤 花子",
        full_name_kana="サトウ ハナコ",
        sex="female",
    ).user


@pytest.fixture
def staff(db):
    """A superuser-less staff member in every staff group, with MFA set up."""
    return make_staff("編集", "モデレーター", "共済担当", "相談担当")


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


# --- Browser ----------------------------------------------------------------
def _chromium_available() -> bool:
    return os.path.exists(CHROMIUM) or shutil.which(CHROMIUM) is not None


@pytest.fixture(scope="session")
def browser():
    if not _chromium_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium が見つかりません（{CHROMIUM}）。CI ではブラウザテストを省略できません。")
        pytest.skip(f"Chromium が見つからないためブラウザテストを省略します（{CHROMIUM}）")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-gpu",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def _page(browser, **kwargs):
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", **kwargs)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.js_errors = errors
    return context, page


@pytest.fixture
def phone_page(browser, live_server):
    """A 375px-wide phone screen."""
    context, page = _page(
        browser, viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    yield page
    context.close()


@pytest.fixture
def desktop_page(browser, live_server):
    context, page = _page(browser, viewport={"width": 1280, "height": 900})
    yield page
    context.close()


def _transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool({"live_server", "transactional_db"} & set(item.fixturenames)) or bool(
        marker and marker.kwargs.get("transaction")
    )


# A transactional test (browser, broker) ends by flushing every table, so the
# data the migrations loaded (pages, staff groups, communities, kyosai products
# and rates) is gone for the next one: the migrations' own loaders put it back.
# (pytest-django's serialized_rollback was tried: with the live server on
# SQLite it left the next browser test with empty tables and a connection
# shared across threads, so the suite failed depending on test order.)
MIGRATION_DATA = [
    ("worq.migrations.0002_load_pages", "load_pages"),
    ("members.migrations.0002_staff_groups", "create_groups"),
    ("community.migrations.0002_seed_communities", "seed"),
    ("kyosai.migrations.0002_load_products_and_rates", "forwards"),
    ("kyosai.migrations.0004_load_claim_documents", "forwards"),
    ("kyosai.migrations.0003_rosai_freelance", "forwards"),
]


@pytest.fixture(autouse=True)
def _migration_data_in_transactional_tests(request):
    if _transactional(request.node):
        from importlib import import_module

        from django.apps import apps

        from members.roles import sync_staff_groups

        request.getfixturevalue("transactional_db")
        if not apps.get_model("kyosai", "Product").objects.exists():
            for module, function in MIGRATION_DATA:
                getattr(import_module(module), function)(apps, None)
            sync_staff_groups()
    yield
