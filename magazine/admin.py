from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from magazine import services
from magazine.forms import CampaignScheduleForm
from magazine.models import (
    Article,
    ArticleImage,
    Campaign,
    Category,
    Delivery,
    Feature,
    Subscription,
    SubscriptionEvent,
    Tag,
)
from magazine.views import _article_context


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]


@admin.register(Feature)
class FeatureAdmin(admin.ModelAdmin):
    list_display = ["title", "month", "slug"]


class ArticleImageInline(admin.TabularInline):
    model = ArticleImage
    extra = 1
    fields = ["image", "alt", "markdown_snippet"]
    readonly_fields = ["markdown_snippet"]

    @admin.display(description="本文に貼る記法")
    def markdown_snippet(self, obj: ArticleImage) -> str:
        return obj.markdown if obj.pk else "保存すると表示されます"


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "feature", "published_at", "state"]
    list_filter = ["category", "feature", "tags"]
    search_fields = ["title", "lead", "body"]
    filter_horizontal = ["tags"]
    date_hierarchy = "published_at"
    inlines = [ArticleImageInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "lead", "body"]}),
        ("画像", {"fields": ["hero_image", "hero_alt"]}),
        ("分類", {"fields": ["category", "tags", "feature", "author_byline"]}),
        ("公開", {"fields": ["published_at"]}),
        ("関連づけ", {"fields": ["related_case_ids", "related_terms"]}),
    ]

    @admin.display(description="状態")
    def state(self, obj: Article) -> str:
        if obj.published_at is None:
            return "下書き"
        return "公開中" if obj.is_published() else "予約"

    def get_urls(self):
        return [
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="magazine_article_preview",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request, pk: int):
        article = get_object_or_404(Article, pk=pk)
        if not self.has_view_permission(request, article):
            raise PermissionDenied
        return render(
            request,
            "magazine/article_detail.html",
            {
                **_article_context(article),
                "preview": True,
            },
        )


class FailedDeliveryInline(admin.TabularInline):
    model = Delivery
    verbose_name_plural = "送れなかった宛先"
    fields = ["email", "attempts", "error"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=Delivery.Status.FAILED)


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["subject", "audience_label", "status", "scheduled_at", "finished_at"]
    list_filter = ["status", "audience"]
    fields = ["subject", "body", "audience", "occupation"]
    inlines = [FailedDeliveryInline]
    change_form_template = "admin/magazine/campaign/change_form.html"

    @admin.display(description="送り先")
    def audience_label(self, obj: Campaign) -> str:
        if obj.audience == Campaign.Audience.OCCUPATION:
            return f"職種：{obj.occupation}"
        return obj.get_audience_display()

    def has_change_permission(self, request, obj=None):
        # A campaign that has started sending is a record: it can be viewed only.
        if obj is not None and not obj.editable:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        elif {"subject", "body"} & set(form.changed_data):
            # The test send showed the old text; ask for a fresh look.
            obj.test_sent_at = None
        super().save_model(request, obj, form, change)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if obj is not None:
            extra_context.update(self._progress_context(obj))
            extra_context["schedule_form"] = CampaignScheduleForm(initial={"scheduled_at": obj.scheduled_at})
        return super().change_view(request, object_id, form_url, extra_context)

    def _progress_context(self, campaign: Campaign) -> dict:
        counts = campaign.deliveries.counts()
        total = sum(counts.values())
        return {
            "campaign": campaign,
            "counts": counts,
            "total": total,
            "done": counts["sent"] + counts["failed"] + counts["skipped"],
            "audience_size": services.campaign_audience(campaign).count() if campaign.editable else None,
        }

    def get_urls(self):
        def view(fn):
            return self.admin_site.admin_view(fn)

        return [
            path("<int:pk>/progress/", view(self.progress_view), name="magazine_campaign_progress"),
            path("<int:pk>/test-send/", view(self.test_send_view), name="magazine_campaign_test_send"),
            path("<int:pk>/send-now/", view(self.send_now_view), name="magazine_campaign_send_now"),
            path("<int:pk>/schedule/", view(self.schedule_view), name="magazine_campaign_schedule"),
            path("<int:pk>/unschedule/", view(self.unschedule_view), name="magazine_campaign_unschedule"),
            *super().get_urls(),
        ]

    def _campaign(self, request, pk: int, *, change: bool) -> Campaign:
        campaign = get_object_or_404(Campaign, pk=pk)
        allowed = self.has_change_permission if change else self.has_view_permission
        if not allowed(request, campaign):
            raise PermissionDenied
        return campaign

    def _back(self, campaign: Campaign):
        return redirect(reverse("admin:magazine_campaign_change", args=[campaign.pk]))

    def progress_view(self, request, pk: int):
        campaign = self._campaign(request, pk, change=False)
        return TemplateResponse(
            request, "admin/magazine/campaign/progress.html", self._progress_context(campaign)
        )

    def _refused(self, request, campaign: Campaign, exc: ValidationError):
        for text in exc.messages:
            messages.error(request, text)
        return self._back(campaign)

    @staticmethod
    def _post_only(request):
        if request.method != "POST":
            raise PermissionDenied

    def test_send_view(self, request, pk: int):
        self._post_only(request)
        campaign = self._campaign(request, pk, change=True)
        try:
            services.campaign_test_send(campaign=campaign, staff=request.user, now=timezone.now())
        except ValidationError as exc:
            return self._refused(request, campaign, exc)
        messages.success(
            request, f"テスト送信を {request.user.email} に送りました。届いた見た目を確かめてください。"
        )
        return self._back(campaign)

    def send_now_view(self, request, pk: int):
        self._post_only(request)
        campaign = self._campaign(request, pk, change=True)
        try:
            services.campaign_send(campaign=campaign, now=timezone.now())
        except ValidationError as exc:
            return self._refused(request, campaign, exc)
        messages.success(request, "送信を始めました。進み具合はこの画面で確かめられます。")
        return self._back(campaign)

    def schedule_view(self, request, pk: int):
        self._post_only(request)
        campaign = self._campaign(request, pk, change=True)
        form = CampaignScheduleForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for text in errors:
                    messages.error(request, text)
            return self._back(campaign)
        when = form.cleaned_data["scheduled_at"]
        try:
            services.campaign_schedule(campaign=campaign, when=when, now=timezone.now())
        except ValidationError as exc:
            return self._refused(request, campaign, exc)
        messages.success(
            request, f"{timezone.localtime(when):%Y年%-m月%-d日 %H:%M} に送信するよう予約しました。"
        )
        return self._back(campaign)

    def unschedule_view(self, request, pk: int):
        self._post_only(request)
        campaign = self._campaign(request, pk, change=True)
        try:
            services.campaign_unschedule(campaign=campaign)
        except ValidationError as exc:
            return self._refused(request, campaign, exc)
        messages.success(request, "予約を取り消しました。下書きに戻っています。")
        return self._back(campaign)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["email", "campaign", "status", "attempts", "sent_at", "error"]
    list_filter = ["status", "campaign"]
    search_fields = ["email"]
    list_select_related = ["campaign"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SubscriptionEventInline(admin.TabularInline):
    model = SubscriptionEvent
    fields = ["created_at", "action", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["email", "status", "requested_at", "confirmed_at", "unsubscribed_at"]
    list_filter = ["status"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    inlines = [SubscriptionEventInline]

    @admin.display(description="メールアドレス", ordering="user__email")
    def email(self, obj: Subscription) -> str:
        return obj.user.email

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
