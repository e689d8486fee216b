"""Every state change of the magazine and of Wor-Q Letters goes through here."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse

from magazine import tokens
from magazine.models import Campaign, Delivery, Subscription, SubscriptionEvent
from members.models import NetworkMembership, User
from worq.lib.audit import record
from worq.lib.mail import enqueue_templated_email
from worq.lib.outbox import outbox_add


# --- Subscriptions -----------------------------------------------------------
def _event(subscription: Subscription, action: str, now: dt.datetime, note: str = "") -> None:
    record(SubscriptionEvent, subscription=subscription, action=action, note=note, now=now)


def subscription_request(*, user: User, source: str, now: dt.datetime) -> Subscription:
    """Start (or restart) the double opt-in: send a confirmation link.

    An already confirmed subscription is left as it is and no mail is sent.
    """
    with transaction.atomic():
        subscription, _ = Subscription.objects.select_for_update().get_or_create(
            user=user, defaults={"requested_at": now, "source": source}
        )
        if subscription.status == Subscription.Status.CONFIRMED:
            if not user.newsletter_opt_in:
                # Turned off in the profile settings: the address is already
                # confirmed, so switching back on needs no new link.
                User.objects.filter(pk=user.pk).update(newsletter_opt_in=True)
                user.newsletter_opt_in = True
                _event(subscription, SubscriptionEvent.Action.RESUMED, now, note=source)
            return subscription
        subscription.status = Subscription.Status.PENDING
        subscription.requested_at = now
        subscription.source = source
        subscription.full_clean()
        subscription.save()
        _event(subscription, SubscriptionEvent.Action.REQUESTED, now, note=source)
        token = tokens.confirm_token(subscription_id=subscription.pk, email=user.email)
        enqueue_templated_email(
            template="magazine-confirm",
            context={
                "nickname": user.nickname,
                "confirm_url": settings.SITE_URL + reverse("magazine:letters-confirm", args=[token]),
            },
            to=[user.email],
        )
    return subscription


def subscription_confirm(*, token: str, now: dt.datetime) -> Subscription:
    """Raises ``tokens.BadToken`` for a forged, expired or outdated link."""
    subscription_id, email = tokens.read_confirm_token(token)
    with transaction.atomic():
        subscription = (
            Subscription.objects.select_for_update().select_related("user").filter(pk=subscription_id).first()
        )
        # The address must still be the account's: a link sent to an old
        # address must not start mail to the new one unconfirmed.
        if subscription is None or subscription.user.email.lower() != email:
            raise tokens.BadToken("outdated")
        if subscription.status != Subscription.Status.CONFIRMED:
            subscription.status = Subscription.Status.CONFIRMED
            subscription.confirmed_at = now
            subscription.unsubscribed_at = None
            subscription.save()
            _event(subscription, SubscriptionEvent.Action.CONFIRMED, now)
        User.objects.filter(pk=subscription.user_id).update(newsletter_opt_in=True)
    return subscription


def subscription_cancel(*, subscription: Subscription, now: dt.datetime, via: str) -> Subscription:
    """Stop Letters at once: every batch claimed after this commit skips the person."""
    with transaction.atomic():
        updated = (
            Subscription.objects.filter(pk=subscription.pk)
            .exclude(status=Subscription.Status.UNSUBSCRIBED)
            .update(status=Subscription.Status.UNSUBSCRIBED, unsubscribed_at=now)
        )
        if updated:
            _event(subscription, SubscriptionEvent.Action.UNSUBSCRIBED, now, note=via)
        User.objects.filter(pk=subscription.user_id).update(newsletter_opt_in=False)
    subscription.refresh_from_db()
    return subscription


def subscription_for_token(token: str) -> Subscription:
    """Raises ``tokens.BadToken`` when the unsubscribe link is not genuine."""
    subscription_id = tokens.read_unsubscribe_token(token)
    subscription = Subscription.objects.select_related("user").filter(pk=subscription_id).first()
    if subscription is None:
        raise tokens.BadToken("unknown")
    return subscription


def subscription_delete_for_user(user: User) -> None:
    """Account deletion: forget the subscription; keep delivery counts, not addresses."""
    Delivery.objects.filter(subscription__user=user).update(email="deleted@deleted.invalid")
    Subscription.objects.filter(user=user).delete()


# --- Campaigns ---------------------------------------------------------------
def campaign_audience(campaign: Campaign) -> QuerySet[Subscription]:
    subscriptions = Subscription.objects.receiving()
    if campaign.audience == Campaign.Audience.ALL:
        return subscriptions
    members = NetworkMembership.objects.active()
    if campaign.audience == Campaign.Audience.OCCUPATION:
        members = members.filter(occupation=campaign.occupation)
    return subscriptions.filter(user__membership__in=members)


def _check_sendable(campaign: Campaign) -> None:
    campaign.full_clean()
    if not campaign.editable:
        raise ValidationError("この配信はすでに送信を始めています。")
    if campaign.test_sent_at is None:
        raise ValidationError("送信の前に「テスト送信」で、自分宛てに届く見た目を確かめてください。")
    if not campaign_audience(campaign).exists():
        raise ValidationError("この送り先に当てはまる購読者がいません。送り先の条件を見直してください。")


def campaign_test_send(*, campaign: Campaign, staff: User, now: dt.datetime) -> None:
    from magazine.tasks import send_test_letter  # here, not above: tasks import this module

    campaign.full_clean()
    with transaction.atomic():
        Campaign.objects.filter(pk=campaign.pk).update(test_sent_at=now)
        campaign.test_sent_at = now
        outbox_add(task=send_test_letter, args=[campaign.pk, staff.email])


def campaign_schedule(*, campaign: Campaign, when: dt.datetime, now: dt.datetime) -> Campaign:
    if when <= now:
        raise ValidationError(
            {"scheduled_at": "予約日時が過去になっています。これから先の日時を選んでください。"}
        )
    _check_sendable(campaign)
    with transaction.atomic():
        updated = Campaign.objects.filter(
            pk=campaign.pk, status__in=[Campaign.Status.DRAFT, Campaign.Status.SCHEDULED]
        ).update(status=Campaign.Status.SCHEDULED, scheduled_at=when)
        if not updated:
            raise ValidationError("この配信はすでに送信を始めています。")
    campaign.refresh_from_db()
    return campaign


def campaign_unschedule(*, campaign: Campaign) -> Campaign:
    Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.SCHEDULED).update(
        status=Campaign.Status.DRAFT, scheduled_at=None
    )
    campaign.refresh_from_db()
    return campaign


def campaign_send(*, campaign: Campaign, now: dt.datetime) -> Campaign:
    """Start sending now. The conditional UPDATE makes a double click harmless."""
    from magazine.tasks import dispatch_campaign  # here, not above: tasks import this module

    _check_sendable(campaign)
    with transaction.atomic():
        updated = Campaign.objects.filter(
            pk=campaign.pk, status__in=[Campaign.Status.DRAFT, Campaign.Status.SCHEDULED]
        ).update(status=Campaign.Status.SENDING, started_at=now)
        if not updated:
            raise ValidationError("この配信はすでに送信を始めています。")
        outbox_add(task=dispatch_campaign, args=[campaign.pk])
    campaign.refresh_from_db()
    return campaign


def campaigns_start_due(*, now: dt.datetime) -> list[int]:
    """Scheduled campaigns whose time has come move to sending (claimed once)."""
    started = []
    for pk in Campaign.objects.filter(status=Campaign.Status.SCHEDULED, scheduled_at__lte=now).values_list(
        "pk", flat=True
    ):
        claimed = Campaign.objects.filter(pk=pk, status=Campaign.Status.SCHEDULED).update(
            status=Campaign.Status.SENDING, started_at=now
        )
        if claimed:
            started.append(pk)
    return started
