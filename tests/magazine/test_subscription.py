import re

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from magazine import services, tokens
from magazine.models import Subscription
from members.services import account_delete, account_export
from tests.magazine.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db


def confirm_link(message) -> str:
    return re.search(r"http://testserver(/magazine/letters/confirm/\S+/)", message.body).group(1)


def subscribe(client, django_capture_on_commit_callbacks, **data):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("magazine:letters-subscribe"), data)


def test_double_opt_in_from_mypage(client, registered_user, django_capture_on_commit_callbacks):
    client.force_login(registered_user)
    response = subscribe(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    subscription = Subscription.objects.get(user=registered_user)
    assert subscription.status == Subscription.Status.PENDING
    assert not Subscription.objects.receiving().exists()
    (message,) = mail.outbox
    assert message.to == [registered_user.email]

    link = confirm_link(message)
    client.logout()  # the link works without logging in
    page = client.get(link)
    assert page.status_code == 200 and "登録を完了する" in page.content.decode()
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.PENDING  # GET changes nothing

    done = client.post(link)
    assert "登録が完了しました" in done.content.decode()
    subscription.refresh_from_db()
    registered_user.refresh_from_db()
    assert subscription.status == Subscription.Status.CONFIRMED
    assert registered_user.newsletter_opt_in is True
    assert list(Subscription.objects.receiving()) == [subscription]


def test_footer_form_subscribes_too(client, member, django_capture_on_commit_callbacks):
    client.force_login(member)
    home = client.get(reverse("magazine:home")).content.decode()
    assert 'name="source" value="footer"' in home
    subscribe(client, django_capture_on_commit_callbacks, source="footer")
    assert Subscription.objects.get(user=member).source == "footer"
    assert len(mail.outbox) == 1


def test_subscribing_again_when_confirmed_sends_nothing(client, django_capture_on_commit_callbacks):
    subscription = SubscriptionFactory()
    client.force_login(subscription.user)
    subscribe(client, django_capture_on_commit_callbacks)
    assert not mail.outbox
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.CONFIRMED


def test_subscribe_needs_login_and_post(client, registered_user):
    response = client.post(reverse("magazine:letters-subscribe"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(registered_user)
    assert client.get(reverse("magazine:letters-subscribe")).status_code == 405
    assert not Subscription.objects.exists()


def test_forged_or_outdated_confirm_link_is_refused(client, registered_user):
    subscription = Subscription.objects.create(user=registered_user, requested_at=timezone.now())
    forged = tokens.confirm_token(subscription_id=subscription.pk, email=registered_user.email)[:-3] + "abc"
    response = client.post(reverse("magazine:letters-confirm", args=[forged]))
    assert response.status_code == 400
    assert "リンクを確認できませんでした" in response.content.decode()

    old_address = tokens.confirm_token(subscription_id=subscription.pk, email="old@example.jp")
    response = client.post(reverse("magazine:letters-confirm", args=[old_address]))
    assert response.status_code == 400
    assert "いまのメールアドレス宛てのものではありません" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.PENDING


def test_expired_confirm_link_is_refused(client, registered_user, monkeypatch):
    subscription = Subscription.objects.create(user=registered_user, requested_at=timezone.now())
    token = tokens.confirm_token(subscription_id=subscription.pk, email=registered_user.email)
    monkeypatch.setattr(tokens, "CONFIRM_MAX_AGE", -1)
    response = client.post(reverse("magazine:letters-confirm", args=[token]))
    assert response.status_code == 400 and "有効期限" in response.content.decode()


def test_unsubscribe_link_get_shows_button_post_stops(client):
    subscription = SubscriptionFactory()
    url = reverse(
        "magazine:letters-unsubscribe", args=[tokens.unsubscribe_token(subscription_id=subscription.pk)]
    )
    assert "配信を停止する" in client.get(url).content.decode()
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.CONFIRMED

    assert "配信を停止しました" in client.post(url).content.decode()
    subscription.refresh_from_db()
    subscription.user.refresh_from_db()
    assert subscription.status == Subscription.Status.UNSUBSCRIBED
    assert subscription.user.newsletter_opt_in is False
    assert subscription.events.filter(action="unsubscribed").count() == 1
    client.post(url)  # twice: still one record
    assert subscription.events.filter(action="unsubscribed").count() == 1


def test_one_click_unsubscribe_works_without_csrf_token():
    from django.test import Client

    subscription = SubscriptionFactory()
    url = reverse(
        "magazine:letters-unsubscribe", args=[tokens.unsubscribe_token(subscription_id=subscription.pk)]
    )
    response = Client(enforce_csrf_checks=True).post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.UNSUBSCRIBED


@pytest.mark.parametrize("token", ["1:forged", "abc", "999999:" + "x" * 20])
def test_forged_unsubscribe_token_gets_a_clear_message(client, token):
    subscription = SubscriptionFactory()
    response = client.post(reverse("magazine:letters-unsubscribe", args=[token]))
    assert response.status_code == 400
    assert "このリンクは正しくないか" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.CONFIRMED


def test_token_for_missing_subscription_is_refused(client):
    token = signing.Signer(salt=tokens.UNSUBSCRIBE_SALT).sign("424242")
    assert client.post(reverse("magazine:letters-unsubscribe", args=[token])).status_code == 400


def test_mypage_section_shows_state_and_stop_button(client):
    subscription = SubscriptionFactory()
    client.force_login(subscription.user)
    html = client.get(reverse("members:mypage")).content.decode()
    assert "Wor-Q Letters（メールマガジン）" in html and "配信を停止する" in html
    client.post(reverse("magazine:letters-stop"))
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.UNSUBSCRIBED


def test_account_deletion_forgets_the_subscription_and_export_includes_it():
    subscription = SubscriptionFactory()
    user = subscription.user
    assert account_export(user=user)["wor_q_letters"]["status"] == "confirmed"
    account_delete(user=user, now=timezone.now())
    assert not Subscription.objects.filter(user=user).exists()


def test_service_cancel_is_idempotent():
    subscription = SubscriptionFactory()
    services.subscription_cancel(subscription=subscription, now=timezone.now(), via="test")
    services.subscription_cancel(subscription=subscription, now=timezone.now(), via="test")
    assert subscription.events.count() == 1


def test_switched_off_in_profile_then_on_again_needs_no_new_link(client, django_capture_on_commit_callbacks):
    subscription = SubscriptionFactory()
    user = subscription.user
    user.newsletter_opt_in = False
    user.save()
    client.force_login(user)
    html = client.get(reverse("members:mypage")).content.decode()
    assert "Wor-Q Letters を受け取る" in html and "配信を停止する" not in html
    subscribe(client, django_capture_on_commit_callbacks)
    user.refresh_from_db()
    assert user.newsletter_opt_in is True and not mail.outbox
    assert list(Subscription.objects.receiving()) == [subscription]
