"""Wor-Q Magazine (articles, monthly features) and Wor-Q Letters (newsletter)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from worq.lib.audit import AuditRecord
from worq.lib.markup import markdown_to_html
from worq.lib.vocab import Occupation


class Category(models.Model):
    name = models.CharField("名前", max_length=40, unique=True)
    slug = models.SlugField("URL用の名前", max_length=60, unique=True, allow_unicode=True)
    order = models.PositiveSmallIntegerField("並び順", default=100)

    class Meta:
        verbose_name = "カテゴリ"
        verbose_name_plural = "カテゴリ"
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("magazine:category", args=[self.slug])


class Tag(models.Model):
    name = models.CharField("名前", max_length=40, unique=True)
    slug = models.SlugField("URL用の名前", max_length=60, unique=True, allow_unicode=True)

    class Meta:
        verbose_name = "タグ"
        verbose_name_plural = "タグ"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("magazine:tag", args=[self.slug])


class Feature(models.Model):
    """特集: one theme a month that groups articles."""

    title = models.CharField("特集名", max_length=100)
    slug = models.SlugField("URL用の名前", max_length=80, unique=True, allow_unicode=True)
    month = models.DateField("号（月）", unique=True, help_text="その月の1日を入れてください。")
    lead = models.TextField("リード文", blank=True)

    class Meta:
        verbose_name = "特集"
        verbose_name_plural = "特集"
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%Y年%-m月}号 {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("magazine:feature", args=[self.slug])

    def clean(self) -> None:
        if self.month and self.month.day != 1:
            raise ValidationError({"month": "号（月）にはその月の1日を入れてください。"})


class ArticleQuerySet(models.QuerySet):
    def published(self, now=None):
        """Articles readers may see: a publish time that has come."""
        return self.filter(published_at__isnull=False, published_at__lte=now or timezone.now())

    def for_list(self):
        return self.select_related("category", "feature").prefetch_related("tags")


class Article(models.Model):
    title = models.CharField("タイトル", max_length=120)
    slug = models.SlugField("URL用の名前", max_length=100, unique=True, allow_unicode=True)
    lead = models.TextField("リード文", max_length=400, help_text="一覧や共有時に表示される要約です。")
    body = models.TextField(
        "本文（Markdown）",
        help_text="見出しは ## から。画像は下の「本文用の画像」でアップロードし、表示された記法を貼り付けてください。",
    )
    hero_image = models.ImageField("メイン画像", upload_to="magazine/hero/", blank=True)
    hero_alt = models.CharField(
        "メイン画像の代替テキスト",
        max_length=200,
        blank=True,
        help_text="画像が見えない人に向けて、画像の内容を短く説明してください。",
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="articles", verbose_name="カテゴリ"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles", verbose_name="タグ")
    feature = models.ForeignKey(
        Feature,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name="特集",
    )
    author_byline = models.CharField("署名", max_length=80, help_text="例：Wor-Q編集部")
    published_at = models.DateTimeField(
        "公開日時",
        null=True,
        blank=True,
        db_index=True,
        help_text="空欄なら下書き。未来の日時にすると、その時刻に自動で公開されます。",
    )
    # Stored as data (not foreign keys) so articles survive case re-imports and
    # the consultations app can evolve freely; resolved at display time.
    related_case_ids = models.JSONField(
        "関連する相談事例（external_id）",
        default=list,
        blank=True,
        help_text='相談事例の external_id のリスト。例：["C-0001", "C-0002"]',
    )
    related_terms = models.JSONField(
        "関連する用語",
        default=list,
        blank=True,
        help_text='用語集の用語のリスト。例：["労働者性"]',
    )
    created_at = models.DateTimeField("作成日時", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = "記事"
        verbose_name_plural = "記事"
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hero_image="") | ~Q(hero_alt=""),
                name="magazine_article_hero_alt",
                violation_error_message="メイン画像には代替テキストを入れてください。",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("magazine:article", args=[self.slug])

    def clean(self) -> None:
        errors = {}
        for name, label in (("related_case_ids", "事例ID"), ("related_terms", "用語")):
            value = getattr(self, name)
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                errors[name] = f'{label}を ["…", "…"] の形のリストで入れてください。'
        if errors:
            raise ValidationError(errors)

    @property
    def body_html(self) -> str:
        return markdown_to_html(self.body, allow_images=True)

    def is_published(self, now=None) -> bool:
        return self.published_at is not None and self.published_at <= (now or timezone.now())


class ArticleImage(models.Model):
    """An image staff upload to use inside an article body."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="images", verbose_name="記事")
    image = models.ImageField("画像", upload_to="magazine/body/")
    alt = models.CharField("代替テキスト", max_length=200)

    class Meta:
        verbose_name = "本文用の画像"
        verbose_name_plural = "本文用の画像"

    def __str__(self) -> str:
        return self.alt

    @property
    def markdown(self) -> str:
        return f"![{self.alt}]({self.image.url})" if self.image else ""


