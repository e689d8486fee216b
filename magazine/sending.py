"""Sending a Letters campaign: recipient rows, batches, claims and recovery.

Invariants:
- one ``Delivery`` per campaign and subscription (database constraint);
- a row is sent only by the run that moved it from ``queued`` to ``sending``
  with a conditional UPDATE, and it is marked ``sent`` right after the SMTP
  server accepted it, so a second, concurrent run never sends it again;
- a run that died leaves its unsent rows ``sending`` under its claim token:
  the same task re-delivered (acks_late keeps the task id) or the lease sweep
  puts them back to ``queued``, so nobody is left out;
- the subscription is re-checked when each batch is claimed, so an
  unsubscribe counts for every batch claimed after it.
"""

import datetime as dt
import re
import time
import uuid
from dataclasses import dataclass
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.utils import DNS_NAME
from django.db import connection as db_connection
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from magazine import letters, tokens
from magazine.models import Campaign, Delivery, Subscription
from magazine.services import campaign_audience
from worq.lib.markup import markdown_to_html

BATCH_SIZE = 200
# A living run renews its claims every HEARTBEAT (an SMTP call blocks for at
# most EMAIL_TIMEOUT, 20 s), so a claim not renewed for LEASE belongs to a run
# that is gone: the sweep (beat every minute, and each worker at its start)
# puts its rows back within about a minute.
HEARTBEAT = dt.timedelta(seconds=10)
LEASE = dt.timedelta(seconds=45)
# Queued rows handed to the broker this long ago without progress are handed again.
REDISPATCH_AFTER = dt.timedelta(minutes=15)


def render_letter(campaign: Campaign) -> letters.Letter:
    """Render once per batch; the personal unsubscribe URL is filled in per message."""
    context = {
        "campaign": campaign,
        "body_html": markdown_to_html(campaign.body, allow_images=True),
        "body_text": letters.markdown_to_text(campaign.body),
        "unsubscribe_url": letters.UNSUBSCRIBE_PLACEHOLDER,
        "site_url": settings.SITE_URL,
    }
    return letters.Letter(
        subject=" ".join(campaign.subject.split()),
        text=render_to_string("emails/magazine-letter-body.txt", context),
        html=render_to_string("emails/magazine-letter-body.html", context),
    )


def unsubscribe_url(subscription_id: int) -> str:
    token = tokens.unsubscribe_token(subscription_id=subscription_id)
    return settings.SITE_URL + reverse("magazine:letters-unsubscribe", args=[token])


def recipients_build(*, campaign: Campaign, now: dt.datetime) -> int:
    """Freeze the audience into delivery rows. Safe to run twice (unique rows)."""
    if campaign.recipients_built_at is None:
        rows = [
            Delivery(campaign=campaign, subscription_id=pk, email=email)
            for pk, email in campaign_audience(campaign).values_list("pk", "user__email")
        ]
        Delivery.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        Campaign.objects.filter(pk=campaign.pk, recipients_built_at__isnull=True).update(
            recipients_built_at=now
        )
    return Delivery.objects.filter(campaign=campaign).count()


def batches_take(*, campaign_id: int, now: dt.datetime) -> list[list[int]]:
    """Queued rows not yet handed to the broker (or handed long ago), in batches."""
    due = Delivery.objects.filter(campaign_id=campaign_id, status=Delivery.Status.QUEUED).filter(
        Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=now - REDISPATCH_AFTER)
    )
    ids = list(due.order_by("pk").values_list("pk", flat=True))
    if not ids:
        return []
    Delivery.objects.filter(pk__in=ids, status=Delivery.Status.QUEUED).update(dispatched_at=now)
    return [ids[i : i + BATCH_SIZE] for i in range(0, len(ids), BATCH_SIZE)]


def leases_expire(*, campaign_id: int, now: dt.datetime) -> int:
    return Delivery.objects.filter(
        campaign_id=campaign_id, status=Delivery.Status.SENDING, claimed_at__lt=now - LEASE
    ).update(status=Delivery.Status.QUEUED, claim_token="", dispatched_at=None)


