import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from kyosai import claimcalc, premiums
from worq.lib.audit import AuditRecord
from worq.lib.storage import PrivateUpload, private_storage


class ProductCode(models.TextChoices):
    CLUB = "club", "Wor-Qライフサポートクラブ（基本共済）"
    LIFE = "life", "オプション1 団体生命共済"
    MEDICAL = "medical", "オプション2 総合医療共済"
    LIABILITY = "liability", "オプション3 賠償補償制度"
    INCOME = "income", "オプション4 所得補償制度"
    ROSAI = "rosai", "労災保険特別加入（建設の一人親方）"
    ROSAI_FREELANCE = "rosai_freelance", "労災保険特別加入（特定フリーランス）"


class Product(models.Model):
    """What a product is and how it is run. Figures live in RateTable."""

    class CoverStartRule(models.TextChoices):
        NEXT_MONTH = "next_month", "承認の翌月1日から"
        NEXT_DAY = "next_day", "承認の翌日から"

    code = models.CharField("商品", max_length=20, choices=ProductCode, unique=True)
    name = models.CharField("名称", max_length=60)
    summary = models.TextField("説明")
    important_matters = models.TextField("重要事項", help_text="申込みの前に必ず読んでいただく内容です。")
    cover_start_rule = models.CharField(
        "保障開始日", max_length=20, choices=CoverStartRule, default=CoverStartRule.NEXT_MONTH
    )
    grace_days = models.PositiveIntegerField(
        "年会費の猶予日数",
        default=0,
        help_text="クラブのみ：年度の開始からこの日数を過ぎても年会費が未納なら失効します。",
    )
    order = models.PositiveSmallIntegerField("表示順", default=0)

    class Meta:
        verbose_name = "共済商品"
        verbose_name_plural = "共済商品"
        ordering = ["order"]

    def __str__(self) -> str:
        return self.name


class RateTableQuerySet(models.QuerySet):
    def in_force(self, on):
        return self.filter(valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))


