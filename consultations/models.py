from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from consultations.textsearch import kana_row
from worq.lib.audit import AuditRecord
from worq.lib.storage import PrivateUpload
from worq.lib.vocab import ConsultationCategory, Occupation, Prefecture


def validate_occupations(value) -> None:
    if not isinstance(value, list) or any(v not in Occupation.values for v in value):
        raise ValidationError(
            "職種は次の中から選んでください：%(choices)s",
            params={"choices": "、".join(Occupation.values)},
        )


def validate_string_list(value) -> None:
    if not isinstance(value, list) or any(not isinstance(v, str) or not v.strip() for v in value):
        raise ValidationError("文字列のリストで入力してください。")


class CaseQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)


class Case(models.Model):
    """相談事例. Searchable through ``CaseSearchDocument`` while published."""

    external_id = models.CharField("事例ID", max_length=40, unique=True)
    title = models.CharField("タイトル", max_length=200)
    question = models.TextField("相談内容")
    answer = models.TextField("回答")
    category = models.CharField("相談カテゴリ", max_length=30, choices=ConsultationCategory)
    occupations = models.JSONField(
        "職種",
        default=list,
        blank=True,
        validators=[validate_occupations],
        help_text='例：["配送・デリバリー・貨物"]。空のリストはすべての職種向けです。',
    )
    memo = models.TextField("フリーランスのひとことメモ", blank=True)
    members_only = models.BooleanField("会員限定", default=False)
    published = models.BooleanField("公開", default=True)
    published_at = models.DateTimeField("公開日", default=timezone.now)
    related_terms = models.ManyToManyField(
        "GlossaryTerm", blank=True, related_name="cases", verbose_name="関連する用語"
    )
    related_cases = models.ManyToManyField("self", blank=True, verbose_name="関連する事例")
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = "相談事例"
        verbose_name_plural = "相談事例"
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return f"{self.external_id} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("consultations:case-detail", args=[self.external_id])


class CaseEvent(AuditRecord):
    """Audit row: a case published or taken down (admin action, change form or import)."""

    class Action(models.TextChoices):
        PUBLISHED = "published", "公開"
        UNPUBLISHED = "unpublished", "非公開"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name="相談事例")
    action = models.CharField("操作", max_length=30, choices=Action)
    note = models.CharField("メモ", max_length=200, blank=True)

    class Meta(AuditRecord.Meta):
        verbose_name = "相談事例の公開履歴"
        verbose_name_plural = "相談事例の公開履歴"


class CaseSearchDocument(models.Model):
    """The search index row of a published case (consultations.search keeps it
    in step). On PostgreSQL ``vector`` holds the weighted tsvector of the whole
    case and ``title_vector`` the title's alone (small, ranked cheaply); on
    SQLite an FTS5 table keyed by the same id holds the tokens."""

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    category = models.CharField(max_length=30, db_index=True)
    # "|職種A|職種B|" so one LIKE filters by occupation on both databases.
    occupations = models.CharField(max_length=300, blank=True)
    published_at = models.DateTimeField(db_index=True)
    vector = SearchVectorField(null=True)
    title_vector = SearchVectorField(null=True)
    # How many tokens the title and the rest hold (bm25's lengths for the
    # word-by-word reading of search candidates, without reading every token).
    title_length = models.PositiveIntegerField(default=0)
    body_length = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "検索インデックス"
        verbose_name_plural = "検索インデックス"

    def __str__(self) -> str:
        return f"検索インデックス {self.case_id}"


