from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from kyosai import claimcalc, premiums, services
from kyosai.forms import ClaimAmountForm, ClaimReasonForm, RejectForm
from kyosai.models import (
    Application,
    Benefit,
    Claim,
    ClaimDocument,
    ClaimDocumentRequirement,
    ClaimEvent,
    ClubYear,
    Document,
    Enrolment,
    Event,
    HealthQuestion,
    Policy,
    Product,
    QuoteRequest,
    Rate,
    RateTable,
)
from worq.lib.admin import AuditLogAdmin, reason_page


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EnrolmentInline(ReadOnlyInline):
    model = Enrolment
    fields = ["product", "choice_label", "premium_label", "status", "cover_start", "cover_end", "rate_table"]
    readonly_fields = fields

    @admin.display(description="内容")
    def choice_label(self, obj):
        return obj.choice_label

    @admin.display(description="掛金")
    def premium_label(self, obj):
        return obj.premium_label


class DocumentInline(ReadOnlyInline):
    model = Document
    fields = ["kind", "download", "content_type", "size", "uploaded_at"]
    readonly_fields = fields

    @admin.display(description="ファイル")
    def download(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("kyosai:document", args=[obj.pk]), obj.original_name
        )


class EventInline(ReadOnlyInline):
    model = Event
    fk_name = "application"
    fields = ["created_at", "action", "actor", "note"]
    readonly_fields = fields


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    change_form_template = "kyosai/admin/application_change_form.html"
    list_display = ["id", "user", "full_name", "products", "status", "submitted_at", "decided_by"]
    list_filter = ["status", "enrolments__product"]
    search_fields = ["full_name", "user__email", "user__membership__member_number"]
    list_select_related = ["user", "decided_by"]
    inlines = [EnrolmentInline, DocumentInline, EventInline]
    fields = [
        "user",
        "status",
        "full_name",
        "birth_date",
        "sex",
        "beneficiary",
        "answers_table",
        "consented_at",
        "submitted_at",
        "decided_at",
        "decided_by",
        "decision_reason",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("enrolments").distinct()

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="申込み商品")
    def products(self, obj):
        return "、".join(e.get_product_display() for e in obj.enrolments.all())

    @admin.display(description="告知の回答")
    def answers_table(self, obj):
        if not obj.answers:
            return "（告知の質問はありません）"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{}{}：<strong>{}</strong></li>",
                (
                    (
                        "【見本】" if a.get("is_sample") else "",
                        a["question"],
                        "はい" if a["answer"] == "yes" else "いいえ",
                    )
                    for a in obj.answers
                ),
            ),
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/approve/",
                self.admin_site.admin_view(self.approve_view),
                name="kyosai_application_approve",
            ),
            path(
                "<int:pk>/reject/",
                self.admin_site.admin_view(self.reject_view),
                name="kyosai_application_reject",
            ),
            *super().get_urls(),
        ]

    def _decision_allowed(self, request) -> None:
        if not self.has_change_permission(request):
            raise PermissionDenied

    @method_decorator(require_POST)
    def approve_view(self, request, pk):
        self._decision_allowed(request)
        application = get_object_or_404(Application, pk=pk)
        try:
            policy = services.application_approve(
                application=application, actor=request.user, now=timezone.now()
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, f"承認しました。証券番号 {policy.number} を発行し、本人にメールで知らせました。"
            )
        return redirect("admin:kyosai_application_change", pk)

    def reject_view(self, request, pk):
        """The shared reason page (GET, or a POST without a reason), then the service."""
        self._decision_allowed(request)
        application = get_object_or_404(Application, pk=pk)
        form = RejectForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.application_reject(
                    application=application,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    now=timezone.now(),
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, "不承認にしました。理由を本人にメールで知らせました。")
            return redirect("admin:kyosai_application_change", pk)
        return reason_page(
            request,
            self,
            action="reject",
            label="不承認にする",
            form=form,
            ids=str(application.pk),
            post_url=reverse("admin:kyosai_application_reject", args=[application.pk]),
            targets_template="kyosai/admin/application_target.html",
            application=application,
        )


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ["number", "user", "holder_name", "issued_at", "download"]
    search_fields = ["number", "holder_name", "user__email"]
    list_select_related = ["user"]
    fields = [
        "number",
        "user",
        "application",
        "holder_name",
        "issued_at",
        "certificate_rendered_at",
        "download",
    ]
    readonly_fields = fields
    actions = ["rerender"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="加入証明書")
    def download(self, obj):
        if not obj.certificate:
            return "作成中"
        return format_html('<a href="{}">PDF</a>', reverse("kyosai:certificate", args=[obj.pk]))

    @admin.action(description="加入証明書を作り直す", permissions=["change"])
    def rerender(self, request, queryset):
        count = services.certificates_rerender(policy_ids=queryset.values_list("pk", flat=True))
        messages.success(request, f"{count}件の加入証明書を作り直します。")


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "product", "status", "cover_start", "cover_end", "policy"]
    list_filter = ["status", "product"]
    search_fields = ["user__email", "policy__number"]
    list_select_related = ["user", "policy"]
    readonly_fields = [f.name for f in Enrolment._meta.fields]
    actions = ["confirm_cancel"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="解約を確定する（申出の月の末日で終了）", permissions=["change"])
    def confirm_cancel(self, request, queryset):
        now, done = timezone.now(), 0
        for enrolment in queryset.filter(status=Enrolment.Status.CANCEL_REQUESTED):
            done += len(services.enrolment_confirm_cancel(enrolment=enrolment, actor=request.user, now=now))
        messages.success(request, f"{done}件の解約を確定しました。")