class RateTable(models.Model):
    """One version of a product's premium and benefit table.

    A new year's figures are a new version; enrolments and policies keep a
    foreign key to the version they were priced with."""

    class Unlisted(models.TextChoices):
        NOT_OFFERED = "not_offered", "表にない組み合わせは取扱いなし"
        NOT_PUBLISHED = "not_published", "表にない組み合わせは見積依頼"

    product = models.CharField("商品", max_length=20, choices=ProductCode)
    version = models.CharField("版", max_length=40)
    valid_from = models.DateField("適用開始日")
    valid_to = models.DateField("適用終了日", null=True, blank=True)
    unlisted = models.CharField("表にない条件", max_length=20, choices=Unlisted, default=Unlisted.NOT_OFFERED)
    source = models.TextField("出典")
    note = models.TextField("注記", blank=True)
    extra = models.JSONField("補足データ", default=dict, blank=True)
    created_at = models.DateTimeField("登録日時", default=timezone.now, editable=False)

    objects = RateTableQuerySet.as_manager()

    class Meta:
        verbose_name = "掛金・保障の表"
        verbose_name_plural = "掛金・保障の表"
        ordering = ["product", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["product", "valid_from"], name="kyosai_rate_table_start"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="kyosai_rate_table_period",
                violation_error_message="適用終了日は適用開始日以降にしてください。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_product_display()} {self.version}"

    def clean(self):
        if not self.valid_from:
            return
        others = RateTable.objects.filter(product=self.product).exclude(pk=self.pk)
        for other in others:
            ends_before = self.valid_to is not None and self.valid_to < other.valid_from
            starts_after = other.valid_to is not None and self.valid_from > other.valid_to
            if not (ends_before or starts_after):
                raise ValidationError(
                    f"適用期間が「{other}」と重なっています。前の版に適用終了日を入れてください。"
                )

    def as_pure(self) -> premiums.Table:
        return premiums.Table(
            product=self.product,
            unlisted=self.unlisted,
            version=self.version,
            table_id=self.pk,
            rates=tuple(r.as_pure() for r in self.rates.all()),
        )


class Rate(models.Model):
    """One cell of a premium table (blank keys match anything)."""

    table = models.ForeignKey(RateTable, on_delete=models.CASCADE, related_name="rates")
    age_min = models.PositiveSmallIntegerField("年齢（から）", null=True, blank=True)
    age_max = models.PositiveSmallIntegerField("年齢（まで）", null=True, blank=True)
    sex = models.CharField("性別", max_length=10, blank=True, choices=list(premiums.SEXES.items()))
    plan = models.CharField("プラン", max_length=1, blank=True)
    job_class = models.PositiveSmallIntegerField("職種級別", null=True, blank=True)
    benefit = models.PositiveIntegerField("保険金額（月額）", null=True, blank=True)
    daily = models.PositiveIntegerField("日額", null=True, blank=True)
    payment = models.CharField("払込方法", max_length=20, blank=True, choices=list(premiums.PAYMENTS.items()))
    monthly = models.PositiveIntegerField("月払掛金（円）", null=True, blank=True)
    annual = models.PositiveIntegerField("年額（円）", null=True, blank=True)
    half_year = models.PositiveIntegerField("半期（円）", null=True, blank=True)

    class Meta:
        verbose_name = "掛金"
        verbose_name_plural = "掛金"
        ordering = ["sex", "plan", "job_class", "benefit", "daily", "age_min", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(monthly__isnull=False) | Q(annual__isnull=False),
                name="kyosai_rate_has_amount",
                violation_error_message="月払掛金か年額のどちらかを入れてください。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.table} #{self.pk}"

    def as_pure(self) -> premiums.Rate:
        return premiums.Rate(
            monthly=self.monthly,
            annual=self.annual,
            half_year=self.half_year,
            age_min=self.age_min,
            age_max=self.age_max,
            sex=self.sex,
            plan=self.plan,
            job_class=self.job_class,
            benefit=self.benefit,
            daily=self.daily,
            payment=self.payment,
        )


class Benefit(models.Model):
    """A line of a product's benefit table (what it pays)."""

    table = models.ForeignKey(RateTable, on_delete=models.CASCADE, related_name="benefits")
    plan = models.CharField("プラン", max_length=1, blank=True)
    group = models.CharField("区分", max_length=60)
    label = models.CharField("内容", max_length=120)
    prefix = models.CharField("金額の前置き", max_length=10, blank=True, help_text="例：日額、最高")
    amount = models.PositiveIntegerField("金額（円）", null=True, blank=True)
    text = models.CharField("金額以外の説明", max_length=120, blank=True)
    is_exclusion = models.BooleanField(
        "支払われないもの", default=False, help_text="「支払われないもの」として別に表示します。"
    )
    source = models.CharField("出典（URLなど）", max_length=300, blank=True)
    order = models.PositiveSmallIntegerField("表示順", default=0)

    class Meta:
        verbose_name = "保障内容"
        verbose_name_plural = "保障内容"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.group} {self.label}"

    @property
    def amount_display(self) -> str:
        if self.amount is None:
            return self.text
        return f"{self.prefix} {premiums.yen(self.amount)}".strip()


class HealthQuestion(models.Model):
    """告知 question asked when applying for a product (configured by staff)."""

    product = models.CharField("商品", max_length=20, choices=ProductCode)
    text = models.CharField("質問", max_length=300)
    is_sample = models.BooleanField(
        "サンプル", default=False, help_text="実際の告知事項ではない見本の質問です（画面に明示）。"
    )
    is_active = models.BooleanField("使う", default=True)
    order = models.PositiveSmallIntegerField("表示順", default=0)

    class Meta:
        verbose_name = "告知の質問"
        verbose_name_plural = "告知の質問"
        ordering = ["product", "order", "id"]

    def __str__(self) -> str:
        return self.text


class Application(models.Model):
    """One run of the enrolment wizard: a member applies for one or more products."""

    class Status(models.TextChoices):
        DRAFT = "draft", "入力中"
        SUBMITTED = "submitted", "審査中"
        APPROVED = "approved", "承認"
        REJECTED = "rejected", "不承認"
        WITHDRAWN = "withdrawn", "取り下げ"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="kyosai_applications",
        verbose_name="申込者",
    )
    status = models.CharField("状態", max_length=20, choices=Status, default=Status.DRAFT)
    step = models.CharField("進んだ段階", max_length=20, default="club")
    full_name = models.CharField("氏名", max_length=60, blank=True)
    birth_date = models.DateField("生年月日", null=True, blank=True)
    sex = models.CharField("性別", max_length=10, blank=True, choices=list(premiums.SEXES.items()))
    beneficiary = models.CharField("死亡共済金受取人", max_length=200, blank=True)
    answers = models.JSONField("告知の回答", default=list, blank=True)
    consented_at = models.DateTimeField("重要事項への同意", null=True, blank=True)
    submitted_at = models.DateTimeField("申込日時", null=True, blank=True)
    decided_at = models.DateTimeField("審査日時", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="審査した人",
    )
    decision_reason = models.TextField("不承認の理由", blank=True)
    created_at = models.DateTimeField("作成日時", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "共済の申込み"
        verbose_name_plural = "共済の申込み"
        ordering = ["-submitted_at", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status="draft"),
                name="kyosai_one_draft_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"申込み #{self.pk}（{self.get_status_display()}）"

    def product_codes(self) -> list[str]:
        return [e.product for e in self.enrolments.all()]


class EnrolmentQuerySet(models.QuerySet):
    # Applied for or held: at most one such enrolment per member and product.
    ACTIVE = ("draft", "submitted", "approved", "cancel_requested")
    # Held: approved and not ended (a cancel request keeps the cover until staff confirm it).
    HELD = premiums.HELD_STATUSES
    # Held now or once: an enrolment that has ended still covers the days inside its cover period.
    EVER_HELD = (*HELD, *premiums.ENDED_STATUSES)

    def active(self):
        return self.filter(status__in=self.ACTIVE)

    def held(self):
        return self.filter(status__in=self.HELD)

    def ever_held(self):
        return self.filter(status__in=self.EVER_HELD)

    def clubs(self):
        return self.filter(product=ProductCode.CLUB)

    def in_force(self, on):
        return self.held().filter(cover_start__lte=on, cover_end__gte=on)


class Enrolment(models.Model):
    """A member's enrolment in one product: chosen cover, price and status."""

    class Status(models.TextChoices):
        DRAFT = "draft", "入力中"
        SUBMITTED = "submitted", "審査中"
        APPROVED = "approved", "加入中"
        CANCEL_REQUESTED = "cancel_requested", "解約の申出中"
        REJECTED = "rejected", "不承認"
        WITHDRAWN = "withdrawn", "取り下げ"
        CANCELLED = "cancelled", "解約済み"
        LAPSED = "lapsed", "失効"

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="enrolments", verbose_name="申込み"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="kyosai_enrolments",
        verbose_name="加入者",
    )
    product = models.CharField("商品", max_length=20, choices=ProductCode)
    status = models.CharField("状態", max_length=20, choices=Status, default=Status.DRAFT)
    plan = models.CharField("プラン", max_length=1, blank=True)
    job_class = models.PositiveSmallIntegerField("職種級別", null=True, blank=True)
    benefit = models.PositiveIntegerField("保険金額（月額）", null=True, blank=True)
    daily = models.PositiveIntegerField("日額", null=True, blank=True)
    payment = models.CharField("払込方法", max_length=20, blank=True, choices=list(premiums.PAYMENTS.items()))
    rate_table = models.ForeignKey(
        RateTable,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="使った掛金表",
    )
    monthly = models.PositiveIntegerField("月払掛金（円）", null=True, blank=True)
    annual = models.PositiveIntegerField("年額（円）", null=True, blank=True)
    half_year = models.PositiveIntegerField("半期（円）", null=True, blank=True)
    policy = models.ForeignKey(
        "Policy",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="covers",
        verbose_name="証券",
    )
    cover_start = models.DateField("保障開始日", null=True, blank=True)
    cover_end = models.DateField("保障終了日", null=True, blank=True)
    cancel_requested_at = models.DateTimeField("解約の申出日時", null=True, blank=True)
    ended_at = models.DateTimeField("終了日時", null=True, blank=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = "加入（商品ごと）"
        verbose_name_plural = "加入（商品ごと）"
        ordering = ["application", "product"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "product"],
                condition=Q(status__in=EnrolmentQuerySet.ACTIVE),
                name="kyosai_one_active_enrolment_per_product",
                violation_error_message="この共済にはすでにお申込み（またはご加入）があります。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_product_display()}（{self.get_status_display()}）"

    @property
    def choice_label(self) -> str:
        bits = []
        if self.plan:
            bits.append(f"{self.plan}プラン")
        if self.job_class:
            bits.append(f"職種{self.job_class}級")
        if self.benefit:
            bits.append(f"月額{premiums.yen(self.benefit)}")
        if self.daily:
            label = "入院日額" if self.product == ProductCode.MEDICAL else "給付基礎日額"
            bits.append(f"{label}{premiums.yen(self.daily)}")
        if self.payment:
            bits.append(self.get_payment_display())
        return "・".join(bits)

    @property
    def premium_label(self) -> str:
        if self.monthly is not None:
            return f"月額 {premiums.yen(self.monthly)}"
        if self.annual is not None:
            text = f"年額 {premiums.yen(self.annual)}"
            if self.half_year:
                text += f"（前期・後期 各{premiums.yen(self.half_year)}）"
            return text
        return "見積依頼中"

    @property
    def product_order(self) -> int:
        return ProductCode.values.index(self.product)

    @property
    def is_held(self) -> bool:
        return self.status in EnrolmentQuerySet.HELD

    def state_on(self, day) -> str:
        return premiums.cover_state(status=self.status, start=self.cover_start, end=self.cover_end, day=day)

    def state_label_on(self, day) -> str:
        return premiums.COVER_STATES[self.state_on(day)]

    def benefits(self):
        if self.rate_table_id is None:
            return []
        return [b for b in self.rate_table.benefits.all() if not b.plan or b.plan == self.plan]


def _new_token() -> str:
    return secrets.token_urlsafe(24)


class Policy(models.Model):
    """A 証券 issued on approval; its covers are the application's enrolments."""

    number = models.CharField("証券番号", max_length=30, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="kyosai_policies",
        verbose_name="加入者",
    )
    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="policy", verbose_name="申込み"
    )
    holder_name = models.CharField("加入者氏名", max_length=60)
    issued_at = models.DateTimeField("発行日時", default=timezone.now)
    verify_token = models.CharField(
        "確認用トークン", max_length=64, unique=True, default=_new_token, editable=False
    )
    certificate = models.FileField(
        "加入証明書PDF",
        storage=private_storage,
        upload_to="kyosai/certificates/",
        blank=True,
        editable=False,
    )
    certificate_rendered_at = models.DateTimeField("証明書作成日時", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "証券"
        verbose_name_plural = "証券"
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return self.number

    def get_verify_url(self) -> str:
        return settings.SITE_URL + reverse("kyosai:verify", args=[self.verify_token])

    def state_on(self, day) -> str:
        """The certificate's state on ``day``, by the same rule as each cover's."""
        return premiums.policy_state([c.state_on(day) for c in self.covers.all()])

    @property
    def cover_start(self):
        return min((c.cover_start for c in self.covers.all() if c.cover_start), default=None)

    @property
    def cover_end(self):
        return max((c.cover_end for c in self.covers.all() if c.cover_end), default=None)


class Document(PrivateUpload):
    """An upload for 労災特別加入, stored privately (never a public URL)."""

    UPLOAD_FOLDER = "kyosai/documents"

    class Kind(models.TextChoices):
        IDENTITY = "identity", "本人確認書類"
        WORK_PROOF = "work_proof", "フリーランスとして働いていることがわかる書類"

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="documents", verbose_name="申込み"
    )
    kind = models.CharField("種類", max_length=20, choices=Kind)

    class Meta(PrivateUpload.Meta):
        verbose_name = "提出書類"
        verbose_name_plural = "提出書類"
        constraints = [
            models.UniqueConstraint(fields=["application", "kind"], name="kyosai_one_document_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.original_name}"


class QuoteRequest(models.Model):
    """見積依頼: a premium the source does not publish, answered by staff."""

    class Status(models.TextChoices):
        OPEN = "open", "回答待ち"
        ANSWERED = "answered", "回答済み"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="kyosai_quote_requests",
        verbose_name="依頼した人",
    )
    product = models.CharField("商品", max_length=20, choices=ProductCode)
    age = models.PositiveSmallIntegerField("年齢")
    sex = models.CharField("性別", max_length=10, choices=list(premiums.SEXES.items()))
    daily = models.PositiveIntegerField("入院日額", null=True, blank=True)
    payment = models.CharField("払込方法", max_length=20, blank=True, choices=list(premiums.PAYMENTS.items()))
    message = models.TextField("ご質問・ご要望", blank=True)
    status = models.CharField("状態", max_length=20, choices=Status, default=Status.OPEN)
    answer = models.TextField("回答", blank=True)
    answered_monthly = models.PositiveIntegerField("回答した月払掛金（円）", null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="回答した人",
    )
    answered_at = models.DateTimeField("回答日時", null=True, blank=True)
    created_at = models.DateTimeField("依頼日時", default=timezone.now)

    class Meta:
        verbose_name = "見積依頼"
        verbose_name_plural = "見積依頼"
        ordering = ["status", "-created_at"]

    def __str__(self) -> str:
        return f"{self.get_product_display()} {self.age}歳 {self.get_sex_display()}"


class ClubYear(models.Model):
    """One year of Wor-Qライフサポートクラブ membership and whether its fee is paid."""

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="club_years", verbose_name="クラブ加入"
    )
    starts_on = models.DateField("年度の開始日")
    ends_on = models.DateField("年度の終了日")
    fee = models.PositiveIntegerField("年会費（円）")
    paid_at = models.DateTimeField("入金を確認した日時", null=True, blank=True)
    paid_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="入金を記録した人",
    )
    reminder_sent_at = models.DateTimeField("更新案内の送信日時", null=True, blank=True)

    class Meta:
        verbose_name = "クラブ年度"
        verbose_name_plural = "クラブ年度"
        ordering = ["-starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "starts_on"], name="kyosai_one_club_year"),
        ]

    def __str__(self) -> str:
        return f"{self.starts_on:%Y/%m/%d}〜{self.ends_on:%Y/%m/%d}"

    @property
    def is_paid(self) -> bool:
        return self.paid_at is not None


