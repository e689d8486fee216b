"""Wor-Q Opinion Box: themes, the opinions people send, 共感, results and follow-up reports.

Invariants kept by the database:
- an opinion is published only when its author allowed publication;
- one 共感 per person and opinion;
- one result per theme; a theme closes on or after the day it opens.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from worq.lib.audit import AuditRecord
from worq.lib.vocab import Occupation, WorkStyle

TEXT_MAX_LENGTH = 2000
# The vocabularies store the Japanese name as the value; TextChoices would
# label them with the English member names, so label each with its value.
OCCUPATION_CHOICES = [(v, v) for v in Occupation.values]
WORK_STYLE_CHOICES = [(v, v) for v in WorkStyle.values]


class Theme(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "予定"
        OPEN = "open", "受付中"
        COUNTING = "counting", "集計中"
        RESULTS = "results", "結果公開"

    title = models.CharField("テーマ", max_length=120)
    description = models.TextField("説明", help_text="Markdown が使えます。")
    why_we_ask = models.TextField(
        "なぜ聞くのか", help_text="集めた声を何に使うのかを書きます。Markdown が使えます。"
    )
    opens_on = models.DateField("受付開始日")
    closes_on = models.DateField("受付終了日", help_text="この日の終わりまで受け付けます。")
    status = models.CharField("状態", max_length=20, choices=Status, default=Status.SCHEDULED)
    created_at = models.DateTimeField("作成日時", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "テーマ"
        verbose_name_plural = "テーマ"
        ordering = ["-opens_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")),
                name="opinionbox_theme_period",
                violation_error_message="受付終了日は受付開始日以降にしてください。",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("opinionbox:theme-detail", args=[self.pk])

    def accepts_opinions(self, today: dt.date) -> bool:
        """Open by date, unless staff closed it early. The daily task only
        catches the stored status up with the calendar; it is not needed here."""
        return (
            self.status in (self.Status.SCHEDULED, self.Status.OPEN)
            and self.opens_on <= today <= self.closes_on
        )

    def has_published_result(self) -> bool:
        result = getattr(self, "result", None)
        return self.status == self.Status.RESULTS and result is not None and result.is_published


class Tag(models.Model):
    name = models.CharField("タグ", max_length=40, unique=True)

    class Meta:
        verbose_name = "タグ"
        verbose_name_plural = "タグ"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OpinionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)


class Opinion(models.Model):
    class Publication(models.TextChoices):
        ANONYMOUS = "anonymous", "匿名で公開してよい"
        NICKNAME = "nickname", "ニックネームで公開してよい"
        PRIVATE = "private", "公開しない"

    class Status(models.TextChoices):
        UNREAD = "unread", "未読"
        CHECKED = "checked", "確認済み"
        CONSIDERING = "considering", "対応検討"
        REFLECTED = "reflected", "反映済み"

    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="opinions", verbose_name="テーマ")
    # NULL once the author deleted their account; the opinion then stays anonymous.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="opinions",
        verbose_name="送った人",
    )
    text = models.TextField("ご意見", max_length=TEXT_MAX_LENGTH)
    occupation = models.CharField("職種", max_length=40, choices=OCCUPATION_CHOICES, blank=True)
    work_style = models.CharField("主な働き方", max_length=40, choices=WORK_STYLE_CHOICES, blank=True)
    publication = models.CharField(
        "公開について", max_length=20, choices=Publication, default=Publication.ANONYMOUS
    )
    wants_result_email = models.BooleanField("結果をメールで受け取る", default=False)
    status = models.CharField("対応状況", max_length=20, choices=Status, default=Status.UNREAD)
    tags = models.ManyToManyField(Tag, blank=True, related_name="opinions", verbose_name="タグ")
    staff_note = models.TextField("運営メモ（非公開）", blank=True)
    is_published = models.BooleanField("サイトに掲載する", default=False)
    published_at = models.DateTimeField("掲載日時", null=True, blank=True)
    notified_at = models.DateTimeField("結果のお知らせ送信日時", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("送信日時", default=timezone.now, editable=False)

    objects = OpinionQuerySet.as_manager()

    class Meta:
        verbose_name = "意見"
        verbose_name_plural = "意見"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["theme", "is_published"]),
            models.Index(fields=["author", "theme", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(is_published=True, publication="private"),
                name="opinionbox_opinion_published_only_if_allowed",
                violation_error_message="「公開しない」を選んだ方の意見は掲載できません。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.theme}：{self.excerpt}"

    def get_absolute_url(self) -> str:
        return reverse("opinionbox:opinion-detail", args=[self.pk])

    @property
    def excerpt(self) -> str:
        text = " ".join(self.text.split())
        return text if len(text) <= 40 else text[:40] + "…"

    @property
    def may_be_published(self) -> bool:
        return self.publication != self.Publication.PRIVATE

    @property
    def public_name(self) -> str:
        """The only name shown with a published opinion."""
        if self.publication == self.Publication.NICKNAME and self.author_id:
            return self.author.display_name
        return "匿名"


class Support(models.Model):
    """共感: one per person and opinion."""

    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="opinion_supports"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "共感"
        verbose_name_plural = "共感"
        constraints = [
            models.UniqueConstraint(
                fields=["opinion", "user"],
                name="opinionbox_support_once",
                violation_error_message="この意見にはすでに共感しています。",
            )
        ]

    def __str__(self) -> str:
        return f"共感 #{self.pk}"


class Result(models.Model):
    """What we heard, what we will do, what changed. Public once published."""

    theme = models.OneToOneField(
        Theme, on_delete=models.CASCADE, related_name="result", verbose_name="テーマ"
    )
    heard = models.TextField("寄せられた声", help_text="Markdown が使えます。")
    will_do = models.TextField("これから取り組むこと", help_text="Markdown が使えます。")
    changed = models.TextField(
        "変わったこと", blank=True, help_text="すでに変えたことがあれば書きます。Markdown が使えます。"
    )
    published_at = models.DateTimeField("公開日時", null=True, blank=True, editable=False)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "結果"
        verbose_name_plural = "結果"

    def __str__(self) -> str:
        return f"{self.theme} の結果"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class ThemeUpdate(models.Model):
    """運営からのその後の報告, added after a theme closed."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="updates", verbose_name="テーマ")
    title = models.CharField("見出し", max_length=120)
    body = models.TextField("本文", help_text="Markdown が使えます。")
    published_on = models.DateField("報告日", default=timezone.localdate)
    created_at = models.DateTimeField("作成日時", default=timezone.now, editable=False)

    class Meta:
        verbose_name = "その後の報告"
        verbose_name_plural = "その後の報告"
        ordering = ["-published_on", "-id"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        # Follow-up reports tell what happened after the box closed.
        if self.theme_id and self.theme.status in (Theme.Status.SCHEDULED, Theme.Status.OPEN):
            raise ValidationError("その後の報告は、受付が終わったテーマにだけ付けられます。")


class Event(AuditRecord):
    """Audit row: who changed what in the Opinion Box, and when."""

    class Action(models.TextChoices):
        THEME_OPENED = "theme_opened", "受付開始"
        THEME_CLOSED = "theme_closed", "受付終了"
        STATUS_CHANGED = "status_changed", "テーマの状態の変更"
        CHOICES_CHANGED = "choices_changed", "作者による公開設定の変更"
        WITHDRAWN = "withdrawn", "作者による取り下げ"
        TRIAGED = "triaged", "意見の確認"
        PUBLISHED = "published", "意見の掲載"
        UNPUBLISHED = "unpublished", "意見の掲載取りやめ"
        RESULT_PUBLISHED = "result_published", "結果の公開"
        EXPORTED = "exported", "CSV書き出し"

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="events", verbose_name="テーマ")
    opinion = models.ForeignKey(
        Opinion, on_delete=models.CASCADE, null=True, blank=True, related_name="events", verbose_name="意見"
    )
    action = models.CharField("操作", max_length=30, choices=Action)
    note = models.TextField("内容", blank=True)

    class Meta(AuditRecord.Meta):
        verbose_name = "操作履歴"
        verbose_name_plural = "操作履歴"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"