class CaseEmbedding(models.Model):
    """The sentence vector of a case (consultations.embeddings): float32 bytes,
    the same on PostgreSQL and SQLite, scanned with numpy. ``digest`` names the
    text and model it was made from, so an unchanged case is never re-embedded."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, primary_key=True, related_name="embedding")
    digest = models.CharField(max_length=40)
    vector = models.BinaryField()
    updated_at = models.DateTimeField(db_index=True)
    # The nearest indexed cases, best first ([[case id, cosine], ...]), worked
    # out when vectors are written (search.refresh_neighbours), so a case page
    # reads its 「似た相談事例」 instead of scanning every vector.
    neighbours = models.JSONField(default=list, blank=True)
    # The cosine of the last of ``neighbours`` (-2 when the list holds every
    # other case); null: the list has not been worked out yet.
    neighbour_floor = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = "事例のベクトル"
        verbose_name_plural = "事例のベクトル"

    def __str__(self) -> str:
        return f"事例のベクトル {self.case_id}"


class SearchTerm(models.Model):
    """A word of the search index with its reading and Sudachi synonym groups,
    so a query typed in kana, romaji, another word or with a typo can be
    mapped to words the cases use. Only grows; a word no case uses any more
    finds nothing, which is harmless."""

    token = models.CharField(max_length=100)
    reading = models.CharField(max_length=200, db_index=True)
    synonym_groups = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "検索語彙"
        verbose_name_plural = "検索語彙"
        constraints = [models.UniqueConstraint(fields=["token", "reading"], name="search_term_unique")]

    def __str__(self) -> str:
        return self.token


class GlossaryTerm(models.Model):
    term = models.CharField("用語", max_length=60, unique=True)
    reading = models.CharField("よみがな", max_length=120, help_text="ひらがなで入力してください。")
    row = models.CharField("50音の行", max_length=1, blank=True, editable=False, db_index=True)
    definition = models.TextField("説明")
    aliases = models.JSONField(
        "別の言い方",
        default=list,
        blank=True,
        validators=[validate_string_list],
        help_text='検索で同じ意味として扱う言葉。例：["ギャラ", "謝礼"]',
    )
    related = models.ManyToManyField("self", blank=True, verbose_name="関連する用語")
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "用語"
        verbose_name_plural = "用語集"
        ordering = ["reading", "term"]

    def __str__(self) -> str:
        return self.term

    def save(self, *args, **kwargs):
        self.row = kana_row(self.reading)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("consultations:glossary-detail", args=[self.pk])

    def clean(self) -> None:
        if self.reading and not kana_row(self.reading):
            raise ValidationError({"reading": "よみがなは、ひらがなで始めてください。"})


class AnswerEntry(models.Model):
    """相談回答集: a short standard question and its answer."""

    category = models.CharField("相談カテゴリ", max_length=30, choices=ConsultationCategory)
    question = models.CharField("質問", max_length=200)
    answer = models.TextField("回答")
    order = models.PositiveIntegerField("並び順", default=100)

    class Meta:
        verbose_name = "相談回答集の項目"
        verbose_name_plural = "相談回答集"
        ordering = ["category", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "question"], name="answer_unique_question"),
        ]

    def __str__(self) -> str:
        return self.question


class ConsultationChannel(models.Model):
    """A way to reach a person (phone, e-mail, LINE, lawyer), staff-edited."""

    class Kind(models.TextChoices):
        PHONE = "phone", "電話"
        EMAIL = "email", "メール"
        LINE = "line", "LINE"
        LAWYER = "lawyer", "弁護士"

    kind = models.CharField("種類", max_length=10, choices=Kind, unique=True)
    name = models.CharField("名称", max_length=100)
    summary = models.CharField("ひとこと説明", max_length=200)
    contact = models.CharField(
        "連絡先", max_length=200, blank=True, help_text="電話番号や LINE の案内先 URL など。"
    )
    hours = models.CharField("受付時間", max_length=200, blank=True)
    body = models.TextField("詳しい案内（Markdown）", blank=True)
    order = models.PositiveIntegerField("並び順", default=100)
    is_active = models.BooleanField("表示する", default=True)

    class Meta:
        verbose_name = "相談窓口"
        verbose_name_plural = "相談窓口"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def tel_href(self) -> str:
        digits = "".join(ch for ch in self.contact if ch.isdigit())
        return f"tel:{digits}" if self.kind == self.Kind.PHONE and digits else ""


class LineConsultationDay(models.Model):
    date = models.DateField("日付", unique=True)
    start_time = models.TimeField("開始")
    end_time = models.TimeField("終了")
    note = models.CharField("備考", max_length=200, blank=True)

    class Meta:
        verbose_name = "LINE相談日"
        verbose_name_plural = "LINE相談日"
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")), name="line_day_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.start_time:%H:%M}〜{self.end_time:%H:%M}"


class ConsultationRequest(models.Model):
    """メール相談. Read only by 相談担当 staff and the person who sent it."""

    class Status(models.TextChoices):
        NEW = "new", "新規"
        IN_PROGRESS = "in_progress", "対応中"
        ANSWERED = "answered", "回答済み"
        CLOSED = "closed", "終了"

    class Contact(models.TextChoices):
        EMAIL = "email", "メールで連絡してほしい"
        PHONE = "phone", "電話で連絡してほしい"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consultation_requests",
        verbose_name="ユーザー",
    )
    email = models.EmailField("メールアドレス")
    name = models.CharField("お名前（ニックネーム可）", max_length=60, blank=True)
    category = models.CharField("相談カテゴリ", max_length=30, choices=ConsultationCategory)
    occupation = models.CharField("職種", max_length=40, choices=Occupation)
    prefecture = models.CharField("お住まいの都道府県", max_length=10, choices=Prefecture)
    what_happened = models.TextField("困っていること・起きたこと")
    what_wanted = models.TextField("どうなったらよいか", blank=True)
    contact_method = models.CharField("連絡方法", max_length=10, choices=Contact, default=Contact.EMAIL)
    phone = models.CharField("電話番号", max_length=20, blank=True)
    consented_at = models.DateTimeField("同意日時")
    status = models.CharField("状態", max_length=20, choices=Status, default=Status.NEW)
    internal_notes = models.TextField("内部メモ（本人には見えません）", blank=True)
    reply = models.TextField("回答（本人にメールで送ります）", blank=True)
    replied_at = models.DateTimeField("回答日時", null=True, blank=True)
    created_at = models.DateTimeField("受付日時", default=timezone.now)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "メール相談"
        verbose_name_plural = "メール相談"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(contact_method="phone") | ~models.Q(phone=""),
                name="request_phone_when_phone_contact",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_number}（{self.get_status_display()}）"

    @property
    def receipt_number(self) -> str:
        return f"M{self.pk:06d}" if self.pk else "-"


class ConsultationRequestEvent(AuditRecord):
    """Audit row for every status change or reply of a consultation request."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", "受付"
        STATUS_CHANGED = "status_changed", "状態の変更"
        REPLIED = "replied", "回答の送信"

    consultation = models.ForeignKey(
        ConsultationRequest, on_delete=models.CASCADE, related_name="events", verbose_name="相談"
    )
    action = models.CharField("操作", max_length=30, choices=Action)
    from_status = models.CharField("変更前", max_length=20, blank=True)
    to_status = models.CharField("変更後", max_length=20, blank=True)

    class Meta(AuditRecord.Meta):
        verbose_name = "メール相談の履歴"
        verbose_name_plural = "メール相談の履歴"