class Event(AuditRecord):
    """Audit row: who changed an application, an enrolment or a 見積依頼, and when."""

    class Action(models.TextChoices):
        STARTED = "started", "申込みを開始"
        PRODUCTS_CHOSEN = "products_chosen", "申し込む共済を選択"
        DETAILS_SET = "details_set", "お客さま情報・告知を入力"
        DOCUMENT_ATTACHED = "document_attached", "書類を提出"
        SUBMITTED = "submitted", "申込みを送信"
        APPROVED = "approved", "承認"
        REJECTED = "rejected", "不承認"
        CANCEL_REQUESTED = "cancel_requested", "解約の申出"
        CANCEL_CONFIRMED = "cancel_confirmed", "解約を確定"
        FEE_PAID = "fee_paid", "年会費の入金を記録"
        YEAR_RENEWED = "year_renewed", "クラブ年度を更新"
        LAPSED = "lapsed", "年会費未納により失効"
        QUOTE_REQUESTED = "quote_requested", "見積依頼を受付"
        QUOTE_ANSWERED = "quote_answered", "見積依頼に回答"

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    quote_request = models.ForeignKey(
        QuoteRequest,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        verbose_name="見積依頼",
    )
    action = models.CharField("操作", max_length=30, choices=Action)
    note = models.TextField("メモ", blank=True)

    class Meta(AuditRecord.Meta):
        verbose_name = "共済の変更履歴"
        verbose_name_plural = "共済の変更履歴"


