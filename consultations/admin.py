from django import forms
from django.contrib import admin, messages
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.html import format_html_join

from consultations import services
from consultations.models import (
    AnswerEntry,
    Case,
    ConsultationChannel,
    ConsultationRequest,
    ConsultationRequestEvent,
    GlossaryTerm,
    Lawyer,
    LawyerReferral,
    LineConsultationDay,
    UsefulLink,
)
from worq.lib.vocab import ConsultationCategory, Prefecture


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["external_id", "title", "category", "members_only", "published", "published_at"]
    list_filter = ["published", "members_only", "category"]
    search_fields = ["external_id", "title", "question"]
    filter_horizontal = ["related_terms", "related_cases"]
    date_hierarchy = "published_at"
    actions = ["publish", "unpublish"]
    fieldsets = [
        (None, {"fields": ["external_id", "title", "category", "occupations"]}),
        ("本文", {"fields": ["memo", "question", "answer"]}),
        ("公開", {"fields": ["published", "published_at", "members_only"]}),
        ("関連", {"fields": ["related_terms", "related_cases"]}),
        ("履歴", {"fields": ["history"]}),
    ]

    readonly_fields = ["history"]

    @admin.display(description="公開の履歴")
    def history(self, obj):
        return _history(obj)

    def save_model(self, request, obj, form, change):
        services.case_save(case=obj, actor=request.user, now=timezone.now())

    @admin.action(description="選んだ事例を公開する")
    def publish(self, request, queryset):
        for case in queryset:
            services.case_set_published(case=case, published=True, actor=request.user, now=timezone.now())
        self.message_user(request, f"{queryset.count()}件を公開しました。")

    @admin.action(description="選んだ事例を非公開にする")
    def unpublish(self, request, queryset):
        for case in queryset:
            services.case_set_published(case=case, published=False, actor=request.user, now=timezone.now())
        self.message_user(request, f"{queryset.count()}件を非公開にしました。")


def _history(obj) -> str:
    """An object's audit rows, newest first, as a read-only admin field."""
    if obj is None or obj.pk is None:
        return "—"
    return (
        format_html_join(
            "",
            "<p>{}　{}　{}</p>",
            (
                (f"{timezone.localtime(e.created_at):%Y-%m-%d %H:%M}", e.get_action_display(), e.actor or "")
                for e in obj.events.select_related("actor")[:20]
            ),
        )
        or "—"
    )


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(admin.ModelAdmin):
    list_display = ["term", "reading", "row"]
    list_filter = ["row"]
    search_fields = ["term", "reading", "definition"]
    filter_horizontal = ["related"]
    fieldsets = [
        (
            None,
            {
                "fields": ["term", "reading", "definition", "aliases", "related"],
                "description": (
                    "「別の言い方」は検索で同じ意味として扱われます。検索はこのほかに、"
                    "リポジトリの consultations/data/search_synonyms.tsv（出荷時の同義語辞書、"
                    "バックレ＝連絡が取れない、キャンセル料＝違約金 など）も使います。"
                    "辞書の組と同じ言葉をここに書くと、その組は用語集の組に合流します。"
                    "辞書の変更は開発者がレビューして反映します。"
                ),
            },
        )
    ]


@admin.register(AnswerEntry)
class AnswerEntryAdmin(admin.ModelAdmin):
    list_display = ["question", "category", "order"]
    list_filter = ["category"]
    list_editable = ["order"]
    search_fields = ["question", "answer"]


@admin.register(UsefulLink)
class UsefulLinkAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "url", "order"]
    list_filter = ["category"]
    list_editable = ["order"]
    search_fields = ["title", "description", "url"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "url":
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(ConsultationChannel)
class ConsultationChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "contact", "hours", "is_active", "order"]
    list_editable = ["is_active", "order"]


@admin.register(LineConsultationDay)
class LineConsultationDayAdmin(admin.ModelAdmin):
    list_display = ["date", "start_time", "end_time", "note"]
    date_hierarchy = "date"


class EventInline(admin.TabularInline):
    model = ConsultationRequestEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "action", "from_status", "to_status", "actor"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ConsultationRequest)