@admin.register(ClubYear)
class ClubYearAdmin(admin.ModelAdmin):
    list_display = ["enrolment", "starts_on", "ends_on", "fee", "paid_at", "reminder_sent_at"]
    list_filter = [("paid_at", admin.EmptyFieldListFilter)]
    readonly_fields = [
        "enrolment",
        "starts_on",
        "ends_on",
        "fee",
        "paid_at",
        "paid_marked_by",
        "reminder_sent_at",
    ]
    actions = ["mark_paid"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="年会費の入金を記録する", permissions=["change"])
    def mark_paid(self, request, queryset):
        for year in queryset:
            services.club_year_mark_paid(club_year=year, actor=request.user, now=timezone.now())
        messages.success(request, f"{queryset.count()}件の入金を記録しました。")


@admin.register(QuoteRequest)
class QuoteRequestAdmin(admin.ModelAdmin):
    list_display = ["id", "product", "age", "sex", "daily", "payment", "status", "created_at"]
    list_filter = ["status", "product"]
    fields = [
        "user",
        "product",
        "age",
        "sex",
        "daily",
        "payment",
        "message",
        "status",
        "answer",
        "answered_monthly",
        "answered_by",
        "answered_at",
    ]
    readonly_fields = [
        "user",
        "product",
        "age",
        "sex",
        "daily",
        "payment",
        "message",
        "status",
        "answered_by",
        "answered_at",
    ]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        services.quote_request_answer(
            quote_request=obj,
            answer=obj.answer,
            monthly=obj.answered_monthly,
            actor=request.user,
            now=timezone.now(),
        )


def table_in_use(table) -> bool:
    """A version that priced an enrolment is history: change it only by adding a new version."""
    return table is not None and Enrolment.objects.filter(rate_table=table).exists()


