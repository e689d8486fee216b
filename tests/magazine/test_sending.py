import datetime as dt
from collections import Counter

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from magazine import letters, sending, services, tasks, tokens
from magazine.models import Campaign, Delivery, Subscription
from tests.magazine.backends import ScriptedBackend, WorkerKilled
from tests.magazine.factories import CampaignFactory, SubscriptionFactory, member_subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def scripted_mail(settings):
    settings.EMAIL_BACKEND = "tests.magazine.backends.ScriptedBackend"
    ScriptedBackend.reset()
    yield ScriptedBackend
    ScriptedBackend.reset()


def received() -> Counter:
    return Counter(m.to[0] for m in mail.outbox)


def start(campaign: Campaign, *, capture) -> None:
    with capture(execute=True):
        services.campaign_send(campaign=campaign, now=timezone.now())


def test_send_now_reaches_every_confirmed_subscriber_once(django_capture_on_commit_callbacks):
    subs = SubscriptionFactory.create_batch(3)
    SubscriptionFactory(status=Subscription.Status.PENDING, confirmed_at=None)
    SubscriptionFactory(status=Subscription.Status.UNSUBSCRIBED)
    campaign = CampaignFactory()

    start(campaign, capture=django_capture_on_commit_callbacks)

    assert received() == Counter({s.user.email: 1 for s in subs})
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    assert campaign.finished_at is not None
    assert campaign.deliveries.counts()["sent"] == 3


def test_message_has_html_text_and_rfc8058_headers(django_capture_on_commit_callbacks):
    sub = SubscriptionFactory()
    start(CampaignFactory(), capture=django_capture_on_commit_callbacks)

    (message,) = mail.outbox
    url = sending.unsubscribe_url(sub.pk)
    assert message.extra_headers["List-Unsubscribe"] == f"<{url}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in message.body
    assert "今月の特集（" not in message.body and "今月の特集" in message.body
    assert "記事を読む（https://worq.example.jp/magazine/）" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "<strong>今月の特集</strong>" in html and url in html


def test_dispatch_and_batches_are_safe_to_run_twice(django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(sending, "BATCH_SIZE", 2)
    SubscriptionFactory.create_batch(5)
    campaign = CampaignFactory()
    start(campaign, capture=django_capture_on_commit_callbacks)
    ids = list(campaign.deliveries.values_list("pk", flat=True))

    # Duplicated tasks: the whole dispatch and an old batch arrive again.
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.SENDING)
    tasks.dispatch_campaign(campaign.pk)
    tasks.send_batch.apply(args=[campaign.pk, ids[:2]])
    tasks.send_due_campaigns()

    assert len(mail.outbox) == 5
    assert set(received().values()) == {1}
    assert campaign.deliveries.count() == 5