class Lawyer(models.Model):
    """A partner lawyer (日本労働弁護団) for the 弁護士相談サポート."""

    name = models.CharField("氏名", max_length=60)
    office = models.CharField("事務所", max_length=100, blank=True)
    specialties = models.JSONField(
        "取り扱い分野",
        default=list,
        blank=True,
        help_text='相談カテゴリのリスト。例：["報酬・支払い", "ハラスメント"]',
    )
    prefectures = models.JSONField("対応する都道府県", default=list, blank=True)
    online = models.BooleanField("オンライン相談に対応", default=False)
    note = models.TextField("メモ", blank=True)
    is_active = models.BooleanField("紹介を受け付ける", default=True)

    class Meta:
        verbose_name = "協力弁護士"
        verbose_name_plural = "協力弁護士"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.office}）" if self.office else self.name

    def clean(self) -> None:
        if not isinstance(self.specialties, list) or any(
            f not in ConsultationCategory.values for f in self.specialties
        ):
            raise ValidationError({"specialties": "取り扱い分野は相談カテゴリの名前で入力してください。"})
        if not isinstance(self.prefectures, list) or any(
            p not in Prefecture.values for p in self.prefectures
        ):
            raise ValidationError({"prefectures": "都道府県名（例：東京都）のリストで入力してください。"})