class FrozenWhenUsedInline(admin.TabularInline):
    extra = 0

    def has_add_permission(self, request, obj=None):
        return not table_in_use(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not table_in_use(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not table_in_use(obj) and super().has_delete_permission(request, obj)


class RateInline(FrozenWhenUsedInline):
    model = Rate


class BenefitInline(FrozenWhenUsedInline):
    model = Benefit


@admin.register(RateTable)
class RateTableAdmin(admin.ModelAdmin):
    list_display = ["product", "version", "valid_from", "valid_to", "in_use"]
    list_filter = ["product"]
    inlines = [RateInline, BenefitInline]

    @admin.display(description="使用中", boolean=True)
    def in_use(self, obj):
        return table_in_use(obj)

    def get_readonly_fields(self, request, obj=None):
        if table_in_use(obj):
            # Only closing the version (適用終了日) stays possible.
            return ["product", "version", "valid_from", "unlisted", "source", "note", "extra"]
        return []

    def has_delete_permission(self, request, obj=None):
        return not table_in_use(obj) and super().has_delete_permission(request, obj)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "cover_start_rule", "grace_days", "order"]
    readonly_fields = ["code"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(HealthQuestion)
class HealthQuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "product", "is_sample", "is_active", "order"]
    list_filter = ["product", "is_sample", "is_active"]


@admin.register(Event)
class EventAdmin(AuditLogAdmin):
    list_display = ["created_at", "action", "actor", "application", "enrolment", "quote_request", "note"]
    list_filter = ["action"]
    readonly_fields = ["created_at", "action", "actor", "application", "enrolment", "quote_request", "note"]


# --- 共済金・保険金の請求 ------------------------------------------------------


class ClaimDocumentInline(ReadOnlyInline):
    model = ClaimDocument
    fields = ["requirement", "download", "content_type", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields

    @admin.display(description="ファイル")
    def download(self, obj):
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("kyosai:claim-document", args=[obj.pk]),
            obj.original_name,
        )


class ClaimEventInline(ReadOnlyInline):
    model = ClaimEvent
    fields = ["created_at", "action", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    """Staff review: the indicative amount comes from the tables in force on the
    event date, with its computation; every move goes through a service."""

    change_form_template = "kyosai/admin/claim_change_form.html"
    list_display = [
        "number",
        "member",
        "kind",
        "event_date",
        "status",
        "claimant",
        "indicative_amount",
        "confirmed_amount",
        "submitted_at",
    ]
    list_filter = ["status", "kind", "claimant"]
    search_fields = ["member__email", "member__membership__member_number", "policy__number", "claimant_name"]
    list_select_related = ["member", "policy"]
    inlines = [ClaimDocumentInline, ClaimEventInline]
    fields = [
        "member",
        "filed_by",
        "policy",
        "status",
        "kind",
        "subtype",
        "event_date",
        "hospital_days",
        "outpatient_days",
        "work_off_from",
        "work_off_to",
        "description",
        "claimant",
        "claimant_name",
        "claimant_relationship",
        "claimant_phone",
        "family_reason",
        "claimant_verified_at",
        "claimant_verified_by",
        "computation_table",
        "checklist",
        "confirmed_amount",
        "payment_date",
        "paid_at",
        "request_note",
        "decision_reason",
        "submitted_at",
    ]
    readonly_fields = fields
    actions = ["start_document_check", "move_to_review", "record_payment"]

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(status=Claim.Status.DRAFT)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="目安の金額と計算")
    def computation_table(self, obj):
        data = obj.computation or {}
        lines = format_html_join("", "<li>{}</li>", ((ln["text"],) for ln in data.get("lines", [])))
        notes = format_html_join("", "<li>{}</li>", ((n,) for n in data.get("notes", [])))
        if obj.indicative_amount is None:
            total = "目安の金額は出ません（下の注記を見て、約款で確認してください）"
        else:
            total = ("最高 " if obj.indicative_is_maximum else "") + premiums.yen(obj.indicative_amount)
        return format_html(
            "<ul>{}</ul><p><strong>目安：{}</strong></p><ul class='small'>{}</ul>"
            "<p class='help'>できごとの日（{}）に適用されていた保障の表から計算しています。</p>",
            lines,
            total,
            notes,
            obj.event_date,
        )

    @admin.display(description="書類のチェックリスト")
    def checklist(self, obj):
        items = services.claim_checklist(obj)
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} {}{}：{}件</li>",
                (
                    (
                        "✓" if i.done else "□",
                        i.requirement.name if i.requirement else "その他の書類",
                        "（必須）" if i.requirement and i.requirement.required else "",
                        len(i.documents),
                    )
                    for i in items
                ),
            ),
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/move/", view(self.move_view), name="kyosai_claim_move"),
            path("<int:pk>/verify/", view(self.verify_view), name="kyosai_claim_verify"),
            path("<int:pk>/amount/", view(self.amount_view), name="kyosai_claim_amount"),
            path("<int:pk>/paid/", view(self.paid_view), name="kyosai_claim_paid"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        claim = Claim.objects.filter(pk=object_id).first()
        initial = {"amount": claim.indicative_amount} if claim else {}
        extra_context = {
            **(extra_context or {}),
            "reason_form": ClaimReasonForm(),
            "amount_form": ClaimAmountForm(initial=initial),
            "allowed": claimcalc.TRANSITIONS.get(claim.status, ()) if claim else (),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _claim_to_act_on(self, request, pk) -> Claim:
        if not self.has_change_permission(request):
            raise PermissionDenied
        return get_object_or_404(Claim, pk=pk)

    @method_decorator(require_POST)
    def move_view(self, request, pk):
        claim = self._claim_to_act_on(request, pk)
        to = request.POST.get("to", "")
        try:
            services.claim_transition(
                claim=claim,
                to=to,
                actor=request.user,
                reason=request.POST.get("reason", ""),
                now=timezone.now(),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, f"「{Claim.Status(to).label}」にしました。請求した方にメールで知らせました。"
            )
        return redirect("admin:kyosai_claim_change", pk)

    @method_decorator(require_POST)
    def verify_view(self, request, pk):
        claim = self._claim_to_act_on(request, pk)
        try:
            services.claim_verify_claimant(claim=claim, actor=request.user, now=timezone.now())
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "続柄を確認済みにしました。審査に進められます。")
        return redirect("admin:kyosai_claim_change", pk)

    @method_decorator(require_POST)
    def amount_view(self, request, pk):
        claim = self._claim_to_act_on(request, pk)
        form = ClaimAmountForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(
                    [f"{form.fields[f].label}：{' '.join(e)}" for f, e in form.errors.items()]
                )
            services.claim_confirm_amount(
                claim=claim,
                amount=form.cleaned_data["amount"],
                payment_date=form.cleaned_data["payment_date"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
                now=timezone.now(),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, "お支払い額とお支払い予定日を決めました。請求した方にメールで知らせました。"
            )
        return redirect("admin:kyosai_claim_change", pk)

    @method_decorator(require_POST)
    def paid_view(self, request, pk):
        claim = self._claim_to_act_on(request, pk)
        try:
            services.claim_record_payment(claim=claim, actor=request.user, now=timezone.now())
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "お支払いを記録し、完了にしました。")
        return redirect("admin:kyosai_claim_change", pk)

    @staticmethod
    def _report(request, label: str, done: int, errors: list[str]) -> None:
        if done:
            messages.success(request, f"{label}：{done}件")
        for error in errors:
            messages.warning(request, error)

    def _move_each(self, request, queryset, to: str, label: str) -> None:
        now, done, errors = timezone.now(), 0, []
        for claim in queryset:
            try:
                services.claim_transition(claim=claim, to=to, actor=request.user, now=now)
            except ValidationError as exc:
                errors.append(f"{claim.number}：{' '.join(exc.messages)}")
            else:
                done += 1
        self._report(request, label, done, errors)

    @admin.action(description="書類確認を始める", permissions=["change"])
    def start_document_check(self, request, queryset):
        self._move_each(request, queryset, Claim.Status.DOCUMENTS_CHECK, "書類確認を始めました")

    @admin.action(description="審査に進める", permissions=["change"])
    def move_to_review(self, request, queryset):
        self._move_each(request, queryset, Claim.Status.REVIEW, "審査に進めました")

    @admin.action(description="お支払いを記録する（完了）", permissions=["change"])
    def record_payment(self, request, queryset):
        now, done, errors = timezone.now(), 0, []
        for claim in queryset:
            try:
                services.claim_record_payment(claim=claim, actor=request.user, now=now)
            except ValidationError as exc:
                errors.append(f"{claim.number}：{' '.join(exc.messages)}")
            else:
                done += 1
        self._report(request, "お支払いを記録しました", done, errors)


@admin.register(ClaimDocumentRequirement)
class ClaimDocumentRequirementAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "family_only", "required", "has_source", "is_active", "order"]
    list_filter = ["kind", "required", "family_only", "is_active"]

    @admin.display(description="出典あり", boolean=True)
    def has_source(self, obj):
        return bool(obj.source)


@admin.register(ClaimEvent)
class ClaimEventAdmin(AuditLogAdmin):
    list_display = ["created_at", "claim", "action", "from_status", "to_status", "actor", "note"]
    list_filter = ["action", "to_status"]
    readonly_fields = ["created_at", "claim", "action", "from_status", "to_status", "actor", "note"]
