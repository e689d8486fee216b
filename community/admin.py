"""Moderation in the admin. Every action asks for a reason and goes through
``community.services``, which records who did what, why and when."""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max, Q
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from community import services
from community.forms import ModerationForm, SuspendForm
from community.models import (
    Community,
    ModerationAction,
    Post,
    PostRevision,
    Report,
    ReviewItem,
    Suspension,
    Topic,
)
from worq.lib.admin import AuditLogAdmin, reason_page

TARGETS = "admin/community/includes/moderate_targets.html"

# action key -> (label, needs a period)
MODERATION_CHOICES = {
    "hide": ("非表示にする", False),
    "restore": ("再表示する（問題なし）", False),
    "dismiss": ("通報を見送る（自動非表示なら元に戻す）", False),
    "lock": ("お題の受付を終了する", False),
    "suspend": ("投稿者を利用停止にする", True),
}


def _person(user) -> str:
    """Moderators see nickname and e-mail, nothing more."""
    return f"{user.display_name} <{user.email}>"


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "occupation", "order", "is_active", "last_activity_at"]
    list_editable = ["order", "is_active"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["title", "community", "status", "is_pinned", "slow_mode_seconds", "last_activity_at"]
    list_filter = ["status", "community", "is_pinned"]
    search_fields = ["title", "prompt"]
    list_select_related = ["community"]
    actions = ["lock_topics", "reopen_topics"]

    def get_readonly_fields(self, request, obj=None):
        # Closing and reopening is a moderation action with a reason (the actions below).
        return ["status", "created_by", "created_at"] if obj else []

    def get_fields(self, request, obj=None):
        fields = ["community", "title", "prompt", "is_pinned", "slow_mode_seconds"]
        return fields + (["status", "created_by", "created_at"] if obj else [])

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = services.topic_create(
            community=obj.community,
            title=obj.title,
            prompt=obj.prompt,
            actor=request.user,
            now=timezone.now(),
            is_pinned=obj.is_pinned,
            slow_mode_seconds=obj.slow_mode_seconds,
        )
        obj.pk = created.pk
        obj.refresh_from_db()

    @admin.action(description="選んだお題の受付を終了する（理由を入力）", permissions=["change"])
    def lock_topics(self, request, queryset):
        return _to_moderate(request, "topic", "lock", queryset)

    @admin.action(description="選んだお題の受付を再開する（理由を入力）", permissions=["change"])
    def reopen_topics(self, request, queryset):
        return _to_moderate(request, "topic", "unlock", queryset)

    def get_urls(self):
        moderate = path(
            "moderate/", self.admin_site.admin_view(self.moderate_view), name="community_topic_moderate"
        )
        return [moderate, *super().get_urls()]

    def moderate_view(self, request):
        if not self.has_change_permission(request):
            raise PermissionDenied
        ids = _ids(request)
        topics = list(Topic.objects.filter(pk__in=ids).select_related("community"))
        action = request.GET.get("action") or request.POST.get("action")
        if action not in ("lock", "unlock") or not topics:
            return redirect("admin:community_topic_changelist")
        form = ModerationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            status = Topic.Status.CLOSED if action == "lock" else Topic.Status.OPEN
            for topic in topics:
                services.topic_set_status(
                    topic=topic,
                    status=status,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    now=timezone.now(),
                )
            self.message_user(request, f"{len(topics)}件のお題を更新しました。", messages.SUCCESS)
            return redirect("admin:community_topic_changelist")
        return reason_page(
            request,
            self,
            action=action,
            label="お題の受付を終了する" if action == "lock" else "お題の受付を再開する",
            form=form,
            ids=",".join(str(t.pk) for t in topics),
            post_url=reverse("admin:community_topic_moderate"),
            targets_template=TARGETS,
            topics=topics,
        )


def _ids(request) -> list[int]:
    raw = request.GET.get("ids") or request.POST.get("ids") or ""
    return [int(x) for x in raw.split(",") if x.isdigit()][:200]


def _to_moderate(request, model: str, action: str, queryset):
    ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True)[:200])
    return redirect(reverse(f"admin:community_{model}_moderate") + f"?action={action}&ids={ids}")


