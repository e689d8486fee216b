import datetime as dt
import smtplib

from celery import shared_task
from django.db import IntegrityError, transaction
from django.utils import timezone

from worq.lib.forms import form_tokens_forget
from worq.lib.mail import send_templated_email
from worq.lib.outbox import outbox_sweep
from worq.models import SentEmail

# A claim older than this belongs to a run that died before it could send.
SEND_LEASE = dt.timedelta(minutes=10)


def _claim(key: str, now: dt.datetime) -> bool:
    try:
        with transaction.atomic():
            SentEmail.objects.create(key=key, claimed_at=now)
        return True
    except IntegrityError:
        return bool(
            SentEmail.objects.filter(
                key=key, status=SentEmail.Status.SENDING, claimed_at__lt=now - SEND_LEASE
            ).update(claimed_at=now)
        )


@shared_task(
    bind=True,
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def send_email_task(self, *, template: str, context: dict, to: list[str]) -> bool:
    """Send once per task id: a re-delivered task, or an outbox item handed
    over twice, finds its claim and sends nothing. Returns whether it sent."""
    key = self.request.id
    if key and not _claim(key, timezone.now()):
        return False
    try:
        send_templated_email(template=template, context=context, to=to)
    except Exception:
        if key:  # nothing went out: the retry (same id) may claim again
            SentEmail.objects.filter(key=key, status=SentEmail.Status.SENDING).delete()
        raise
    if key:
        SentEmail.objects.filter(key=key).update(status=SentEmail.Status.SENT, sent_at=timezone.now())
    return True


@shared_task
def sweep_outbox() -> int:
    """Beat, every minute: hand to Celery what a broker outage left behind."""
    now = timezone.now()
    SentEmail.objects.filter(sent_at__lt=now - dt.timedelta(days=30)).delete()
    form_tokens_forget(now=now)
    return outbox_sweep(now=now)