def campaign_finish_if_done(*, campaign_id: int, now: dt.datetime) -> bool:
    open_rows = Delivery.objects.filter(
        campaign_id=campaign_id, status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING]
    )
    if open_rows.exists():
        return False
    return bool(
        Campaign.objects.filter(
            pk=campaign_id, status=Campaign.Status.SENDING, recipients_built_at__isnull=False
        ).update(status=Campaign.Status.SENT, finished_at=now)
    )


@dataclass
class BatchResult:
    sent: int = 0
    failed: int = 0
    skipped: int = 0


def batch_send(
    *,
    campaign_id: int,
    delivery_ids: list[int],
    claim_token: str,
    now: dt.datetime,
    connection=None,
) -> BatchResult:
    """Send one batch over one SMTP connection.

    Raises ``letters.TransientSendError`` after putting the unsent rows back.
    """
    result = BatchResult()
    claim_token = claim_token or uuid.uuid4().hex
    mine = Delivery.objects.filter(pk__in=delivery_ids, campaign_id=campaign_id)
    # This very task ran before and died mid-batch: its unsent rows come back.
    mine.filter(status=Delivery.Status.SENDING, claim_token=claim_token).update(
        status=Delivery.Status.QUEUED, claim_token=""
    )
    receiving = Subscription.objects.receiving()
    # One statement both claims a row and checks the person still wants
    # Letters, so an unsubscribe committed before it always counts.
    claimed = mine.filter(status=Delivery.Status.QUEUED, subscription__in=receiving).update(
        status=Delivery.Status.SENDING,
        claim_token=claim_token,
        claimed_at=now,
        attempts=F("attempts") + 1,
    )
    result.skipped = (
        mine.filter(status=Delivery.Status.QUEUED)
        .exclude(subscription__in=receiving)
        .update(status=Delivery.Status.SKIPPED, error="送信前に配信停止されていました。")
    )
    if claimed:
        rows = list(
            mine.filter(status=Delivery.Status.SENDING, claim_token=claim_token)
            .order_by("pk")
            .values_list("pk", "email", "subscription_id")
        )
        letter = render_letter(Campaign.objects.get(pk=campaign_id))
        _send_rows(
            rows, letter=letter, claim_token=claim_token, now=now, connection=connection, result=result
        )
    campaign_finish_if_done(campaign_id=campaign_id, now=now)
    return result


class Composer:
    """Sends one letter to many people over one open connection.

    On a real SMTP connection the MIME message is serialised once per batch and
    only the address, the unsubscribe URL and the Message-ID are put in per
    person (serialising is most of the CPU cost of a message). If the template
    does not come out in a form where that is exact (for example a body that
    needed quoted-printable), or for an unusual address, each message is built
    in full instead.
    """

    _TO = "worq-recipient@placeholder.invalid"
    _MESSAGE_ID = re.compile(rb"^Message-ID: <[^>\r\n]*>", re.MULTILINE | re.IGNORECASE)

    def __init__(self, letter: letters.Letter, connection) -> None:
        self.letter = letter
        self.connection = connection
        self.template: bytes | None = None
        smtp = getattr(connection, "connection", None)
        if isinstance(connection, SMTPBackend) and smtp is not None:
            message = letters.build_message(
                letter=letter, to=self._TO, unsubscribe_url=letters.UNSUBSCRIBE_PLACEHOLDER
            )
            raw = message.message().as_bytes(linesep="\r\n")
            placeholder = letters.UNSUBSCRIBE_PLACEHOLDER.encode()
            if (
                raw.count(self._TO.encode()) == 1
                and raw.count(placeholder) == 3
                and len(self._MESSAGE_ID.findall(raw)) == 1
            ):
                self.template = raw
                self.from_email = message.from_email

    def send(self, email: str, url: str) -> None:
        if self.template is not None and _plain_address(email):
            raw = self.template.replace(self._TO.encode(), email.encode()).replace(
                letters.UNSUBSCRIBE_PLACEHOLDER.encode(), url.encode()
            )
            message_id = f"Message-ID: {make_msgid(domain=DNS_NAME)}".encode()
            raw = self._MESSAGE_ID.sub(message_id, raw, count=1)
            self.connection.connection.sendmail(self.from_email, [email], raw)
            return
        message = letters.build_message(letter=self.letter, to=email, unsubscribe_url=url)
        self.connection.send_messages([message])


