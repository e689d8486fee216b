from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Count
from django.utils import timezone

from members import services
from members.models import Coupon, CouponReveal, MembershipEvent, NetworkMembership, User
from worq.lib.admin import AuditLogAdmin


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["-date_joined"]
    list_display = ["email", "nickname", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_active", "groups"]
    search_fields = ["email", "nickname"]
    readonly_fields = ["date_joined", "last_login", "deleted_at"]
    fieldsets = [
        (None, {"fields": ["email", "password", "nickname"]}),
        ("設定", {"fields": ["newsletter_opt_in", "reply_notifications"]}),
        ("権限", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("日時", {"fields": ["date_joined", "last_login", "deleted_at"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "nickname", "password1", "password2"]})]


class MembershipEventInline(admin.TabularInline):
    model = MembershipEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "action", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(NetworkMembership)
class NetworkMembershipAdmin(admin.ModelAdmin):
    list_display = ["member_number", "user", "status", "prefecture", "occupation", "created_at"]
    list_filter = ["status", "occupation", "prefecture"]
    search_fields = ["member_number", "user__email", "user__nickname", "full_name", "full_name_kana"]
    list_select_related = ["user"]
    readonly_fields = [
        "member_number",
        "user",
        "status",
        "terms_consented_at",
        "card_rendered_at",
        "created_at",
        "updated_at",
    ]
    inlines = [MembershipEventInline]
    actions = ["set_active", "set_suspended"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="選んだ会員を「有効」にする", permissions=["change"])
    def set_active(self, request, queryset):
        self._set_status(request, queryset, NetworkMembership.Status.ACTIVE)

    @admin.action(description="選んだ会員を「停止中」にする", permissions=["change"])
    def set_suspended(self, request, queryset):
        self._set_status(request, queryset, NetworkMembership.Status.SUSPENDED)

    def _set_status(self, request, queryset, status: NetworkMembership.Status):
        now = timezone.now()
        for membership in queryset:
            services.membership_set_status(
                membership=membership, status=status, actor=request.user, note="管理画面から変更", now=now
            )
        messages.success(request, f"{queryset.count()}件を「{status.label}」にしました。")

    def save_model(self, request, obj, form, change):
        services.membership_update(
            membership=obj,
            data=form.cleaned_data,
            actor=request.user,
            now=timezone.now(),
        )


@admin.register(MembershipEvent)
class MembershipEventAdmin(AuditLogAdmin):
    list_display = ["created_at", "membership", "action", "from_status", "to_status", "actor"]
    list_filter = ["action"]
    search_fields = ["membership__member_number"]
    list_select_related = ["membership__user", "actor"]


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "partner",
        "valid_from",
        "valid_to",
        "is_published",
        "reveal_count",
        "member_count",
    ]
    list_filter = ["is_published", "partner"]
    search_fields = ["title", "partner"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_reveals=Count("reveals"), _members=Count("reveals__user", distinct=True))
        )

    @admin.display(description="表示回数", ordering="_reveals")
    def reveal_count(self, obj):
        return obj._reveals

    @admin.display(description="表示した会員数", ordering="_members")
    def member_count(self, obj):
        return obj._members


@admin.register(CouponReveal)
class CouponRevealAdmin(admin.ModelAdmin):
    list_display = ["revealed_at", "coupon"]
    list_filter = ["coupon"]
    date_hierarchy = "revealed_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