class ReportInline(admin.TabularInline):
    model = Report
    extra = 0
    can_delete = False
    fields = ["created_at", "reason", "note", "reporter_label", "resolved_at", "resolution"]
    readonly_fields = fields
    verbose_name_plural = "通報"

    @admin.display(description="通報した人")
    def reporter_label(self, obj):
        return _person(obj.reporter)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reporter")

    def has_add_permission(self, request, obj=None):
        return False


class RevisionInline(admin.TabularInline):
    model = PostRevision
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "body"]
    readonly_fields = fields
    verbose_name_plural = "編集・削除前の本文（モデレーターのみ）"

    def has_add_permission(self, request, obj=None):
        return False


class ActionInline(admin.TabularInline):
    model = ModerationAction
    fk_name = "post"
    extra = 0
    can_delete = False
    fields = ["created_at", "action", "actor", "reason"]
    readonly_fields = fields
    verbose_name_plural = "この投稿へのモデレーション記録"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["excerpt", "topic", "author_label", "kind", "status", "created_at"]
    list_filter = ["status", "kind", "topic__community"]
    search_fields = ["body", "author__nickname", "author__email", "topic__title"]
    list_select_related = ["topic", "author"]
    date_hierarchy = "created_at"
    fields = [
        "context",
        "topic",
        "author_label",
        "kind",
        "status",
        "hidden_reason",
        "body",
        "created_at",
        "edited_at",
        "deleted_at",
        "empathy_count",
        "helpful_count",
    ]
    readonly_fields = fields
    inlines = [ReportInline, RevisionInline, ActionInline]
    actions = ["hide_posts", "restore_posts", "dismiss_reports", "lock_topics", "suspend_authors"]
    change_form_template = "admin/community/post_change_form.html"

    class Media:
        css = {"all": ["css/admin.css"]}

    @admin.display(description="本文")
    def excerpt(self, obj):
        # Wide enough to judge a post from the list (admin.css keeps the column readable).
        text = (obj.body[:160] + "…") if len(obj.body) > 160 else (obj.body or "（削除済み）")
        return format_html('<span class="moderation-excerpt">{}</span>', text)

    @admin.display(description="投稿者（ニックネーム・メール）")
    def author_label(self, obj):
        return _person(obj.author)

    @admin.display(description="前後の流れ")
    def context(self, obj):
        """The post where it sits: the post it answers, and its replies."""
        parts = []
        if obj.parent_id:
            parent = obj.parent
            parts.append(
                format_html(
                    "<p><strong>返信先（{}）</strong><br>{}</p>",
                    _person(parent.author),
                    parent.body or "（削除済み）",
                )
            )
        parts.append(
            format_html(
                "<p><strong>この投稿</strong>（お題「{}」）<br>{}</p>",
                obj.topic.title,
                obj.body or "（削除済み）",
            )
        )
        replies = obj.replies.select_related("author").order_by("created_at")
        if replies:
            parts.append(
                format_html(
                    "<p><strong>この投稿への返信</strong></p><ol>{}</ol>",
                    format_html_join(
                        "",
                        "<li>{}（{}）：{}</li>",
                        ((_person(r.author), r.get_status_display(), r.body) for r in replies),
                    ),
                )
            )
        parts.append(
            format_html(
                '<p><a href="{}" target="_blank" rel="noopener">サイトでお題を見る</a></p>',
                obj.topic.get_absolute_url(),
            )
        )
        return format_html_join("", "{}", ((p,) for p in parts))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Everything is read-only here; changes happen through the moderation links.
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_moderate"
        moderate = path("moderate/", self.admin_site.admin_view(self.moderate_view), name=name)
        return [moderate, *super().get_urls()]

    @admin.action(description="非表示にする（理由を入力）", permissions=["change"])
    def hide_posts(self, request, queryset):
        return _to_moderate(request, self.opts.model_name, "hide", queryset)

    @admin.action(description="再表示する（問題なし）（理由を入力）", permissions=["change"])
    def restore_posts(self, request, queryset):
        return _to_moderate(request, self.opts.model_name, "restore", queryset)

    @admin.action(description="通報を見送る（自動非表示なら元に戻す）（理由を入力）", permissions=["change"])
    def dismiss_reports(self, request, queryset):
        return _to_moderate(request, self.opts.model_name, "dismiss", queryset)

    @admin.action(description="お題の受付を終了する（理由を入力）", permissions=["change"])
    def lock_topics(self, request, queryset):
        return _to_moderate(request, self.opts.model_name, "lock", queryset)

    @admin.action(description="投稿者を利用停止にする（理由を入力）", permissions=["change"])
    def suspend_authors(self, request, queryset):
        return _to_moderate(request, self.opts.model_name, "suspend", queryset)

    def moderate_view(self, request):
        if not self.has_change_permission(request):
            raise PermissionDenied
        action = request.GET.get("action") or request.POST.get("action")
        posts = list(
            Post.objects.filter(pk__in=_ids(request)).select_related("author", "topic", "parent__author")
        )
        changelist = f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"
        if action not in MODERATION_CHOICES or not posts:
            return redirect(changelist)
        label, needs_period = MODERATION_CHOICES[action]
        form_class = SuspendForm if needs_period else ModerationForm
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            done, errors = self._apply(request, action, posts, form.cleaned_data)
            if done:
                self.message_user(request, f"{label}：{done}件を処理しました。", messages.SUCCESS)
            for error in errors:
                self.message_user(request, error, messages.WARNING)
            return redirect(changelist)
        return reason_page(
            request,
            self,
            action=action,
            label=label,
            form=form,
            ids=",".join(str(p.pk) for p in posts),
            post_url=reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_moderate"),
            targets_template=TARGETS,
            posts=posts,
        )

    def _apply(self, request, action, posts, data) -> tuple[int, list[str]]:
        now = timezone.now()
        reason = data["reason"]
        done, errors = 0, []
        handled: set = set()
        for post in posts:
            try:
                if action == "hide":
                    services.post_hide(post=post, actor=request.user, reason=reason, now=now)
                elif action == "restore":
                    services.post_restore(post=post, actor=request.user, reason=reason, now=now)
                elif action == "dismiss":
                    services.reports_dismiss(post=post, actor=request.user, reason=reason, now=now)
                elif action == "lock":
                    if post.topic_id in handled:
                        continue
                    handled.add(post.topic_id)
                    services.topic_lock(topic=post.topic, actor=request.user, reason=reason, now=now)
                elif action == "suspend":
                    if post.author_id in handled:
                        continue
                    handled.add(post.author_id)
                    services.user_suspend(
                        user=post.author,
                        actor=request.user,
                        reason=reason,
                        ends_at=now + dt.timedelta(days=data["days"]),
                        now=now,
                    )
                done += 1
            except ValidationError as error:
                errors.append(f"投稿 #{post.pk}：{' '.join(error.messages)}")
        return done, errors