class LawyerReferral(models.Model):
    """弁護士相談サポート: a member's request to be introduced to a lawyer."""

    class Status(models.TextChoices):
        RECEIVED = "received", "受付"
        REFERRED = "referred", "弁護士を紹介済み"
        CLOSED = "closed", "終了"

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="lawyer_referrals",
        verbose_name="会員",
    )
    category = models.CharField("相談カテゴリ", max_length=30, choices=ConsultationCategory)
    prefecture = models.CharField("お住まいの都道府県", max_length=10, choices=Prefecture)
    summary = models.TextField("相談したいこと")
    preferred_times = models.CharField("相談しやすい日時", max_length=200, blank=True)
    online_ok = models.BooleanField("オンライン相談でもよい", default=True)
    status = models.CharField("状態", max_length=20, choices=Status, default=Status.RECEIVED)
    lawyer = models.ForeignKey(
        Lawyer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name="紹介する弁護士",
    )
    message_to_member = models.TextField(
        "会員へのお知らせ", blank=True, help_text="紹介したときにメールで送ります（連絡方法など）。"
    )
    staff_note = models.TextField("内部メモ", blank=True)
    referred_at = models.DateTimeField("紹介日時", null=True, blank=True)
    created_at = models.DateTimeField("受付日時", default=timezone.now)

    class Meta:
        verbose_name = "弁護士相談サポート"
        verbose_name_plural = "弁護士相談サポート"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="referred") | models.Q(lawyer__isnull=False),
                name="referral_referred_has_lawyer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}（{self.get_status_display()}）" if self.pk else "弁護士相談サポート"

    @property
    def number(self) -> str:
        """The reference people quote (e-mail subjects): no status in it."""
        return f"L{self.pk:06d}"


class LawyerReferralEvent(AuditRecord):
    """Audit row: a referral received, a lawyer introduced, a status changed."""

    class Action(models.TextChoices):
        RECEIVED = "received", "受付"
        REFERRED = "referred", "弁護士の紹介"
        STATUS_CHANGED = "status_changed", "状態の変更"

    referral = models.ForeignKey(
        LawyerReferral, on_delete=models.CASCADE, related_name="events", verbose_name="弁護士相談サポート"
    )
    action = models.CharField("操作", max_length=30, choices=Action)
    from_status = models.CharField("変更前", max_length=20, blank=True)
    to_status = models.CharField("変更後", max_length=20, blank=True)
    note = models.CharField("メモ", max_length=200, blank=True)

    class Meta(AuditRecord.Meta):
        verbose_name = "弁護士相談サポートの履歴"
        verbose_name_plural = "弁護士相談サポートの履歴"


class UsefulLink(models.Model):
    class Category(models.TextChoices):
        ADMIN = "行政手続関係"
        SICK = "急病になったとき"
        TAX = "確定申告関係"
        FAMILY = "妊娠・出産・育児関連"
        CONTRACT = "契約書のひな型"
        WEB = "WEBサイト制作関連"

    category = models.CharField("カテゴリ", max_length=30, choices=Category)
    title = models.CharField("名前", max_length=120)
    url = models.URLField("URL", max_length=500)
    description = models.CharField("ひとこと説明", max_length=200)
    order = models.PositiveIntegerField("並び順", default=100)

    class Meta:
        verbose_name = "お役立ちリンク"
        verbose_name_plural = "お役立ちリンク集"
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "url"], name="link_unique_url_per_category"),
        ]

    def __str__(self) -> str:
        return self.title