# --- 共済金・保険金の請求 ------------------------------------------------------


class ClaimQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The claims a person may see: as the insured member or as the one who filed it."""
        return self.filter(Q(member=user) | Q(filed_by=user))

    def sent(self):
        return self.exclude(status=Claim.Status.DRAFT)


class Claim(models.Model):
    """A claim for 共済金・保険金, from the member or a family member."""

    class Status(models.TextChoices):
        DRAFT = "draft", "入力中"
        RECEIVED = "received", "受付"
        DOCUMENTS_CHECK = "documents_check", "書類確認"
        DOCUMENTS_REQUESTED = "documents_requested", "書類の追加をお願い"
        REVIEW = "review", "審査"
        PAYMENT = "payment", "お支払い手続き"
        COMPLETED = "completed", "完了"
        NOT_PAYABLE = "not_payable", "お支払いの対象外"

    class Claimant(models.TextChoices):
        MEMBER = "member", "ご本人"
        FAMILY = "family", "ご家族"

    class FamilyReason(models.TextChoices):
        DECEASED = "deceased", "加入者が亡くなった"
        UNABLE = "unable", "加入者がご自身で手続きできない"

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="kyosai_claims",
        verbose_name="加入者（被共済者）",
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="kyosai_claims_filed",
        verbose_name="請求した人",
    )
    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, null=True, blank=True, related_name="claims", verbose_name="証券"
    )
    kind = models.CharField("請求の種類", max_length=30, choices=claimcalc.KIND_CHOICES, blank=True)
    subtype = models.CharField("内訳", max_length=120, blank=True)
    event_date = models.DateField("できごとの日", null=True, blank=True, help_text="入院した日、事故の日など")
    hospital_days = models.PositiveSmallIntegerField("入院日数", null=True, blank=True)
    outpatient_days = models.PositiveSmallIntegerField("通院日数", null=True, blank=True)
    work_off_from = models.DateField("働けなかった最初の日", null=True, blank=True)
    work_off_to = models.DateField("働けなかった最後の日", null=True, blank=True)
    description = models.TextField("できごとの説明", blank=True)
    claimant = models.CharField("請求する人", max_length=10, choices=Claimant, default=Claimant.MEMBER)
    claimant_name = models.CharField("請求する人の氏名", max_length=60, blank=True)
    claimant_relationship = models.CharField("加入者との続柄", max_length=30, blank=True)
    claimant_phone = models.CharField("請求する人の電話番号", max_length=20, blank=True)
    family_reason = models.CharField("ご家族が請求する理由", max_length=10, choices=FamilyReason, blank=True)
    claimant_verified_at = models.DateTimeField("続柄を確認した日時", null=True, blank=True)
    claimant_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="続柄を確認した人",
    )
    status = models.CharField("状態", max_length=20, choices=Status, default=Status.DRAFT)
    indicative_amount = models.PositiveIntegerField("目安の金額（円）", null=True, blank=True)
    indicative_is_maximum = models.BooleanField("目安は上限額", default=False)
    computation = models.JSONField("目安の計算", default=dict, blank=True)
    confirmed_amount = models.PositiveIntegerField("お支払い額（円）", null=True, blank=True)
    payment_date = models.DateField("お支払い予定日", null=True, blank=True)
    paid_at = models.DateTimeField("お支払いを記録した日時", null=True, blank=True)
    request_note = models.TextField("追加でお願いした書類", blank=True)
    decision_reason = models.TextField("お支払いの対象外とした理由", blank=True)
    submitted_at = models.DateTimeField("受付日時", null=True, blank=True)
    created_at = models.DateTimeField("作成日時", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        verbose_name = "共済金の請求"
        verbose_name_plural = "共済金の請求"
        ordering = ["-submitted_at", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["filed_by", "member"],
                condition=Q(status="draft"),
                name="kyosai_one_claim_draft",
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(paid_at__isnull=False, confirmed_amount__isnull=False),
                name="kyosai_claim_completed_is_paid",
                violation_error_message="完了にするには、お支払い額とお支払いの記録が必要です。",
            ),
            models.CheckConstraint(
                condition=~Q(status="not_payable") | ~Q(decision_reason=""),
                name="kyosai_claim_refusal_has_reason",
                violation_error_message="お支払いの対象外とする理由を入力してください。",
            ),
            models.CheckConstraint(
                condition=Q(work_off_to__isnull=True)
                | Q(work_off_from__isnull=True)
                | Q(work_off_to__gte=F("work_off_from")),
                name="kyosai_claim_work_off_period",
                violation_error_message="働けなかった最後の日は、最初の日以降にしてください。",
            ),
        ]

    def __str__(self) -> str:
        return f"請求 {self.number}（{self.get_status_display()}）"

    @property
    def number(self) -> str:
        return f"C{self.pk:06d}"

    @property
    def is_family(self) -> bool:
        return self.claimant == self.Claimant.FAMILY

    @property
    def needs_claimant_check(self) -> bool:
        return self.is_family and self.claimant_verified_at is None


class ClaimDocumentRequirement(models.Model):
    """One line of the document checklist, per claim kind (data staff edit)."""

    NO_SOURCE = "出典で定められていないため、担当者が個別にご案内します。"

    kind = models.CharField(
        "請求の種類",
        max_length=30,
        choices=claimcalc.KIND_CHOICES,
        blank=True,
        help_text="空欄はすべての種類",
    )
    family_only = models.BooleanField("ご家族の請求のときだけ", default=False)
    name = models.CharField("書類", max_length=120)
    hint = models.TextField("説明", blank=True)
    required = models.BooleanField("必須", default=False)
    source = models.TextField(
        "出典", blank=True, help_text="空欄の書類は「出典で定められていない」と表示します。"
    )
    order = models.PositiveSmallIntegerField("表示順", default=0)
    is_active = models.BooleanField("使う", default=True)

    class Meta:
        verbose_name = "請求の必要書類"
        verbose_name_plural = "請求の必要書類"
        ordering = ["kind", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="kyosai_claim_requirement_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def source_label(self) -> str:
        return self.source or self.NO_SOURCE


class ClaimDocument(PrivateUpload):
    """A file sent with a claim, stored privately (never a public URL)."""

    UPLOAD_FOLDER = "kyosai/claims"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="documents", verbose_name="請求")
    requirement = models.ForeignKey(
        ClaimDocumentRequirement,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="どの書類か",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="提出した人",
    )

    class Meta(PrivateUpload.Meta):
        verbose_name = "請求の提出書類"
        verbose_name_plural = "請求の提出書類"


class ClaimEvent(AuditRecord):
    """Audit row and the member's timeline: who moved the claim, when, from what to what, and why."""

    class Action(models.TextChoices):
        STARTED = "started", "請求の入力を開始"
        SUBMITTED = "submitted", "請求を受付"
        STATUS_CHANGED = "status_changed", "状態の変更"
        DOCUMENTS_ADDED = "documents_added", "書類を提出"
        CLAIMANT_VERIFIED = "claimant_verified", "ご家族の続柄を確認"
        AMOUNT_CONFIRMED = "amount_confirmed", "お支払い額を決定"
        PAID = "paid", "お支払いを記録"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="events", verbose_name="請求")
    action = models.CharField("操作", max_length=30, choices=Action)
    from_status = models.CharField("変更前", max_length=20, choices=Claim.Status, blank=True)
    to_status = models.CharField("変更後", max_length=20, choices=Claim.Status, blank=True)
    note = models.TextField("理由・内容", blank=True)

    class Meta(AuditRecord.Meta):
        verbose_name = "請求の履歴"
        verbose_name_plural = "請求の履歴"
        # Oldest first: the member reads it as a timeline.
        ordering = ["created_at", "id"]