@admin.register(ReviewItem)
class ReviewItemAdmin(PostAdmin):
    """Reported or auto-hidden posts, newest report first; sort by 通報数 to
    see the most-reported first."""

    list_display = ["excerpt", "open_reports", "last_reported", "status", "topic", "author_label"]
    list_filter = ["status", "topic__community"]
    date_hierarchy = None

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .needs_review()
            .annotate(
                _open=Count("reports", filter=Q(reports__resolved_at__isnull=True), distinct=True),
                _last=Max("reports__created_at"),
            )
            .order_by("-_last", "-_open", "-created_at")
        )

    @admin.display(description="未対応の通報", ordering="_open")
    def open_reports(self, obj):
        return obj._open

    @admin.display(description="最新の通報", ordering="_last")
    def last_reported(self, obj):
        return obj._last


@admin.register(Report)
class ReportAdmin(AuditLogAdmin):
    list_display = ["created_at", "reason", "post_link", "reporter_label", "resolution"]
    list_filter = ["reason", "resolution"]
    list_select_related = ["reporter", "post"]
    search_fields = ["note", "reporter__nickname", "reporter__email"]

    @admin.display(description="通報した人")
    def reporter_label(self, obj):
        return _person(obj.reporter)

    @admin.display(description="投稿")
    def post_link(self, obj):
        return format_html(
            '<a href="{}">#{}</a>', reverse("admin:community_post_change", args=[obj.post_id]), obj.post_id
        )


