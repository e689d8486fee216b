import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.urls import reverse

from tests.factories import UserFactory, make_staff
from tests.fixtures import run_manage

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_home_is_japanese_and_shows_live_key_numbers(client, member, other_member):
    response = client.get("/")
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ja">' in body
    assert "曖昧な雇用" in body
    assert "連合ネットワーク会員数" in body
    assert '<span class="value">2人</span>' in body


def test_home_hides_key_numbers_that_are_zero(client):
    assert "連合ネットワーク会員数" not in client.get("/").content.decode()


def test_home_has_site_search_and_viewport(client):
    body = client.get("/").content.decode()
    assert 'name="viewport"' in body
    assert "htmx.min.js" in body


def test_security_headers_and_csp(client):
    response = client.get("/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    data = response.json()
    assert data["database"] == "ok"
    assert data["broker"] in {"ok", "eager"}


def test_healthz_503_when_database_unreachable(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(connection, "cursor", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["database"] == "error"


@pytest.mark.parametrize(
    ("slug", "text"),
    [
        ("terms", "利用規約"),
        ("privacy", "個人情報保護法"),
        ("about", "連合"),
    ],
)
def test_fixed_pages_exist_from_migration(client, slug, text):
    response = client.get(reverse("page", args=[slug]))
    assert response.status_code == 200
    assert text in response.content.decode()


def test_privacy_page_says_what_is_kept_and_why(client):
    body = client.get(reverse("page", args=["privacy"])).content.decode()
    for item in ["生年月日", "メールアドレス", "第三者への提供", "データをダウンロード", "<table>"]:
        assert item in body


def test_404_is_japanese(client, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "ページが見つかりません" in response.content.decode()


def test_500_page_is_japanese(client):
    from django.views.defaults import server_error

    response = server_error(client.get("/").wsgi_request)
    assert response.status_code == 500
    assert "ただいまページを表示できません" in response.content.decode()


def test_support_page_lists_coupons(client):
    response = client.get(reverse("support"))
    assert response.status_code == 200
    assert "福利厚生クーポン" in response.content.decode()


def test_staff_groups_exist_with_least_privilege():
    names = set(Group.objects.values_list("name", flat=True))
    assert {"編集", "モデレーター", "共済担当", "相談担当"} <= names
    moderator = Group.objects.get(name="モデレーター")
    codenames = set(moderator.permissions.values_list("codename", flat=True))
    assert "view_user" in codenames
    assert "view_networkmembership" not in codenames
    kyosai = set(Group.objects.get(name="共済担当").permissions.values_list("codename", flat=True))
    assert "view_networkmembership" in kyosai


def test_moderator_cannot_see_member_birth_dates_in_admin(client, member):
    moderator = make_staff("モデレーター", email="mod@example.jp", nickname="モデ")
    client.force_login(moderator)
    url = reverse("admin:members_networkmembership_change", args=[member.membership.pk])
    assert client.get(url).status_code == 403
    response = client.get(reverse("admin:members_user_change", args=[member.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert member.email in body
    assert "1988" not in body and "生年月日" not in body


def test_kyosai_staff_sees_membership_and_audit_trail(client, member):
    officer = make_staff("共済担当", email="kyo@example.jp", nickname="きょうさい")
    client.force_login(officer)
    response = client.get(reverse("admin:members_networkmembership_change", args=[member.membership.pk]))
    assert response.status_code == 200
    assert "会員の変更履歴" in response.content.decode()


def test_staff_without_two_factor_is_sent_to_set_it_up(client):
    user = UserFactory(is_staff=True)
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_staff_with_two_factor_reaches_japanese_admin(staff_client):
    response = staff_client.get("/admin/")
    assert response.status_code == 200
    assert "Wor-Q 管理画面" in response.content.decode()


def test_admin_login_goes_through_allauth(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_non_staff_cannot_use_admin(client, member):
    client.force_login(member)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_production_refuses_to_start_without_real_secret_key():
    result = run_manage("check", env_extra={"DJANGO_ENV": "production", "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_deploy_check_is_clean():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_extra={
            "DJANGO_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "worq.example.jp",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/consultations/", "知りたい・学びたい"),
        ("/consultations/ask/", "相談したい"),
        ("/kyosai/simulator/", "万が一に備えたい"),
    ],
)
def test_navigation_marks_one_current_entry(client, path, current):
    from worq.navigation import entry_points

    marked = [e["label"] for e in entry_points(path) if e["current"]]
    assert marked == [current]


def test_all_six_entry_points_are_in_the_header(client):
    body = client.get("/").content.decode()
    for label in [
        "知りたい・学びたい",
        "相談したい",
        "助け・支えになるサービス",
        "つながりたい",
        "万が一に備えたい",
        "声をあげたい",
    ]:
        assert label in body


def test_settings_create_no_folder_and_a_fresh_clone_can_connect(tmp_path):
    var = tmp_path / "var"
    env = {**os.environ, "WORQ_VAR_DIR": str(var), "DATABASE_URL": ""}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    imported = subprocess.run(
        [sys.executable, "-c", "import worq.settings"], cwd=ROOT, env=env, capture_output=True, timeout=60
    )
    assert imported.returncode == 0 and not var.exists()
    connected = run_manage(
        "shell",
        "-c",
        "from django.db import connection; connection.ensure_connection()",
        env_extra={"WORQ_VAR_DIR": str(var), "DATABASE_URL": ""},
    )
    assert connected.returncode == 0, connected.stderr
    assert (var / "db.sqlite3").exists()  # the folder was made at startup, as SQLite needs
