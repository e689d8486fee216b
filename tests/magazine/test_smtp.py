"""The sending path against a real SMTP server (aiosmtpd on 127.0.0.1)."""

import email
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from magazine import letters, sending
from magazine.models import Campaign, Delivery
from tests.magazine.factories import CampaignFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


class Handler:
    def __init__(self):
        self.messages: list[tuple[list[str], bytes]] = []
        self.refuse: dict[str, str] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_sink(settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield handler
    controller.stop()


def run(campaign: Campaign, claim_token: str = "t"):
    results = []
    for batch in sending.campaign_dispatch(campaign_id=campaign.pk, now=timezone.now()):
        results.append(
            sending.batch_send(
                campaign_id=campaign.pk, delivery_ids=batch, claim_token=claim_token, now=timezone.now()
            )
        )
    return results


@pytest.fixture
def builds(monkeypatch):
    """Counts full message builds (the fast path builds one per batch)."""
    calls = []
    original = letters.build_message

    def counting(**kwargs):
        calls.append(kwargs["to"])
        return original(**kwargs)

    monkeypatch.setattr(letters, "build_message", counting)
    return calls


def test_each_person_gets_their_own_link_and_message_id(smtp_sink, builds):
    subs = SubscriptionFactory.create_batch(3)
    campaign = CampaignFactory(status=Campaign.Status.SENDING, subject="12月号：契約のはなし")
    run(campaign)
    assert len(builds) == 1  # serialised once for the batch

    assert sorted(r[0] for r, _ in smtp_sink.messages) == sorted(s.user.email for s in subs)
    ids = set()
    for (rcpt,), raw in smtp_sink.messages:
        message = email.message_from_bytes(raw, policy=policy.default)
        sub = next(s for s in subs if s.user.email == rcpt)
        url = sending.unsubscribe_url(sub.pk)
        assert message["To"] == rcpt
        assert message["Subject"] == "12月号：契約のはなし"
        assert message["List-Unsubscribe"] == f"<{url}>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert url in text and url in html
        assert letters.UNSUBSCRIBE_PLACEHOLDER not in text + html
        ids.add(message["Message-ID"])
    assert len(ids) == 3


def test_long_lines_quoted_printable_still_carry_the_personal_link(smtp_sink):
    sub = SubscriptionFactory()
    campaign = CampaignFactory(status=Campaign.Status.SENDING, body="長い段落。" * 300)
    run(campaign)
    (((_rcpt,), raw),) = smtp_sink.messages
    message = email.message_from_bytes(raw, policy=policy.default)
    assert sending.unsubscribe_url(sub.pk) in message.get_body(("plain",)).get_content()


def test_refused_address_fails_and_others_go_through(smtp_sink):
    good, bad = SubscriptionFactory(), SubscriptionFactory()
    smtp_sink.refuse[bad.user.email] = "550 5.1.1 No such user"
    campaign = CampaignFactory(status=Campaign.Status.SENDING)
    run(campaign)
    assert [r for r, _ in smtp_sink.messages] == [[good.user.email]]
    failed = Delivery.objects.get(status=Delivery.Status.FAILED)
    assert failed.email == bad.user.email and "550" in failed.error


def test_temporary_refusal_is_retried_not_failed(smtp_sink):
    sub = SubscriptionFactory()
    smtp_sink.refuse[sub.user.email] = "451 4.3.0 Try again later"
    campaign = CampaignFactory(status=Campaign.Status.SENDING)
    with pytest.raises(letters.TransientSendError):
        run(campaign)
    assert Delivery.objects.get().status == Delivery.Status.QUEUED
    del smtp_sink.refuse[sub.user.email]
    sending.batch_send(
        campaign_id=campaign.pk,
        delivery_ids=[Delivery.objects.get().pk],
        claim_token="retry",
        now=timezone.now(),
    )
    assert [r for r, _ in smtp_sink.messages] == [[sub.user.email]]
