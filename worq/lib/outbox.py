"""The transactional outbox: record work with the change that causes it.

``outbox_add`` saves the work (a Celery task name and its JSON arguments) in
the current transaction and hands it to Celery once that commits. If the
broker cannot be reached the person still sees a normal page: the item stays
``pending`` and ``outbox_sweep`` (beat, every minute) hands it over when the
broker is back. An item can be handed over twice (a crash between publishing
and marking it, or the sweep racing the first hand-off); it keeps one Celery
task id, and tasks are idempotent, so that changes nothing.
"""

import datetime as dt
import logging
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from worq.models import OutboxItem

logger = logging.getLogger(__name__)

# The hand-off right after the commit normally wins; the sweep leaves young items to it.
SWEEP_AFTER = dt.timedelta(seconds=30)
KEEP_HANDED = dt.timedelta(days=7)


def outbox_add(*, task, args: Sequence = (), kwargs: dict | None = None) -> OutboxItem:
    """Record ``task(*args, **kwargs)`` (a task or its dotted name); it is
    handed to Celery after the commit. Use it instead of ``delay_on_commit``."""
    item = OutboxItem.objects.create(
        task=task if isinstance(task, str) else task.name,
        args=list(args),
        kwargs=dict(kwargs or {}),
        created_at=timezone.now(),
    )
    transaction.on_commit(lambda: outbox_hand_off(item_ids=[item.pk]), robust=True)
    return item


def outbox_hand_off(*, item_ids: Iterable[int]) -> int:
    """Publish pending items; one the broker refuses stays pending. Returns the number handed."""
    handed = 0
    for item in OutboxItem.objects.filter(pk__in=list(item_ids), status=OutboxItem.Status.PENDING):
        try:
            # Task names are their dotted paths (shared_task's default).
            import_string(item.task).apply_async(
                args=item.args, kwargs=item.kwargs, task_id=item.task_id, retry=False
            )
        except Exception as exc:
            logger.warning("outbox: %s not handed to Celery yet: %s", item, exc)
            OutboxItem.objects.filter(pk=item.pk).update(
                attempts=item.attempts + 1, last_error=str(exc)[:300]
            )
            continue
        handed += OutboxItem.objects.filter(pk=item.pk, status=OutboxItem.Status.PENDING).update(
            status=OutboxItem.Status.HANDED, handed_at=timezone.now(), attempts=item.attempts + 1
        )
    return handed


def outbox_sweep(*, now: dt.datetime) -> int:
    """Hand over what is still pending; forget what was handed long ago."""
    OutboxItem.objects.filter(status=OutboxItem.Status.HANDED, handed_at__lt=now - KEEP_HANDED).delete()
    due = OutboxItem.objects.filter(status=OutboxItem.Status.PENDING, created_at__lt=now - SWEEP_AFTER)
    return outbox_hand_off(item_ids=due.order_by("pk").values_list("pk", flat=True)[:1000])