# --- 取引記録 (engagement records): private to the member who keeps them ----------------
class EngagementRecord(models.Model):
    """One engagement a member records for themself: who, when, what, how much,
    when delivered and paid, and what the client wrote. Only its owner sees it."""

    class Employees(models.TextChoices):
        YES = "yes", "いる"
        NO = "no", "いない"
        UNKNOWN = "unknown", "わからない"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="engagement_records",
        verbose_name="会員",
    )
    client_name = models.CharField("取引先の名前", max_length=100)
    client_has_employees = models.CharField(
        "取引先に従業員がいるか", max_length=10, choices=Employees, default=Employees.UNKNOWN
    )
    start_on = models.DateField("取引の開始日")
    end_on = models.DateField("契約の終了日", null=True, blank=True)
    renewals = models.PositiveSmallIntegerField("更新した回数", default=0)
    renewed_until = models.DateField("更新後の終了日", null=True, blank=True)
    work = models.TextField("仕事の内容")
    fee = models.PositiveIntegerField("報酬（円）", null=True, blank=True)
    fee_note = models.CharField("報酬についてのメモ", max_length=200, blank=True)
    delivered_on = models.DateField("納品した日（サービスを提供した日）", null=True, blank=True)
    agreed_due_on = models.DateField("取り決めた支払期日", null=True, blank=True)
    original_due_on = models.DateField("元委託支払期日（再委託のとき）", null=True, blank=True)
    paid_on = models.DateField("支払われた日", null=True, blank=True)
    client_message = models.TextField("取引先からの発注内容（メール・メッセージ）", blank=True)
    terms_check = models.JSONField("取引条件チェックの結果", null=True, blank=True)
    terms_checked_at = models.DateTimeField("取引条件をチェックした日時", null=True, blank=True)
    created_at = models.DateTimeField("作成日時", default=timezone.now)
    updated_at = models.DateTimeField("更新日時", default=timezone.now)

    class Meta:
        verbose_name = "取引記録"
        verbose_name_plural = "取引記録"
        ordering = ["-start_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_on__isnull=True) | models.Q(end_on__gte=models.F("start_on")),
                name="engagement_end_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(renewed_until__isnull=True)
                | models.Q(renewed_until__gte=models.F("start_on")),
                name="engagement_renewed_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(renewed_until__isnull=True)
                | models.Q(end_on__isnull=True)
                | models.Q(renewed_until__gte=models.F("end_on")),
                name="engagement_renewed_after_end",
            ),
            models.CheckConstraint(
                condition=models.Q(delivered_on__isnull=True)
                | models.Q(delivered_on__gte=models.F("start_on")),
                name="engagement_delivered_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(agreed_due_on__isnull=True)
                | models.Q(delivered_on__isnull=True)
                | models.Q(agreed_due_on__gte=models.F("delivered_on")),
                name="engagement_due_not_before_delivery",
            ),
            models.CheckConstraint(
                condition=models.Q(original_due_on__isnull=True)
                | models.Q(delivered_on__isnull=True)
                | models.Q(original_due_on__gte=models.F("delivered_on")),
                name="engagement_original_due_not_before_delivery",
            ),
            models.CheckConstraint(
                condition=models.Q(paid_on__isnull=True) | models.Q(paid_on__gte=models.F("start_on")),
                name="engagement_paid_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(terms_check__isnull=True) | ~models.Q(client_message=""),
                name="engagement_terms_check_has_text",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client_name}（{self.start_on:%Y/%m/%d}〜）"

    def get_absolute_url(self) -> str:
        return reverse("consultations:record-detail", args=[self.pk])

    @property
    def runs_until(self):
        """The last day the engagement runs, renewals included (None: open-ended)."""
        return self.renewed_until or self.end_on

    def clean(self) -> None:
        errors = {}
        if self.start_on and self.end_on and self.end_on < self.start_on:
            errors["end_on"] = "終了日は、開始日と同じか後の日付にしてください。"
        if self.start_on and self.renewed_until and self.renewed_until < (self.end_on or self.start_on):
            errors["renewed_until"] = "更新後の終了日は、最初の終了日より後の日付にしてください。"
        if self.start_on and self.delivered_on and self.delivered_on < self.start_on:
            errors["delivered_on"] = "納品した日は、取引の開始日と同じか後の日付にしてください。"
        if self.delivered_on and self.agreed_due_on and self.agreed_due_on < self.delivered_on:
            errors["agreed_due_on"] = "支払期日が納品日より前になっています。日付をご確認ください。"
        if self.delivered_on and self.original_due_on and self.original_due_on < self.delivered_on:
            errors["original_due_on"] = "元委託支払期日が納品日より前になっています。日付をご確認ください。"
        if self.start_on and self.paid_on and self.paid_on < self.start_on:
            errors["paid_on"] = "支払われた日は、取引の開始日と同じか後の日付にしてください。"
        if errors:
            raise ValidationError(errors)


