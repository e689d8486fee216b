from django.db import models
from django.urls import reverse


class Page(models.Model):
    """Staff-editable fixed pages: 利用規約, プライバシーポリシー, 運営について."""

    slug = models.SlugField("スラッグ", unique=True)
    title = models.CharField("タイトル", max_length=200)
    body = models.TextField("本文（Markdown）")
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "固定ページ"
        verbose_name_plural = "固定ページ"
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("page", kwargs={"slug": self.slug})


class OutboxItem(models.Model):
    """Work a transaction promised (an e-mail, a task), saved in that same
    transaction. It is handed to Celery after the commit; when the broker is
    unreachable it waits here and the beat sweep hands it over later. The
    Celery task id is derived from the row, so a second hand-off of the same
    item is recognised by the (idempotent) task."""

    class Status(models.TextChoices):
        PENDING = "pending", "未送出"
        HANDED = "handed", "送出済み"

    task = models.CharField("タスク", max_length=200)
    args = models.JSONField("引数", default=list, blank=True)
    kwargs = models.JSONField("名前付き引数", default=dict, blank=True)
    status = models.CharField("状態", max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField("作成日時")
    handed_at = models.DateTimeField("送出日時", null=True, blank=True)
    attempts = models.PositiveIntegerField("送出の試行回数", default=0)
    last_error = models.CharField("最後のエラー", max_length=300, blank=True)

    class Meta:
        verbose_name = "送出待ちの処理"
        verbose_name_plural = "送出待ちの処理"
        indexes = [models.Index(fields=["status", "created_at"], name="worq_outbox_pending")]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"

    @property
    def task_id(self) -> str:
        return f"outbox-{self.pk}"


class SentEmail(models.Model):
    """One row per e-mail task run: claimed before sending, marked after, so a
    re-delivered or twice-handed task sends nothing the second time."""

    class Status(models.TextChoices):
        SENDING = "sending", "送信中"
        SENT = "sent", "送信済み"

    key = models.CharField("タスクID", max_length=100, unique=True)
    status = models.CharField("状態", max_length=10, choices=Status.choices, default=Status.SENDING)
    claimed_at = models.DateTimeField("開始日時")
    sent_at = models.DateTimeField("送信日時", null=True, blank=True)

    class Meta:
        verbose_name = "送信済みメール"
        verbose_name_plural = "送信済みメール"

    def __str__(self) -> str:
        return self.key


class FormSubmission(models.Model):
    """A one-time form token that was spent: the unique key makes a double
    tap (or five parallel submits of one rendered form) save once."""

    token = models.CharField("トークン", max_length=64, unique=True)
    created_at = models.DateTimeField("送信日時")

    class Meta:
        verbose_name = "フォーム送信"
        verbose_name_plural = "フォーム送信"

    def __str__(self) -> str:
        return self.token
