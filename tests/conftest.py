"""The named people every app's tests use, and browser fixtures."""

import os
import shutil

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache

from tests.factories import MembershipFactory, UserFactory

CHROMIUM = os.environ.get("WORQ_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(autouse=True)
def _clean_cache(request):
    """allauth's rate limits live in the cache; every test starts fresh.

    Without Redis the cache is a database table, so only tests that use the
    database need (and may) clear it."""
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    elif request.node.get_closest_marker("django_db") or {
        "db", "transactional_db", "live_server"
    } & set(request.fixturenames):
        # Set the database up (as the test's marker asks) before touching it.
        request.getfixturevalue("_django_db_helper")
        cache.clear()
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


def make_staff(*groups: str, email: str = "staff@example.jp", nickname: str = "スタッフ"):
    """A staff user in ``groups`` with a TOTP authenticator (admin needs MFA)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import encrypt

    user = UserFactory(email=email, nickname=nickname, is_staff=True)
    user.groups.set(Group.objects.filter(name__in=groups))
    Authenticator.objects.create(
        user=user,
        type=Authenticator.Type.TOTP,
        data={"secret": encrypt("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")},
    )
    return user


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


def browser_login(page, live_server, user) -> None:
    """Log ``user`` in by planting a session cookie (skips the MFA step)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.session_key,
                "url": live_server.url,
            }
        ]
    )



# Data that migrations load (RunPython), in dependency order. A transactional
# test (browser, broker) ends by flushing every table, so the next one reloads
# it; the loaders are the migrations' own functions.
MIGRATION_DATA = [
    ("worq.migrations.0002_load_pages", "load_pages"),
    ("members.migrations.0002_staff_groups", "create_groups"),
    ("community.migrations.0002_seed_communities", "seed"),
    ("kyosai.migrations.0002_load_products_and_rates", "forwards"),
    ("kyosai.migrations.0004_load_claim_documents", "forwards"),
]


@pytest.fixture(autouse=True)
def _migration_data_in_transactional_tests(request):
    marker = request.node.get_closest_marker("django_db")
    transactional = "live_server" in request.fixturenames or "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if transactional:
        from importlib import import_module

        from django.apps import apps

        from members.roles import sync_staff_groups

        request.getfixturevalue("_django_db_helper")
        if not apps.get_model("kyosai", "Product").objects.exists():
            for module, function in MIGRATION_DATA:
                getattr(import_module(module), function)(apps, None)
            sync_staff_groups()
    yield