def test_killed_mid_batch_and_redelivered_sends_nobody_twice_or_zero_times(
    django_capture_on_commit_callbacks, scripted_mail
):
    subs = SubscriptionFactory.create_batch(8)
    campaign = CampaignFactory()
    scripted_mail.kill_after = 3
    with pytest.raises(WorkerKilled):
        start(campaign, capture=django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 3
    counts = campaign.deliveries.counts()
    assert counts["sent"] == 3 and counts["sending"] == 5

    ids = list(campaign.deliveries.order_by("pk").values_list("pk", flat=True))
    token = campaign.deliveries.filter(status="sending").values_list("claim_token", flat=True)[0]
    # Another copy of the task (a different id) must not touch the claimed rows…
    tasks.send_batch.apply(args=[campaign.pk, ids], task_id="someone-else")
    assert len(mail.outbox) == 3
    # …but the same task, re-delivered by the broker after the kill, takes them back.
    tasks.send_batch.apply(args=[campaign.pk, ids], task_id=token)

    assert received() == Counter({s.user.email: 1 for s in subs})
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT


def test_killed_batch_is_recovered_by_the_sweep_after_the_lease(
    django_capture_on_commit_callbacks, scripted_mail
):
    subs = SubscriptionFactory.create_batch(4)
    campaign = CampaignFactory()
    scripted_mail.kill_after = 1
    with pytest.raises(WorkerKilled):
        start(campaign, capture=django_capture_on_commit_callbacks)

    # Within the lease the sweep leaves the rows to their (maybe still living) owner.
    tasks.send_due_campaigns()
    assert len(mail.outbox) == 1

    later = timezone.now() + sending.LEASE + dt.timedelta(seconds=1)
    for batch in sending.campaign_dispatch(campaign_id=campaign.pk, now=later):
        sending.batch_send(campaign_id=campaign.pk, delivery_ids=batch, claim_token="new", now=later)

    assert received() == Counter({s.user.email: 1 for s in subs})


def test_unsubscribed_person_receives_no_later_batch(client, monkeypatch):
    monkeypatch.setattr(sending, "BATCH_SIZE", 2)
    subs = SubscriptionFactory.create_batch(4)
    campaign = CampaignFactory(status=Campaign.Status.SENDING)
    first, second = sending.campaign_dispatch(campaign_id=campaign.pk, now=timezone.now())
    sending.batch_send(campaign_id=campaign.pk, delivery_ids=first, claim_token="a", now=timezone.now())

    leaving = Delivery.objects.get(pk=second[0]).subscription
    token = tokens.unsubscribe_token(subscription_id=leaving.pk)
    response = client.post(
        reverse("magazine:letters-unsubscribe", args=[token]), {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    sending.batch_send(campaign_id=campaign.pk, delivery_ids=second, claim_token="b", now=timezone.now())

    assert leaving.user.email not in received()
    assert len(mail.outbox) == 3
    assert Delivery.objects.get(pk=second[0]).status == Delivery.Status.SKIPPED
    assert {s.user.email for s in subs} - {leaving.user.email} == set(received())


def test_bounce_is_recorded_and_the_rest_still_sent(django_capture_on_commit_callbacks, scripted_mail):
    good = SubscriptionFactory.create_batch(2)
    bad = SubscriptionFactory()
    scripted_mail.bounce = {bad.user.email}
    campaign = CampaignFactory()
    start(campaign, capture=django_capture_on_commit_callbacks)

    assert set(received()) == {s.user.email for s in good}
    failed = campaign.deliveries.get(status=Delivery.Status.FAILED)
    assert failed.email == bad.user.email
    assert "550" in failed.error and "受信を拒否" in failed.error
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT


def test_transient_error_requeues_then_retry_sends_rest(scripted_mail):
    SubscriptionFactory.create_batch(4)
    campaign = CampaignFactory(status=Campaign.Status.SENDING)
    (batch,) = sending.campaign_dispatch(campaign_id=campaign.pk, now=timezone.now())
    scripted_mail.transient_after = 2
    with pytest.raises(letters.TransientSendError):
        sending.batch_send(campaign_id=campaign.pk, delivery_ids=batch, claim_token="t", now=timezone.now())
    counts = campaign.deliveries.counts()
    assert counts["sent"] == 2 and counts["queued"] == 2

    sending.batch_send(campaign_id=campaign.pk, delivery_ids=batch, claim_token="t", now=timezone.now())
    assert len(mail.outbox) == 4 and set(received().values()) == {1}


def test_task_retries_transient_errors_with_backoff(scripted_mail, monkeypatch):
    SubscriptionFactory.create_batch(2)
    campaign = CampaignFactory(status=Campaign.Status.SENDING)
    (batch,) = sending.campaign_dispatch(campaign_id=campaign.pk, now=timezone.now())
    countdowns = []
    original = tasks.send_batch.retry

    def spy(*args, **kwargs):
        countdowns.append(kwargs.get("countdown"))
        return original(*args, **kwargs)

    monkeypatch.setattr(tasks.send_batch, "retry", spy)
    scripted_mail.transient_after = 0
    with pytest.raises(Retry):
        tasks.send_batch.apply(args=[campaign.pk, batch])
    assert countdowns == [30]
    assert campaign.deliveries.counts()["queued"] == 2
    tasks.send_batch.apply(args=[campaign.pk, batch])  # the retry, later
    assert len(mail.outbox) == 2


def test_audience_members_only_and_by_occupation(django_capture_on_commit_callbacks):
    SubscriptionFactory()  # registered, not a network member
    writer = member_subscriber("IT・クリエイティブ・ライター")
    driver = member_subscriber("配送・デリバリー・貨物")

    members = CampaignFactory(audience=Campaign.Audience.MEMBERS)
    assert set(services.campaign_audience(members)) == {writer, driver}
    drivers = CampaignFactory(audience=Campaign.Audience.OCCUPATION, occupation="配送・デリバリー・貨物")
    start(drivers, capture=django_capture_on_commit_callbacks)
    assert set(received()) == {driver.user.email}


def test_empty_audience_is_refused_and_nothing_sent(django_capture_on_commit_callbacks):
    SubscriptionFactory()
    campaign = CampaignFactory(audience=Campaign.Audience.OCCUPATION, occupation="建設・一人親方")
    with pytest.raises(ValidationError, match="当てはまる購読者がいません"):
        start(campaign, capture=django_capture_on_commit_callbacks)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT
    assert not mail.outbox and not Delivery.objects.exists()


def test_occupation_audience_needs_an_occupation():
    campaign = CampaignFactory.build(audience=Campaign.Audience.OCCUPATION, occupation="")
    with pytest.raises(ValidationError, match="職種を選んでください"):
        campaign.full_clean()


def test_send_requires_a_test_send_first(django_capture_on_commit_callbacks):
    SubscriptionFactory()
    campaign = CampaignFactory(test_sent_at=None)
    with pytest.raises(ValidationError, match="テスト送信"):
        start(campaign, capture=django_capture_on_commit_callbacks)
    assert not mail.outbox


def test_test_send_goes_only_to_the_staff_member(django_capture_on_commit_callbacks, staff):
    SubscriptionFactory.create_batch(2)
    campaign = CampaignFactory(test_sent_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_test_send(campaign=campaign, staff=staff, now=timezone.now())
    (message,) = mail.outbox
    assert message.to == [staff.email]
    assert message.subject.startswith("［テスト送信］")
    campaign.refresh_from_db()
    assert campaign.test_sent_at is not None and campaign.status == Campaign.Status.DRAFT
    assert not Delivery.objects.exists()


def test_schedule_in_the_past_is_refused():
    SubscriptionFactory()
    campaign = CampaignFactory()
    now = timezone.now()
    with pytest.raises(ValidationError) as excinfo:
        services.campaign_schedule(campaign=campaign, when=now - dt.timedelta(minutes=1), now=now)
    assert "過去" in str(excinfo.value.message_dict["scheduled_at"])
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT


def test_scheduled_campaign_is_sent_when_due_by_the_beat_task():
    subs = SubscriptionFactory.create_batch(2)
    campaign = CampaignFactory()
    now = timezone.now()
    services.campaign_schedule(campaign=campaign, when=now + dt.timedelta(seconds=1), now=now)

    tasks.send_due_campaigns()  # not due yet
    assert not mail.outbox
    Campaign.objects.filter(pk=campaign.pk).update(scheduled_at=now - dt.timedelta(seconds=1))
    tasks.send_due_campaigns()
    tasks.send_due_campaigns()  # runs twice: nothing more

    assert received() == Counter({s.user.email: 1 for s in subs})
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT


def test_double_click_on_send_now_starts_once(django_capture_on_commit_callbacks):
    SubscriptionFactory()
    campaign = CampaignFactory()
    start(campaign, capture=django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError, match="すでに送信"):
        start(Campaign.objects.get(pk=campaign.pk), capture=django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1


def test_opt_out_in_profile_stops_letters(django_capture_on_commit_callbacks):
    sub = SubscriptionFactory()
    stays = SubscriptionFactory()
    sub.user.newsletter_opt_in = False
    sub.user.save()
    start(CampaignFactory(), capture=django_capture_on_commit_callbacks)
    assert set(received()) == {stays.user.email}


def test_rows_left_queued_after_retries_are_handed_out_again_later(scripted_mail):
    SubscriptionFactory.create_batch(2)
    campaign = CampaignFactory(status=Campaign.Status.SENDING)
    now = timezone.now()
    (batch,) = sending.campaign_dispatch(campaign_id=campaign.pk, now=now)
    scripted_mail.transient_after = 0
    with pytest.raises(letters.TransientSendError):
        sending.batch_send(campaign_id=campaign.pk, delivery_ids=batch, claim_token="x", now=now)

    # Still in the broker's hands (retry pending): not handed out twice.
    assert sending.campaign_dispatch(campaign_id=campaign.pk, now=now + dt.timedelta(minutes=1)) == []
    later = now + sending.REDISPATCH_AFTER + dt.timedelta(seconds=1)
    (again,) = sending.campaign_dispatch(campaign_id=campaign.pk, now=later)
    sending.batch_send(campaign_id=campaign.pk, delivery_ids=again, claim_token="y", now=later)
    assert len(mail.outbox) == 2
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT


def test_letter_body_is_sanitised_in_both_parts(django_capture_on_commit_callbacks):
    SubscriptionFactory()
    campaign = CampaignFactory(
        body='<script>alert(1)</script>\n\n[押して](javascript:alert(2))\n\n<a href="#" onclick="x()">a</a>'
    )
    start(campaign, capture=django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    html = message.alternatives[0][0]
    for part in (html, message.body):
        assert "<script" not in part and "javascript:" not in part and "onclick" not in part
    assert "押して" in html and "押して" in message.body