_PLAIN_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+$")


def _plain_address(email: str) -> bool:
    return bool(_PLAIN_ADDRESS.match(email))


def _fast_commits(on: bool) -> None:
    """PostgreSQL: don't wait for the WAL flush on each "sent" mark.

    Each mark is its own commit so that a killed worker loses none of them;
    waiting for the disk on every one made the database the bottleneck. With
    synchronous_commit off the row is committed and visible at once; only a
    crash of the database server itself could lose the last fraction of a
    second of marks (those people would be sent the letter again).
    """
    if db_connection.vendor == "postgresql":
        with db_connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF" if on else "RESET synchronous_commit")


class LeaseLost(Exception):
    """Another run took this run's rows back (it stalled past the lease)."""


def _renew(mark, *, still_mine: int) -> None:
    """Heartbeat: renew the claim on the rows not yet sent; stop if some were taken."""
    if mark.update(claimed_at=timezone.now()) < still_mine:
        raise LeaseLost


def _send_rows(rows, *, letter, claim_token, now, connection, result) -> None:
    connection = connection or get_connection(fail_silently=False)
    mark = Delivery.objects.filter(status=Delivery.Status.SENDING, claim_token=claim_token)
    renew_at = time.monotonic() + HEARTBEAT.total_seconds()
    try:
        _fast_commits(True)
        connection.open()
        composer = Composer(letter, connection)
        for done, (pk, email, subscription_id) in enumerate(rows):
            if time.monotonic() >= renew_at:
                _renew(mark, still_mine=len(rows) - done)
                renew_at = time.monotonic() + HEARTBEAT.total_seconds()
            try:
                composer.send(email, unsubscribe_url(subscription_id))
            except Exception as exc:
                if letters.is_transient(exc):
                    raise
                mark.filter(pk=pk).update(
                    status=Delivery.Status.FAILED, error=letters.describe(exc), claim_token=""
                )
                result.failed += 1
                continue
            mark.filter(pk=pk).update(status=Delivery.Status.SENT, sent_at=now, claim_token="")
            result.sent += 1
    except LeaseLost:
        return  # the rows left are someone else's now
    except Exception as exc:
        if not letters.is_transient(exc):
            raise
        mark.filter(pk__in=[r[0] for r in rows]).update(
            status=Delivery.Status.QUEUED, claim_token="", error=letters.describe(exc)
        )
        raise letters.TransientSendError(letters.describe(exc)) from exc
    finally:
        _fast_commits(False)
        try:
            connection.close()
        except Exception:  # a failed QUIT must not hide the outcome
            pass


def campaign_dispatch(*, campaign_id: int, now: dt.datetime) -> list[list[int]]:
    """Build recipients once, recover dead claims, and return batches to enqueue."""
    campaign = Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.SENDING).first()
    if campaign is None:
        return []
    recipients_build(campaign=campaign, now=now)
    leases_expire(campaign_id=campaign_id, now=now)
    batches = batches_take(campaign_id=campaign_id, now=now)
    if not batches:
        campaign_finish_if_done(campaign_id=campaign_id, now=now)
    return batches


def letter_test_send(*, campaign: Campaign, to: str) -> None:
    """The staff member's own preview: same rendering, marked as a test."""
    letter = render_letter(campaign)
    letter = letters.Letter(subject=f"［テスト送信］{letter.subject}", text=letter.text, html=letter.html)
    url = settings.SITE_URL + reverse("magazine:letters")
    letters.build_message(letter=letter, to=to, unsubscribe_url=url).send(fail_silently=False)
