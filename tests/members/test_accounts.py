import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from members.access import Tier, tier_of
from members.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_signup_sends_verification_then_confirming_logs_in_as_registered(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.jp",
            "nickname": "あたらしい人",
            "password1": "hoshizora-2026-kumo",
            "password2": "hoshizora-2026-kumo",
            "agree_terms": "on",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new@example.jp")
    assert user.nickname == "あたらしい人"
    assert tier_of(user) == Tier.VISITOR  # not verified yet
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", mail.outbox[0].body).group(1)
    assert client.get(link).status_code == 200
    response = client.post(link)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert tier_of(User.objects.get(pk=user.pk)) == Tier.REGISTERED
    assert client.get(reverse("members:mypage")).status_code == 200


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"nickname": ""}, "nickname", "ニックネームを入力してください。"),
        ({"nickname": "a@b.jp"}, "nickname", "ニックネームにメールアドレスは使えません。"),
        ({"agree_terms": ""}, "agree_terms", "登録には利用規約とプライバシーポリシーへの同意が必要です。"),
        ({"email": "not-an-email"}, "email", "有効なメールアドレスを入力してください。"),
    ],
)
def test_signup_bad_input_keeps_values_and_saves_nothing(client, data, field, message):
    form = {
        "email": "new@example.jp",
        "nickname": "あたらしい人",
        "password1": "hoshizora-2026-kumo",
        "password2": "hoshizora-2026-kumo",
        "agree_terms": "on",
        **data,
    }
    response = client.post(reverse("account_signup"), form)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()
    assert 'value="hoshizora-2026-kumo"' not in response.content.decode()
    if field != "email":
        assert 'value="new@example.jp"' in response.content.decode()


def test_signup_refuses_taken_nickname_case_insensitively(client):
    UserFactory(nickname="Sakura")
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.jp",
            "nickname": "sakura",
            "password1": "hoshizora-2026-kumo",
            "password2": "hoshizora-2026-kumo",
            "agree_terms": "on",
        },
    )
    assert "このニックネームはすでに使われています" in response.content.decode()
    assert User.objects.count() == 1


def test_unverified_user_is_not_registered_tier():
    user = UserFactory(verified=False)
    assert tier_of(user) == Tier.VISITOR


def test_login_page_is_japanese(client):
    response = client.get(reverse("account_login"))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'lang="ja"' in body
    assert "ログイン" in body


def test_password_reset_sends_japanese_mail(client, registered_user):
    client.post(reverse("account_reset_password"), {"email": registered_user.email})
    assert len(mail.outbox) == 1
    assert "[Wor-Q]" in mail.outbox[0].subject


def test_repeated_failed_logins_are_rate_limited(client, registered_user):
    for _ in range(5):
        response = client.post(
            reverse("account_login"), {"login": registered_user.email, "password": "wrong-password"}
        )
        assert "ログイン失敗が連続しています" not in response.content.decode()
    # Even the right password is refused while the limit holds.
    response = client.post(
        reverse("account_login"), {"login": registered_user.email, "password": "correct-horse-battery"}
    )
    assert "ログイン失敗が連続しています。" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_rate_limited_signups_get_a_japanese_429_page(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {"signup": "1/m/ip"}
    data = {
        "email": "a@example.jp",
        "nickname": "えー",
        "password1": "hoshizora-2026-kumo",
        "password2": "hoshizora-2026-kumo",
        "agree_terms": "on",
    }
    client.post(reverse("account_signup"), data)
    response = client.post(reverse("account_signup"), {**data, "email": "b@example.jp", "nickname": "びー"})
    assert response.status_code == 429
    assert "少し時間をおいてから" in response.content.decode()


def test_email_change_needs_verification_of_the_new_address(client, registered_user):
    client.force_login(registered_user)
    response = client.post(reverse("account_email"), {"action_add": "", "email": "new-address@example.jp"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "new-address@example.jp" in mail.outbox[0].to
    assert EmailAddress.objects.get(email="new-address@example.jp").verified is False
    assert User.objects.get(pk=registered_user.pk).email == "registered@example.jp"


def test_login_after_redirect_explains_why_and_offers_free_signup(client):
    response = client.get(reverse("members:mypage"), follow=True)
    body = response.content.decode()
    assert "このページを見るには、ログインが必要です。" in body
    assert reverse("account_signup") in body


def test_login_then_lands_on_requested_page(client, registered_user):
    response = client.post(
        reverse("account_login") + "?next=/members/profile/",
        {"login": registered_user.email, "password": "correct-horse-battery", "next": "/members/profile/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/members/profile/"
