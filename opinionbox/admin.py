from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.utils import timezone

from opinionbox import services
from opinionbox.models import Event, Opinion, Result, Tag, Theme, ThemeUpdate
from worq.lib.admin import AuditLogAdmin


def _csv_response(modeladmin, request, themes) -> HttpResponse:
    body = services.opinions_csv(themes=themes, actor=request.user, now=timezone.now())
    # The BOM lets spreadsheet software on Windows read the Japanese correctly.
    response = HttpResponse("\ufeff" + body, content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="opinionbox-{stamp}.csv"'
    return response


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    list_display = ["name", "opinion_count"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_opinions=Count("opinions"))

    @admin.display(description="意見の数", ordering="_opinions")
    def opinion_count(self, obj):
        return obj._opinions


class ResultInline(admin.StackedInline):
    model = Result
    max_num = 1
    can_delete = False
    fields = ["heard", "will_do", "changed", "published_at"]
    readonly_fields = ["published_at"]


class ThemeUpdateInline(admin.StackedInline):
    model = ThemeUpdate
    extra = 0
    fields = ["title", "body", "published_on"]


class EventInline(admin.TabularInline):
    model = Event
    fk_name = "theme"
    extra = 0
    can_delete = False
    fields = ["created_at", "action", "opinion", "actor", "note"]
    readonly_fields = fields
    verbose_name_plural = "操作履歴"

    def has_add_permission(self, request, obj=None):
        return False


class ThemeForm(forms.ModelForm):
    class Meta:
        model = Theme
        fields = ["title", "description", "why_we_ask", "opens_on", "closes_on", "status"]

    def clean_status(self):
        status = self.cleaned_data["status"]
        was = self.instance.status if self.instance.pk else None
        if status == Theme.Status.RESULTS and was != Theme.Status.RESULTS:
            raise ValidationError(
                "結果の公開は、テーマ一覧の操作「結果を公開し、希望者にメールで知らせる」で行ってください。"
            )
        return status


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    form = ThemeForm
    list_display = ["title", "status", "opens_on", "closes_on", "opinion_count", "result_published"]
    list_filter = ["status"]
    search_fields = ["title"]
    inlines = [ResultInline, ThemeUpdateInline, EventInline]
    actions = ["publish_result", "export_csv"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("result").annotate(_opinions=Count("opinions"))

    @admin.display(description="意見の数", ordering="_opinions")
    def opinion_count(self, obj):
        return obj._opinions

    def save_model(self, request, obj, form, change):
        services.theme_save(theme=obj, actor=request.user, now=timezone.now())

    @admin.display(description="結果公開", boolean=True)
    def result_published(self, obj):
        return obj.has_published_result()

    @admin.action(description="結果を公開し、希望者にメールで知らせる", permissions=["change"])
    def publish_result(self, request, queryset):
        for theme in queryset:
            try:
                services.result_publish(theme=theme, actor=request.user, now=timezone.now())
            except ValidationError as exc:
                self.message_user(request, f"「{theme}」: {' '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, f"「{theme}」の結果を公開しました。", messages.SUCCESS)

    @admin.action(description="選んだテーマの意見をCSVで書き出す", permissions=["view"])
    def export_csv(self, request, queryset):
        return _csv_response(self, request, list(queryset))


class OpinionForm(forms.ModelForm):
    class Meta:
        model = Opinion
        fields = ["status", "tags", "staff_note", "is_published"]
        widgets = {"tags": forms.CheckboxSelectMultiple}

    def clean_is_published(self) -> bool:
        # ``publication`` is read-only here, so the model's CheckConstraint is
        # not validated by the form; say it next to the field instead of a 500.
        published = self.cleaned_data["is_published"]
        if published and not self.instance.may_be_published:
            raise ValidationError("この意見を送った方は「公開しない」を選んでいるため、掲載できません。")
        return published


class PublicationFilter(admin.SimpleListFilter):
    title = "掲載できるか"
    parameter_name = "allowed"

    def lookups(self, request, model_admin):
        return [("yes", "掲載してよい（作者が許可）"), ("no", "公開しない")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(publication=Opinion.Publication.PRIVATE)
        if self.value() == "no":
            return queryset.filter(publication=Opinion.Publication.PRIVATE)
        return queryset


@admin.register(Opinion)
class OpinionAdmin(admin.ModelAdmin):
    """Triage. Staff never see who sent an opinion: no e-mail, no name."""

    form = OpinionForm
    list_display = [
        "excerpt",
        "theme",
        "occupation",
        "work_style",
        "publication",
        "status",
        "is_published",
        "tag_list",
        "created_at",
    ]
    list_filter = ["theme", "status", "is_published", PublicationFilter, "tags", "occupation", "work_style"]
    search_fields = ["text", "staff_note"]
    list_select_related = ["theme"]
    list_per_page = 50
    readonly_fields = [
        "theme",
        "text",
        "occupation",
        "work_style",
        "publication",
        "wants_result_email",
        "created_at",
        "published_at",
        "notified_at",
        "support_count",
    ]
    fieldsets = [
        (
            "送られたご意見",
            {"fields": ["theme", "text", "occupation", "work_style", "created_at", "support_count"]},
        ),
        ("作者が選んだこと", {"fields": ["publication", "wants_result_email", "notified_at"]}),
        ("運営の確認", {"fields": ["status", "tags", "staff_note", "is_published", "published_at"]}),
    ]
    actions = [
        "publish",
        "unpublish",
        "export_csv",
        "mark_unread",
        "mark_checked",
        "mark_considering",
        "mark_reflected",
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("tags")
            .annotate(_supports=Count("supports", distinct=True))
        )

    def has_add_permission(self, request):
        return False

    @admin.display(description="タグ")
    def tag_list(self, obj):
        return "、".join(t.name for t in obj.tags.all())

    @admin.display(description="共感の数")
    def support_count(self, obj):
        return obj._supports

    def save_model(self, request, obj, form, change):
        services.opinion_triage(
            opinion=obj,
            actor=request.user,
            status=form.cleaned_data["status"],
            staff_note=form.cleaned_data["staff_note"],
            tags=list(form.cleaned_data["tags"]),
            is_published=form.cleaned_data["is_published"],
            now=timezone.now(),
        )

    def save_related(self, request, form, formsets, change):
        # Tags are saved by opinion_triage (with its audit row), not by the form.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    @admin.action(description="選んだ意見をサイトに掲載する", permissions=["change"])
    def publish(self, request, queryset):
        self._set_published(request, queryset, True)

    @admin.action(description="選んだ意見の掲載をやめる", permissions=["change"])
    def unpublish(self, request, queryset):
        self._set_published(request, queryset, False)

    @admin.action(description="選んだ意見を「未読」にする", permissions=["change"])
    def mark_unread(self, request, queryset):
        self._set_status(request, queryset, Opinion.Status.UNREAD)

    @admin.action(description="選んだ意見を「確認済み」にする", permissions=["change"])
    def mark_checked(self, request, queryset):
        self._set_status(request, queryset, Opinion.Status.CHECKED)

    @admin.action(description="選んだ意見を「対応検討」にする", permissions=["change"])
    def mark_considering(self, request, queryset):
        self._set_status(request, queryset, Opinion.Status.CONSIDERING)

    @admin.action(description="選んだ意見を「反映済み」にする", permissions=["change"])
    def mark_reflected(self, request, queryset):
        self._set_status(request, queryset, Opinion.Status.REFLECTED)

    def _set_status(self, request, queryset, status: Opinion.Status):
        now = timezone.now()
        for opinion in queryset:
            services.opinion_triage(
                opinion=opinion,
                actor=request.user,
                status=status,
                staff_note=opinion.staff_note,
                tags=list(opinion.tags.all()),
                is_published=opinion.is_published,
                now=now,
            )
        self.message_user(request, f"{queryset.count()}件を「{status.label}」にしました。")

    def _set_published(self, request, queryset, published: bool):
        done, refused = 0, 0
        for opinion in queryset:
            try:
                services.opinion_set_published(
                    opinion=opinion, actor=request.user, published=published, now=timezone.now()
                )
                done += 1
            except ValidationError:
                refused += 1
        self.message_user(request, f"{done}件を{'掲載' if published else '非掲載に'}しました。")
        if refused:
            self.message_user(
                request,
                f"{refused}件は作者が「公開しない」を選んでいるため掲載していません。",
                messages.WARNING,
            )

    @admin.action(description="選んだ意見のテーマをCSVで書き出す", permissions=["view"])
    def export_csv(self, request, queryset):
        themes = Theme.objects.filter(pk__in=queryset.values("theme_id"))
        return _csv_response(self, request, list(themes))


@admin.register(Event)
class EventAdmin(AuditLogAdmin):
    list_display = ["created_at", "action", "theme", "opinion", "actor", "note"]
    list_filter = ["action", "theme"]
    list_select_related = ["theme", "opinion", "actor"]
