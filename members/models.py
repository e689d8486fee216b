from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from worq.lib.audit import AuditRecord
from worq.lib.storage import private_storage
from worq.lib.vocab import Occupation, Prefecture, Sex

DELETED_USER_NAME = "退会したユーザー"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("メールアドレスが必要です。")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account. Others only ever see ``nickname``."""

    email = models.EmailField("メールアドレス", unique=True)
    nickname = models.CharField(
        "ニックネーム",
        max_length=30,
        blank=True,
        help_text="サイト上で他の人に表示される唯一の名前です。本名は使わないでください。",
    )
    is_staff = models.BooleanField("スタッフ", default=False)
    is_active = models.BooleanField("有効", default=True)
    date_joined = models.DateTimeField("登録日時", default=timezone.now)
    newsletter_opt_in = models.BooleanField("Wor-Q Letters を希望する", default=False)
    reply_notifications = models.BooleanField("返信をメールで知らせる", default=True)
    deleted_at = models.DateTimeField("退会日時", null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = "ユーザー"
        verbose_name_plural = "ユーザー"
        constraints = [
            models.UniqueConstraint(
                Lower("nickname"),
                condition=~Q(nickname=""),
                name="members_user_nickname_ci_unique",
                violation_error_message="このニックネームはすでに使われています。",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.deleted_at:
            return DELETED_USER_NAME
        return self.nickname or "（ニックネーム未設定）"


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=NetworkMembership.Status.ACTIVE)


class NetworkMembership(models.Model):
    """連合ネットワーク会員 (free). Holds the member's personal data."""

    class Status(models.TextChoices):
        ACTIVE = "active", "有効"
        SUSPENDED = "suspended", "停止中"
        WITHDRAWN = "withdrawn", "退会"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="membership",
        verbose_name="ユーザー",
    )
    member_number = models.CharField("会員番号", max_length=20, unique=True, editable=False)
    status = models.CharField("状態", max_length=20, choices=Status, default=Status.ACTIVE)
    full_name = models.CharField("氏名", max_length=60)
    full_name_kana = models.CharField("フリガナ", max_length=60)
    birth_date = models.DateField("生年月日", null=True)
    sex = models.CharField("性別", max_length=10, choices=Sex, blank=True)
    prefecture = models.CharField("都道府県", max_length=10, choices=Prefecture)
    occupation = models.CharField("職種", max_length=40, choices=Occupation)
    work_styles = models.JSONField("働き方", default=list)
    terms_consented_at = models.DateTimeField("規約への同意日時")
    card_pdf = models.FileField(
        "会員証PDF", storage=private_storage, upload_to="members/cards/", blank=True, editable=False
    )
    card_rendered_at = models.DateTimeField("会員証作成日時", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("登録日時", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = "連合ネットワーク会員"
        verbose_name_plural = "連合ネットワーク会員"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.member_number}（{self.user.display_name}）"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class MembershipEvent(AuditRecord):
    """Audit row: every change to a membership (who, what, when)."""

    class Action(models.TextChoices):
        CREATED = "created", "登録"
        UPDATED = "updated", "登録内容の変更"
        STATUS_CHANGED = "status_changed", "状態の変更"
        CARD_ISSUED = "card_issued", "会員証の発行"
        WITHDRAWN = "withdrawn", "退会"

    membership = models.ForeignKey(
        NetworkMembership, on_delete=models.CASCADE, related_name="events", verbose_name="会員"
    )
    action = models.CharField("操作", max_length=20, choices=Action)
    from_status = models.CharField("変更前", max_length=20, blank=True)
    to_status = models.CharField("変更後", max_length=20, blank=True)
    note = models.TextField("メモ", blank=True)

    class Meta(AuditRecord.Meta):
        verbose_name = "会員の変更履歴"
        verbose_name_plural = "会員の変更履歴"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"


class MemberNumberCounter(models.Model):
    """Last member number handed out per year; numbers are never reused."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "会員番号カウンタ"
        verbose_name_plural = "会員番号カウンタ"

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class CouponQuerySet(models.QuerySet):
    def current(self, on):
        return self.filter(is_published=True, valid_from__lte=on).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )


class Coupon(models.Model):
    """福利厚生クーポン for network members."""

    partner = models.CharField("提供企業・団体", max_length=100)
    title = models.CharField("タイトル", max_length=120)
    description = models.TextField("内容")
    how_to_use = models.TextField("使い方")
    code = models.CharField("クーポンコード", max_length=60)
    valid_from = models.DateField("利用開始日")
    valid_to = models.DateField("利用終了日", null=True, blank=True)
    is_published = models.BooleanField("公開する", default=True)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)

    objects = CouponQuerySet.as_manager()

    class Meta:
        verbose_name = "福利厚生クーポン"
        verbose_name_plural = "福利厚生クーポン"
        ordering = ["valid_to", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="members_coupon_valid_period",
                violation_error_message="利用終了日は利用開始日以降にしてください。",
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner}：{self.title}"

    def get_absolute_url(self) -> str:
        return reverse("members:coupon-list") + f"#coupon-{self.pk}"


class CouponReveal(models.Model):
    """One row each time a member shows a code (for partner reports)."""

    coupon = models.ForeignKey(Coupon, on_delete=models.CASCADE, related_name="reveals")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coupon_reveals"
    )
    revealed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "クーポン表示記録"
        verbose_name_plural = "クーポン表示記録"
        ordering = ["-revealed_at"]

    def __str__(self) -> str:
        return f"{self.coupon} {timezone.localtime(self.revealed_at):%Y-%m-%d %H:%M}"
