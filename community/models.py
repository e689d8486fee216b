"""Communities by occupation: topics (お題) set by moderators, posts and one
level of replies by registered users, reactions, reports and moderation.

Every state change goes through ``community.services``; the admin and the
views never write these rows directly.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from community.rules import wait_text
from worq.lib.audit import AuditRecord
from worq.lib.vocab import Occupation


class Community(models.Model):
    slug = models.SlugField("URL用の名前", max_length=40, unique=True)
    name = models.CharField("名前", max_length=60)
    occupation = models.CharField("職種", max_length=40, choices=Occupation, blank=True)
    description = models.TextField("説明")
    order = models.PositiveSmallIntegerField("表示順", default=0)
    is_active = models.BooleanField("公開する", default=True)
    created_at = models.DateTimeField("作成日時", default=timezone.now, editable=False)
    last_activity_at = models.DateTimeField("最後の動き", default=timezone.now, editable=False)

    class Meta:
        verbose_name = "コミュニティ"
        verbose_name_plural = "コミュニティ"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("community:community-detail", args=[self.slug])


class TopicQuerySet(models.QuerySet):
    def listed(self):
        return self.exclude(status=Topic.Status.ARCHIVED).filter(community__is_active=True)


class Topic(models.Model):
    """お題. Closed topics are read-only; archived topics leave the lists."""

    class Status(models.TextChoices):
        OPEN = "open", "受付中"
        CLOSED = "closed", "受付終了"
        ARCHIVED = "archived", "アーカイブ"

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="topics", verbose_name="コミュニティ"
    )
    title = models.CharField("お題", max_length=120)
    prompt = models.TextField("呼びかけ文", help_text="どんな声を寄せてほしいかを書きます。")
    status = models.CharField("状態", max_length=10, choices=Status, default=Status.OPEN)
    is_pinned = models.BooleanField("上に固定する", default=False)
    slow_mode_seconds = models.PositiveIntegerField(
        "スローモード（秒）",
        default=0,
        help_text="同じ人が このお題に続けて投稿するまでの最短の間隔。0 なら制限なし。",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="作成したスタッフ",
        editable=False,
    )
    created_at = models.DateTimeField("作成日時", default=timezone.now, editable=False)
    last_activity_at = models.DateTimeField("最後の動き", default=timezone.now, editable=False)

    objects = TopicQuerySet.as_manager()

    class Meta:
        verbose_name = "お題"
        verbose_name_plural = "お題"
        ordering = ["-is_pinned", "-last_activity_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("community:topic-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def slow_mode_label(self) -> str:

        return wait_text(dt.timedelta(seconds=self.slow_mode_seconds))


class PostQuerySet(models.QuerySet):
    def public(self):
        """Shown on the topic page: visible posts, and deleted ones as a placeholder."""
        return self.filter(status__in=[Post.Status.VISIBLE, Post.Status.DELETED])

    def needs_review(self):
        """Auto-hidden posts, and posts with at least one report not yet handled."""
        open_reports = Report.objects.filter(post=models.OuterRef("pk"), resolved_at__isnull=True)
        return self.filter(Q(status=Post.Status.AUTO_HIDDEN) | models.Exists(open_reports))


class Post(models.Model):
    class Kind(models.TextChoices):
        TROUBLED = "troubled", "困っていた・悩んでいた"
        SOLVED = "solved", "こう解決した"
        OTHER = "other", "その他"

    class Status(models.TextChoices):
        VISIBLE = "visible", "表示中"
        AUTO_HIDDEN = "auto_hidden", "通報により自動で非表示（確認待ち）"
        HIDDEN = "hidden", "モデレーターが非表示"
        DELETED = "deleted", "投稿者が削除"

    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="posts", verbose_name="お題")
    # One level only: a reply's parent is always a top-level post (services enforce it).
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies", verbose_name="返信先"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="community_posts",
        verbose_name="投稿者",
    )
    kind = models.CharField("種類", max_length=10, choices=Kind, blank=True)
    body = models.TextField("本文")
    body_html = models.TextField("本文（表示用）", editable=False)
    status = models.CharField("状態", max_length=12, choices=Status, default=Status.VISIBLE)
    hidden_reason = models.TextField("非表示の理由（投稿者に表示）", blank=True)
    empathy_count = models.PositiveIntegerField("共感した", default=0)
    helpful_count = models.PositiveIntegerField("参考になった", default=0)
    created_at = models.DateTimeField("投稿日時", default=timezone.now)
    # A top-level post moves up when someone replies (newest activity first).
    last_activity_at = models.DateTimeField("最後の動き", default=timezone.now, editable=False)
    edited_at = models.DateTimeField("編集日時", null=True, blank=True)
    deleted_at = models.DateTimeField("削除日時", null=True, blank=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = "投稿"
        verbose_name_plural = "投稿"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["topic", "parent", "-last_activity_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(parent__isnull=False) | ~Q(kind=""),
                name="community_post_top_level_has_kind",
                violation_error_message="投稿の種類を選んでください。",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.body[:30]}"

    def get_absolute_url(self) -> str:
        return reverse("community:topic-detail", args=[self.topic_id]) + f"#post-{self.root_id}"

    @property
    def root_id(self) -> int:
        return self.parent_id or self.pk

    @property
    def is_visible(self) -> bool:
        return self.status == self.Status.VISIBLE

    @property
    def is_deleted(self) -> bool:
        return self.status == self.Status.DELETED

    @property
    def is_hidden(self) -> bool:
        return self.status in (self.Status.HIDDEN, self.Status.AUTO_HIDDEN)


class PostRevision(models.Model):
    """The text a post had before an edit. Moderators only."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions", verbose_name="投稿")
    body = models.TextField("編集前の本文")
    kind = models.CharField("編集前の種類", max_length=10, choices=Post.Kind, blank=True)
    created_at = models.DateTimeField("編集日時", default=timezone.now)

    class Meta:
        verbose_name = "投稿の編集履歴"
        verbose_name_plural = "投稿の編集履歴"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"投稿 #{self.post_id} の {timezone.localtime(self.created_at):%Y-%m-%d %H:%M} 以前の本文"