class SuspensionForm(forms.ModelForm):
    days = forms.IntegerField(label="停止する日数", min_value=1, max_value=365, initial=7)

    class Meta:
        model = Suspension
        fields = ["user", "reason"]


@admin.register(Suspension)
class SuspensionAdmin(admin.ModelAdmin):
    list_display = ["user_label", "starts_at", "ends_at", "lifted_at", "in_force", "created_by"]
    list_select_related = ["user", "created_by"]
    search_fields = ["user__nickname", "user__email", "reason"]
    autocomplete_fields = ["user"]
    actions = ["lift"]

    @admin.display(description="ユーザー（ニックネーム・メール）")
    def user_label(self, obj):
        return _person(obj.user)

    @admin.display(description="停止中", boolean=True)
    def in_force(self, obj):
        now = timezone.now()
        return obj.lifted_at is None and obj.starts_at <= now < obj.ends_at

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = SuspensionForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "days", "reason"]
        return ["user_label", "reason", "starts_at", "ends_at", "lifted_at", "created_by"]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj) if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            return
        now = timezone.now()
        created = services.user_suspend(
            user=form.cleaned_data["user"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
            ends_at=now + dt.timedelta(days=form.cleaned_data["days"]),
            now=now,
        )
        obj.pk = created.pk

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="選んだ利用停止を解除する（理由を入力）", permissions=["change"])
    def lift(self, request, queryset):
        return _to_moderate(request, "suspension", "lift", queryset)

    def get_urls(self):
        moderate = path(
            "moderate/",
            self.admin_site.admin_view(self.moderate_view),
            name="community_suspension_moderate",
        )
        return [moderate, *super().get_urls()]

    def moderate_view(self, request):
        if not self.has_change_permission(request):
            raise PermissionDenied
        suspensions = list(
            Suspension.objects.filter(pk__in=_ids(request), lifted_at__isnull=True).select_related("user")
        )
        if not suspensions:
            return redirect("admin:community_suspension_changelist")
        form = ModerationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            for suspension in suspensions:
                services.suspension_lift(
                    suspension=suspension,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    now=timezone.now(),
                )
            self.message_user(request, f"{len(suspensions)}件の利用停止を解除しました。", messages.SUCCESS)
            return redirect("admin:community_suspension_changelist")
        return reason_page(
            request,
            self,
            action="lift",
            label="利用停止を解除する",
            form=form,
            ids=",".join(str(s.pk) for s in suspensions),
            post_url=reverse("admin:community_suspension_moderate"),
            targets_template=TARGETS,
            suspensions=suspensions,
        )


@admin.register(ModerationAction)
class ModerationActionAdmin(AuditLogAdmin):
    list_display = ["created_at", "action", "actor", "post", "topic", "target_label", "reason"]
    list_filter = ["action"]
    search_fields = ["reason", "target_user__nickname", "target_user__email"]
    list_select_related = ["actor", "post", "topic", "target_user"]
    date_hierarchy = "created_at"

    @admin.display(description="対象のユーザー")
    def target_label(self, obj):
        return _person(obj.target_user) if obj.target_user else "—"