# --- Wor-Q Letters -----------------------------------------------------------
class SubscriptionQuerySet(models.QuerySet):
    def receiving(self):
        """Confirmed subscribers who still want Letters on an active account."""
        return self.filter(
            status=Subscription.Status.CONFIRMED,
            user__is_active=True,
            user__newsletter_opt_in=True,
            user__deleted_at__isnull=True,
        )


class Subscription(models.Model):
    """Double opt-in: a person receives Letters only once ``confirmed``."""

    class Status(models.TextChoices):
        PENDING = "pending", "確認待ち"
        CONFIRMED = "confirmed", "購読中"
        UNSUBSCRIBED = "unsubscribed", "停止"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="letters_subscription",
        verbose_name="ユーザー",
    )
    status = models.CharField("状態", max_length=20, choices=Status, default=Status.PENDING)
    requested_at = models.DateTimeField("申し込み日時")
    confirmed_at = models.DateTimeField("確認日時", null=True, blank=True)
    unsubscribed_at = models.DateTimeField("停止日時", null=True, blank=True)
    source = models.CharField("申し込み元", max_length=20, blank=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = "Letters 購読"
        verbose_name_plural = "Letters 購読"
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.user.email}（{self.get_status_display()}）"


class SubscriptionEvent(AuditRecord):
    """Audit row: who subscribed, confirmed or left, when and how."""

    class Action(models.TextChoices):
        REQUESTED = "requested", "購読の申し込み"
        CONFIRMED = "confirmed", "購読の確認"
        RESUMED = "resumed", "購読の再開"
        UNSUBSCRIBED = "unsubscribed", "購読の停止"

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="events", verbose_name="購読"
    )
    action = models.CharField("操作", max_length=20, choices=Action)
    note = models.CharField("メモ", max_length=200, blank=True)

    class Meta(AuditRecord.Meta):
        verbose_name = "購読の記録"
        verbose_name_plural = "購読の記録"

    def __str__(self) -> str:
        return f"{self.action}（{timezone.localtime(self.created_at):%Y-%m-%d %H:%M}）"


class Campaign(models.Model):
    class Audience(models.TextChoices):
        ALL = "all", "すべての購読者"
        MEMBERS = "members", "連合ネットワーク会員のみ"
        OCCUPATION = "occupation", "職種を指定"

    class Status(models.TextChoices):
        DRAFT = "draft", "下書き"
        SCHEDULED = "scheduled", "予約済み"
        SENDING = "sending", "送信中"
        SENT = "sent", "送信済み"

    subject = models.CharField("件名", max_length=120)
    body = models.TextField("本文（Markdown）")
    audience = models.CharField("送り先", max_length=20, choices=Audience, default=Audience.ALL)
    occupation = models.CharField(
        "職種",
        max_length=40,
        choices=Occupation,
        blank=True,
        help_text="送り先が「職種を指定」のときに選びます。",
    )
    status = models.CharField("状態", max_length=20, choices=Status, default=Status.DRAFT)
    scheduled_at = models.DateTimeField("予約日時", null=True, blank=True)
    test_sent_at = models.DateTimeField("テスト送信日時", null=True, blank=True, editable=False)
    recipients_built_at = models.DateTimeField("送り先の確定", null=True, blank=True, editable=False)
    started_at = models.DateTimeField("送信開始", null=True, blank=True, editable=False)
    finished_at = models.DateTimeField("送信完了", null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="作成者",
        editable=False,
    )
    created_at = models.DateTimeField("作成日時", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "Letters 配信"
        verbose_name_plural = "Letters 配信"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(audience="occupation") | ~Q(occupation=""),
                name="magazine_campaign_occupation_given",
                violation_error_message="送り先を「職種を指定」にしたときは、職種を選んでください。",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.SCHEDULED)


class DeliveryQuerySet(models.QuerySet):
    def counts(self) -> dict[str, int]:
        result = {s: 0 for s in Delivery.Status.values}
        for row in self.values("status").annotate(n=models.Count("pk")):
            result[row["status"]] = row["n"]
        return result


class Delivery(models.Model):
    """One campaign to one subscriber. The unique row is the "sent once" guard."""

    class Status(models.TextChoices):
        QUEUED = "queued", "送信待ち"
        SENDING = "sending", "送信中"
        SENT = "sent", "送信済み"
        FAILED = "failed", "失敗"
        SKIPPED = "skipped", "配信停止のため送らず"

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="deliveries", verbose_name="配信"
    )
    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.SET_NULL,
        null=True,
        related_name="deliveries",
        verbose_name="購読",
    )
    email = models.EmailField("宛先")
    status = models.CharField("状態", max_length=20, choices=Status, default=Status.QUEUED, db_index=True)
    claim_token = models.CharField("処理中のタスク", max_length=64, blank=True)
    claimed_at = models.DateTimeField("処理開始", null=True, blank=True)
    dispatched_at = models.DateTimeField("キュー投入", null=True, blank=True)
    sent_at = models.DateTimeField("送信日時", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("試行回数", default=0)
    error = models.TextField("エラー", blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = "配信先"
        verbose_name_plural = "配信先"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "subscription"], name="magazine_delivery_once_per_recipient"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email}（{self.get_status_display()}）"
