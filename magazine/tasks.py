"""Celery tasks: each takes primary keys and calls the sending services.

All are safe to run twice: claims are conditional UPDATEs and delivery rows
are unique per campaign and recipient.
"""

from celery import shared_task
from celery.signals import worker_ready
from django.db.models import Min
from django.utils import timezone

from magazine import letters, sending
from magazine.models import Campaign, Delivery
from magazine.services import campaigns_start_due


@shared_task
def dispatch_campaign(campaign_id: int) -> int:
    batches = sending.campaign_dispatch(campaign_id=campaign_id, now=timezone.now())
    for batch in batches:
        send_batch.delay(campaign_id, batch)
    return len(batches)


@shared_task(bind=True, max_retries=5, acks_late=True)
def send_batch(self, campaign_id: int, delivery_ids: list[int]) -> dict:
    try:
        result = sending.batch_send(
            campaign_id=campaign_id,
            delivery_ids=delivery_ids,
            # A re-delivered task keeps its id, so it recognises its own claims.
            claim_token=self.request.id or "",
            now=timezone.now(),
        )
    except letters.TransientSendError as exc:
        # Rows are back in the queue; retry with backoff (30s, 60s, … up to 10 min).
        # If every retry fails, send_due_campaigns hands them out again later.
        raise self.retry(exc=exc, countdown=min(600, 30 * 2**self.request.retries)) from exc
    return {"sent": result.sent, "failed": result.failed, "skipped": result.skipped}


@shared_task
def send_due_campaigns() -> int:
    """Beat, every minute: start scheduled campaigns and keep sending ones moving."""
    now = timezone.now()
    campaigns_start_due(now=now)
    enqueued = 0
    for pk in Campaign.objects.filter(status=Campaign.Status.SENDING).values_list("pk", flat=True):
        enqueued += dispatch_campaign(pk)
    return enqueued


@shared_task(
    autoretry_for=(letters.TransientSendError,),
    retry_backoff=True,
    max_retries=3,
)
def send_test_letter(campaign_id: int, to: str) -> None:
    campaign = Campaign.objects.get(pk=campaign_id)
    try:
        sending.letter_test_send(campaign=campaign, to=to)
    except Exception as exc:
        if letters.is_transient(exc):
            raise letters.TransientSendError(letters.describe(exc)) from exc
        raise


@worker_ready.connect
def _recover_after_restart(sender=None, **kwargs) -> None:
    """A worker that starts may replace one killed mid-batch: as soon as the
    oldest claim in flight runs out of lease, hand its rows out again (beat
    also sweeps every minute)."""
    oldest = Delivery.objects.filter(status=Delivery.Status.SENDING).aggregate(Min("claimed_at"))[
        "claimed_at__min"
    ]
    if oldest is None:
        return
    wait = (oldest + sending.LEASE - timezone.now()).total_seconds()
    send_due_campaigns.apply_async(countdown=max(0.0, wait) + 1)
