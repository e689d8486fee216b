"""One audit shape for every app (after Zulip's RealmAuditLog).

Each app's audit table inherits ``AuditRecord``, declares its actions as
``TextChoices`` (overriding ``action`` with ``choices=``), adds a foreign key
to the object it is about, and writes rows only through ``record()``, inside
the transaction of the change it records: a change and its audit row commit
together or not at all.
"""

import datetime as dt
from typing import TypeVar

from django.conf import settings
from django.db import connection, models
from django.utils import timezone


class AuditRecord(models.Model):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作した人",
    )
    action = models.CharField("操作", max_length=30)
    created_at = models.DateTimeField("日時", default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"


Record = TypeVar("Record", bound=AuditRecord)


def record(model: type[Record], *, action: str, now: dt.datetime, actor=None, **fields) -> Record:
    """Write one audit row. Call it inside the change's ``transaction.atomic``."""
    assert connection.in_atomic_block, "record() belongs inside the transaction of the change"
    return model.objects.create(action=action, actor=actor, created_at=now, **fields)


def record_many(model: type[Record], rows: list[dict], *, action: str, now: dt.datetime, actor=None) -> None:
    """Like ``record()`` for several objects at once (one INSERT)."""
    assert connection.in_atomic_block, "record_many() belongs inside the transaction of the change"
    model.objects.bulk_create([model(action=action, actor=actor, created_at=now, **row) for row in rows])