class Reaction(models.Model):
    class Kind(models.TextChoices):
        EMPATHY = "empathy", "共感した"
        HELPFUL = "helpful", "参考になった"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_reactions"
    )
    kind = models.CharField(max_length=10, choices=Kind)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "リアクション"
        verbose_name_plural = "リアクション"
        constraints = [
            models.UniqueConstraint(fields=["post", "user", "kind"], name="community_reaction_once_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（投稿 #{self.post_id}）"


class Report(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", "スパム"
        ABUSE = "abuse", "誹謗中傷・ハラスメント"
        PERSONAL = "personal", "個人情報"
        OTHER = "other", "その他"

    class Resolution(models.TextChoices):
        HIDDEN = "hidden", "非表示にした"
        RESTORED = "restored", "問題なしとして再表示"
        DISMISSED = "dismissed", "通報を見送った"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports", verbose_name="投稿")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="community_reports",
        verbose_name="通報した人",
    )
    reason = models.CharField("理由", max_length=10, choices=Reason)
    note = models.TextField("補足", blank=True, max_length=1000)
    created_at = models.DateTimeField("通報日時", default=timezone.now)
    resolved_at = models.DateTimeField("対応日時", null=True, blank=True)
    resolution = models.CharField("対応", max_length=10, choices=Resolution, blank=True)

    class Meta:
        verbose_name = "通報"
        verbose_name_plural = "通報"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "reporter"],
                name="community_report_once_per_person",
                violation_error_message="この投稿はすでに通報済みです。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}（投稿 #{self.post_id}）"


class SuspensionQuerySet(models.QuerySet):
    def in_force(self, now):
        return self.filter(starts_at__lte=now, ends_at__gt=now, lifted_at__isnull=True)


class Suspension(models.Model):
    """A user may read but not post, react or report until ``ends_at``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="community_suspensions",
        verbose_name="ユーザー",
    )
    reason = models.TextField("理由（本人に表示）")
    starts_at = models.DateTimeField("開始", default=timezone.now)
    ends_at = models.DateTimeField("終了")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="モデレーター",
    )
    lifted_at = models.DateTimeField("解除日時", null=True, blank=True)

    objects = SuspensionQuerySet.as_manager()

    class Meta:
        verbose_name = "利用停止"
        verbose_name_plural = "利用停止"
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="community_suspension_period",
                violation_error_message="終了は開始より後にしてください。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.display_name}（{timezone.localtime(self.ends_at):%Y-%m-%d %H:%M} まで）"


class ModerationAction(AuditRecord):
    """Audit row: who did what to which post, topic or user, why and when."""

    class Action(models.TextChoices):
        AUTO_HIDE = "auto_hide", "通報が重なり自動で非表示"
        HIDE = "hide", "非表示"
        RESTORE = "restore", "再表示"
        DISMISS = "dismiss", "通報を見送り"
        LOCK = "lock", "お題の受付終了"
        UNLOCK = "unlock", "お題の受付再開"
        SUSPEND = "suspend", "利用停止"
        LIFT = "lift", "利用停止の解除"

    action = models.CharField("操作", max_length=10, choices=Action)
    post = models.ForeignKey(
        Post,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moderation_actions",
        verbose_name="投稿",
    )
    topic = models.ForeignKey(
        Topic,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moderation_actions",
        verbose_name="お題",
    )
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="対象のユーザー",
    )
    reason = models.TextField("理由")

    class Meta(AuditRecord.Meta):
        verbose_name = "モデレーション記録"
        verbose_name_plural = "モデレーション記録"


class ReviewItem(Post):
    """The moderators' review queue in the admin: reported or auto-hidden posts."""

    class Meta:
        proxy = True
        verbose_name = "確認待ちの投稿"
        verbose_name_plural = "確認待ちの投稿（通報・自動非表示）"


class ReplyNotice(models.Model):
    """Throttle: at most one reply e-mail per person and topic per hour.

    The row is claimed with a conditional UPDATE, so two workers can never
    both send within the same hour."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")
    last_sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recipient", "topic"], name="community_reply_notice_once"),
        ]

    def __str__(self) -> str:
        return f"返信のお知らせ（お題 #{self.topic_id}）"
