import json

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from community import hooks as community_hooks
from members import services
from members.models import CouponReveal, MembershipEvent, NetworkMembership, User
from tests.factories import CouponFactory, UserFactory
from worq.lib import hooks

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name",
    [
        "members:mypage",
        "members:profile-edit",
        "members:account-delete",
        "members:membership-edit",
        "members:membership-card",
    ],
)
def test_anonymous_is_sent_to_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_mypage_shows_membership_and_settings(member_client, member):
    body = member_client.get(reverse("members:mypage")).content.decode()
    assert member.membership.member_number in body
    assert "連合ネットワーク会員" in body
    assert member.email in body


def test_mypage_of_registered_user_offers_membership(client, registered_user):
    client.force_login(registered_user)
    body = client.get(reverse("members:mypage")).content.decode()
    assert reverse("members:membership-create") in body


def test_profile_edit_updates_preferences(client, registered_user):
    client.force_login(registered_user)
    response = client.post(
        reverse("members:profile-edit"),
        {
            "nickname": "新しい名前",
            "newsletter_opt_in": "on",
        },
    )
    assert response.status_code == 302
    registered_user.refresh_from_db()
    assert registered_user.nickname == "新しい名前"
    assert registered_user.newsletter_opt_in is True
    assert registered_user.reply_notifications is False


@pytest.mark.parametrize(
    ("nickname", "message"),
    [
        ("", "ニックネームを入力してください。"),
        ("x", "2文字以上"),
        ("me@example.jp", "メールアドレスは使えません"),
        ("べつのひと", "すでに使われています"),
    ],
)
def test_profile_bad_nickname_saves_nothing(client, registered_user, other_member, nickname, message):
    client.force_login(registered_user)
    response = client.post(reverse("members:profile-edit"), {"nickname": nickname})
    assert message in response.content.decode()
    registered_user.refresh_from_db()
    assert registered_user.nickname == "とうろく"


def test_data_export_contains_own_data_only(client, member, other_member):
    client.force_login(member)
    assert client.get(reverse("members:data-export")).status_code == 405  # POST only
    response = client.post(reverse("members:data-export"))
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["account"]["email"] == member.email
    assert data["network_membership"]["member_number"] == member.membership.member_number
    assert data["network_membership"]["birth_date"] == "1988-04-01"
    assert other_member.email not in response.content.decode()


def test_account_delete_requires_password_and_confirmation(client, member):
    client.force_login(member)
    response = client.post(reverse("members:account-delete"), {"password": "wrong", "confirm": "on"})
    assert "パスワードが正しくありません。" in response.content.decode()
    response = client.post(reverse("members:account-delete"), {"password": "correct-horse-battery"})
    assert "チェックを入れてください" in response.content.decode()
    assert User.objects.get(pk=member.pk).is_active


def test_account_delete_removes_personal_data_and_keeps_number(client, member, other_member):
    number = member.membership.member_number
    services.membership_card_render(membership=member.membership, now=timezone.now())
    client.force_login(member)
    response = client.post(
        reverse("members:account-delete"), {"password": "correct-horse-battery", "confirm": "on"}
    )
    assert response.status_code == 302
    user = User.objects.get(pk=member.pk)
    assert not user.is_active and user.deleted_at
    assert user.display_name == "退会したユーザー"
    assert "member@example.jp" not in user.email
    assert not EmailAddress.objects.filter(user=user).exists()
    membership = NetworkMembership.objects.get(user=user)
    assert membership.member_number == number
    assert membership.full_name == "" and membership.birth_date is None
    assert not membership.card_pdf
    assert MembershipEvent.objects.filter(membership=membership, action="withdrawn").exists()
    # the other member is untouched
    assert NetworkMembership.objects.get(user=other_member).full_name == "佐藤 花子"
    # the freed e-mail can sign up again, and gets a new number later
    assert client.get(reverse("members:mypage")).status_code == 302


def test_account_delete_is_blocked_with_explanation(client, member, monkeypatch):
    monkeypatch.setattr(
        community_hooks, "blockers", lambda user: ["加入中のWor-Q共済の解約手続きを先にお願いします。"]
    )
    client.force_login(member)
    body = client.get(reverse("members:account-delete")).content.decode()
    assert "加入中のWor-Q共済の解約手続きを先にお願いします。" in body
    client.post(reverse("members:account-delete"), {"password": "correct-horse-battery", "confirm": "on"})
    assert User.objects.get(pk=member.pk).is_active


def test_coupons_visitor_sees_existence_but_no_code(client):
    coupon = CouponFactory(code="SECRET-123")
    body = client.get(reverse("members:coupon-list")).content.decode()
    assert coupon.title in body
    assert "SECRET-123" not in body
    assert "連合ネットワーク会員" in body


def test_expired_and_unpublished_coupons_are_hidden(client):
    today = timezone.localdate()
    CouponFactory(
        title="期限切れ",
        valid_from=today.replace(year=today.year - 2),
        valid_to=today.replace(year=today.year - 1),
    )
    CouponFactory(title="非公開", is_published=False)
    body = client.get(reverse("members:coupon-list")).content.decode()
    assert "期限切れ" not in body and "非公開" not in body


def test_member_reveals_code_and_reveal_is_recorded(member_client, member):
    coupon = CouponFactory(code="SECRET-123")
    response = member_client.post(
        reverse("members:coupon-reveal", args=[coupon.pk]), headers={"HX-Request": "true"}
    )
    assert "SECRET-123" in response.content.decode()
    assert CouponReveal.objects.filter(coupon=coupon, user=member).count() == 1


def test_registered_user_cannot_reveal_code(client, registered_user):
    coupon = CouponFactory(code="SECRET-123")
    client.force_login(registered_user)
    response = client.post(reverse("members:coupon-reveal", args=[coupon.pk]))
    assert response.status_code == 403
    assert "SECRET-123" not in response.content.decode()
    assert not CouponReveal.objects.exists()


def test_coupon_reveal_is_post_only_and_404_for_expired(member_client):
    today = timezone.localdate()
    coupon = CouponFactory(
        valid_from=today.replace(year=today.year - 2), valid_to=today.replace(year=today.year - 1)
    )
    assert member_client.get(reverse("members:coupon-reveal", args=[coupon.pk])).status_code == 405
    assert member_client.post(reverse("members:coupon-reveal", args=[coupon.pk])).status_code == 404
    assert not CouponReveal.objects.exists()


def test_coupon_list_query_count_is_fixed(client, django_assert_max_num_queries, member):
    for _ in range(20):
        CouponFactory()
    client.force_login(member)
    with django_assert_max_num_queries(8):
        client.get(reverse("members:coupon-list"))


def test_mypage_sections_from_hooks_render(member_client, monkeypatch):
    section = hooks.MypageSection(
        order=1, template="members/includes/unlock.html", context=lambda user: {"x": 1}
    )
    monkeypatch.setattr(hooks.registry, "mypage_sections", [section])
    assert member_client.get(reverse("members:mypage")).status_code == 200


def test_unverified_user_reverify_hint(client):
    user = UserFactory(verified=False)
    client.force_login(user)
    response = client.get(reverse("members:membership-create"))
    assert "メールアドレスの確認" in response.content.decode()