class ConsultationRequestAdmin(admin.ModelAdmin):
    list_display = ["receipt_number", "created_at", "category", "occupation", "prefecture", "status"]
    list_filter = ["status", "category", "occupation"]
    search_fields = ["email", "name", "what_happened"]
    date_hierarchy = "created_at"
    inlines = [EventInline]
    readonly_fields = [
        "receipt_number",
        "created_at",
        "user",
        "email",
        "name",
        "category",
        "occupation",
        "prefecture",
        "what_happened",
        "what_wanted",
        "contact_method",
        "phone",
        "consented_at",
        "replied_at",
    ]
    fieldsets = [
        (
            "相談者",
            {
                "fields": [
                    "receipt_number",
                    "created_at",
                    "user",
                    "email",
                    "name",
                    "contact_method",
                    "phone",
                    "consented_at",
                ]
            },
        ),
        ("相談内容", {"fields": ["category", "occupation", "prefecture", "what_happened", "what_wanted"]}),
        (
            "対応",
            {
                "fields": ["status", "internal_notes", "reply", "replied_at"],
                "description": "回答を入力して保存すると、相談者にメールで送られ、状態が「回答済み」になります。",
            },
        ),
    ]

    @admin.display(description="受付番号")
    def receipt_number(self, obj):
        return obj.receipt_number

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        services.consultation_request_update(
            consultation=obj,
            actor=request.user,
            status=form.cleaned_data["status"],
            reply=form.cleaned_data["reply"],
            internal_notes=form.cleaned_data["internal_notes"],
            now=timezone.now(),
        )


class LawyerForm(forms.ModelForm):
    specialties = forms.MultipleChoiceField(
        label="取り扱い分野",
        choices=ConsultationCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    prefectures = forms.MultipleChoiceField(
        label="対応する都道府県",
        choices=Prefecture.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Lawyer
        fields = ["name", "office", "specialties", "prefectures", "online", "note", "is_active"]


@admin.register(Lawyer)
class LawyerAdmin(admin.ModelAdmin):
    form = LawyerForm
    list_display = ["name", "office", "online", "is_active"]
    list_filter = ["is_active", "online"]
    search_fields = ["name", "office"]


class RankedLawyerIterator(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        order = {m.lawyer.pk: i for i, m in enumerate(self.field.matches)}
        for obj in sorted(self.queryset, key=lambda o: order.get(o.pk, len(order))):
            yield self.choice(obj)


class LawyerChoiceField(forms.ModelChoiceField):
    """The lawyers in the order the ranking gives, each with why they match."""

    iterator = RankedLawyerIterator

    def __init__(self, *args, matches: list[services.LawyerMatch], **kwargs):
        self.matches = matches
        super().__init__(Lawyer.objects.filter(pk__in=[m.lawyer.pk for m in matches]), *args, **kwargs)

    def label_from_instance(self, obj):
        reasons = {m.lawyer.pk: m.reasons for m in self.matches}
        return f"{obj}（一致：{reasons.get(obj.pk, '—')}）"


def lawyer_matches(referral: LawyerReferral) -> list[services.LawyerMatch]:
    return services.lawyers_ranked(
        category=referral.category, prefecture=referral.prefecture, online_ok=referral.online_ok
    )


class LawyerReferralAdminForm(forms.ModelForm):
    """The lawyer to introduce is chosen from the active lawyers, best match first."""

    class Meta:
        model = LawyerReferral
        fields = ["lawyer", "message_to_member", "status", "staff_note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "lawyer" in self.fields:
            self.fields["lawyer"] = LawyerChoiceField(
                matches=lawyer_matches(self.instance), required=False, label="紹介する弁護士"
            )


@admin.register(LawyerReferral)
class LawyerReferralAdmin(admin.ModelAdmin):
    form = LawyerReferralAdminForm
    list_display = ["__str__", "created_at", "category", "prefecture", "status", "lawyer"]
    list_filter = ["status", "category"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "member",
        "created_at",
        "category",
        "prefecture",
        "summary",
        "preferred_times",
        "online_ok",
        "referred_at",
        "matching_lawyers",
        "history",
    ]
    fieldsets = [
        (
            "申し込み",
            {
                "fields": [
                    "member",
                    "created_at",
                    "category",
                    "prefecture",
                    "online_ok",
                    "preferred_times",
                    "summary",
                ]
            },
        ),
        (
            "紹介",
            {
                "fields": [
                    "matching_lawyers",
                    "lawyer",
                    "message_to_member",
                    "status",
                    "staff_note",
                    "referred_at",
                ],
                "description": "弁護士を選んで保存すると「紹介済み」になり、会員にメールで知らせます。",
            },
        ),
        ("履歴", {"fields": ["history"]}),
    ]

    def has_add_permission(self, request):
        return False

    @admin.display(description="合う弁護士（よく合う順）")
    def matching_lawyers(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return (
            format_html_join(
                "", "<p>{}：{}</p>", ((str(m.lawyer), m.reasons) for m in lawyer_matches(obj)[:10])
            )
            or "協力弁護士が登録されていません。"
        )

    @admin.display(description="履歴")
    def history(self, obj):
        return _history(obj)

    def save_model(self, request, obj, form, change):
        referred = services.lawyer_referral_update(
            referral=obj,
            actor=request.user,
            lawyer=form.cleaned_data["lawyer"],
            message=form.cleaned_data["message_to_member"],
            status=form.cleaned_data["status"],
            staff_note=form.cleaned_data["staff_note"],
            now=timezone.now(),
        )
        if referred:
            messages.info(request, "会員に紹介のメールを送ります。")