class EngagementEvidence(PrivateUpload):
    """A file that backs a record (order, delivery proof, chat screenshot),
    stored privately like kyosai uploads: never a public URL."""

    UPLOAD_FOLDER = "consultations/evidence"

    record = models.ForeignKey(
        EngagementRecord, on_delete=models.CASCADE, related_name="evidence", verbose_name="取引記録"
    )
    note = models.CharField("メモ", max_length=200, blank=True)

    class Meta(PrivateUpload.Meta):
        verbose_name = "取引記録の証拠ファイル"
        verbose_name_plural = "取引記録の証拠ファイル"


class EngagementEvent(AuditRecord):
    """Audit row: what the member did to a record, and when. It outlives a
    deleted record (the record link is cleared) and goes with the account."""

    class Action(models.TextChoices):
        CREATED = "created", "作成"
        UPDATED = "updated", "変更"
        DELETED = "deleted", "削除"
        EVIDENCE_ADDED = "evidence_added", "証拠ファイルの追加"
        EVIDENCE_REMOVED = "evidence_removed", "証拠ファイルの削除"
        PAID = "paid", "支払いの記録"
        TERMS_SAVED = "terms_saved", "取引条件チェックの保存"
        REMINDED = "reminded", "お知らせメールの送信"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="会員"
    )
    record = models.ForeignKey(
        EngagementRecord,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name="取引記録",
    )
    action = models.CharField("操作", max_length=30, choices=Action)
    note = models.TextField("内容", blank=True)

    class Meta(AuditRecord.Meta):
        verbose_name = "取引記録の操作履歴"
        verbose_name_plural = "取引記録の操作履歴"


class EngagementReminder(models.Model):
    """One reminder e-mail per record, kind and date: the unique row is the
    claim, so a beat that runs twice sends once."""

    class Kind(models.TextChoices):
        OVERDUE = "overdue", "支払期日を過ぎても未払い"
        NOTICE = "notice", "契約終了の予告期限が近い"

    record = models.ForeignKey(
        EngagementRecord, on_delete=models.CASCADE, related_name="reminders", verbose_name="取引記録"
    )
    kind = models.CharField("種類", max_length=10, choices=Kind)
    on = models.DateField("対象の日付")
    sent_at = models.DateTimeField("送信日時", null=True, blank=True)

    class Meta:
        verbose_name = "取引記録のお知らせ"
        verbose_name_plural = "取引記録のお知らせ"
        constraints = [
            models.UniqueConstraint(fields=["record", "kind", "on"], name="engagement_one_reminder"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.on:%Y-%m-%d}"
