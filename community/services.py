"""Every state change in the communities goes through here."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.urls import reverse
from django.utils import timezone

from community import rules, textcheck
from community.models import (
    Community,
    ModerationAction,
    Post,
    PostRevision,
    Reaction,
    ReplyNotice,
    Report,
    Suspension,
    Topic,
)
from members.models import User
from worq.lib.audit import record
from worq.lib.mail import enqueue_templated_email
from worq.lib.outbox import outbox_add

REACTION_FIELDS = {Reaction.Kind.EMPATHY: "empathy_count", Reaction.Kind.HELPFUL: "helpful_count"}
NOTICE_INTERVAL = dt.timedelta(hours=1)


# --- Reading ------------------------------------------------------------------
def suspension_in_force(*, user: User, now: dt.datetime) -> Suspension | None:
    if not user.is_authenticated:
        return None
    return Suspension.objects.in_force(now).filter(user=user).order_by("-ends_at").first()


def _suspended_message(suspension: Suspension) -> str:
    until = timezone.localtime(suspension.ends_at)
    return (
        f"{until:%Y年%-m月%-d日 %H:%M}まで、コミュニティへの投稿を停止しています"
        f"（理由：{suspension.reason}）。読むことはこれまでどおりできます。"
    )


def _check_can_write(*, user: User, now: dt.datetime) -> None:
    suspension = suspension_in_force(user=user, now=now)
    if suspension:
        raise ValidationError(_suspended_message(suspension))


def _check_text(body: str) -> None:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "本文を入力してください。"})
    if len(body) > rules.MAX_BODY_LENGTH:
        raise ValidationError(
            {
                "body": f"本文は{rules.MAX_BODY_LENGTH:,}文字以内にしてください"
                f"（いまは{len(body):,}文字です）。"
            }
        )
    problems = textcheck.problems(body)
    if problems:
        raise ValidationError({"body": problems})


def _check_posting_limits(*, user: User, topic: Topic, now: dt.datetime) -> None:
    mine = Post.objects.filter(author=user)
    stats = mine.aggregate(
        last=Max("created_at"),
        last_in_topic=Max("created_at", filter=Q(topic=topic)),
    )
    facts = rules.PostingFacts(
        now=now,
        joined_at=user.date_joined,
        posts_since_joining=mine.count(),
        last_post_at=stats["last"],
        last_post_in_topic_at=stats["last_in_topic"],
        slow_mode_seconds=topic.slow_mode_seconds,
    )
    refusal = rules.posting_refusal(facts)
    if refusal:
        raise ValidationError(refusal)


def _touch(topic: Topic, now: dt.datetime) -> None:
    Topic.objects.filter(pk=topic.pk).update(last_activity_at=now)
    Community.objects.filter(pk=topic.community_id).update(last_activity_at=now)


# --- Posting --------------------------------------------------------------------
def _check_topic_open(topic: Topic) -> None:
    if not topic.is_open or not topic.community.is_active:
        raise ValidationError("このお題は受付を終了しています。読むことはできます。")


def post_create(*, topic: Topic, author: User, kind: str, body: str, now: dt.datetime) -> Post:
    with transaction.atomic():
        # Lock the author row so two quick taps cannot both pass the limits.
        User.objects.select_for_update().filter(pk=author.pk).first()
        topic = Topic.objects.select_related("community").get(pk=topic.pk)
        _check_can_write(user=author, now=now)
        _check_topic_open(topic)
        _check_text(body)
        _check_posting_limits(user=author, topic=topic, now=now)
        post = Post(
            topic=topic,
            author=author,
            kind=kind,
            body=body.strip(),
            body_html=textcheck.render(body.strip()),
            created_at=now,
            last_activity_at=now,
        )
        post.full_clean()
        post.save()
        _touch(topic, now)
    return post


def reply_create(*, parent: Post, author: User, body: str, now: dt.datetime) -> Post:
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=author.pk).first()
        parent = Post.objects.select_related("topic__community").get(pk=parent.pk)
        _check_can_write(user=author, now=now)
        if parent.parent_id is not None:
            raise ValidationError("返信には返信できません。元の投稿に返信してください。")
        if not parent.is_visible:
            raise ValidationError("この投稿は削除されたか表示されていないため、返信できません。")
        topic = parent.topic
        _check_topic_open(topic)
        _check_text(body)
        _check_posting_limits(user=author, topic=topic, now=now)
        reply = Post(
            topic=topic,
            parent=parent,
            author=author,
            body=body.strip(),
            body_html=textcheck.render(body.strip()),
            created_at=now,
            last_activity_at=now,
        )
        reply.full_clean()
        reply.save()
        Post.objects.filter(pk=parent.pk).update(last_activity_at=now)
        _touch(topic, now)
        if parent.author_id != author.pk:
            from community.tasks import send_reply_notice  # here, not above: tasks import this module

            outbox_add(task=send_reply_notice, args=[reply.pk])
    return reply


def post_edit(*, post: Post, editor: User, body: str, kind: str, now: dt.datetime) -> Post:
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        if post.author_id != editor.pk:
            raise ValidationError("ほかの人の投稿は編集できません。")
        _check_can_write(user=editor, now=now)
        if not post.is_visible:
            raise ValidationError("この投稿は編集できない状態です。")
        if not rules.can_edit(created_at=post.created_at, now=now):
            minutes = int(rules.EDIT_WINDOW.total_seconds() // 60)
            raise ValidationError(f"編集できるのは投稿から{minutes}分以内です。")
        _check_text(body)
        kind = kind if post.parent_id is None else ""
        if post.body == body.strip() and post.kind == kind:
            return post
        PostRevision.objects.create(post=post, body=post.body, kind=post.kind, created_at=now)
        post.body = body.strip()
        post.body_html = textcheck.render(post.body)
        post.kind = kind
        post.edited_at = now
        post.full_clean()
        post.save()
    return post


def post_delete(*, post: Post, user: User, now: dt.datetime) -> Post:
    """The author removes their post. It stays in place as 削除されました so
    replies keep their context; the text is kept only in the edit history
    for moderators."""
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        if post.author_id != user.pk:
            raise ValidationError("ほかの人の投稿は削除できません。")
        if post.is_deleted:
            return post
        PostRevision.objects.create(post=post, body=post.body, kind=post.kind, created_at=now)
        post.status = Post.Status.DELETED
        post.deleted_at = now
        post.body = ""
        post.body_html = ""
        post.save(update_fields=["status", "deleted_at", "body", "body_html"])
    return post


# --- Reactions -------------------------------------------------------------------
def reaction_toggle(*, post: Post, user: User, kind: str, now: dt.datetime) -> bool:
    """Add the reaction, or take it back if already given. Returns True when added."""
    if kind not in Reaction.Kind.values:
        raise ValidationError("リアクションの種類が正しくありません。")
    field = REACTION_FIELDS[kind]
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        _check_can_write(user=user, now=now)
        if not post.is_visible:
            raise ValidationError("この投稿には、いまリアクションできません。")
        if post.author_id == user.pk:
            raise ValidationError("自分の投稿にはリアクションできません。")
        deleted, _ = Reaction.objects.filter(post=post, user=user, kind=kind).delete()
        if deleted:
            Post.objects.filter(pk=post.pk).update(**{field: F(field) - 1})
            return False
        Reaction.objects.create(post=post, user=user, kind=kind, created_at=now)
        Post.objects.filter(pk=post.pk).update(**{field: F(field) + 1})
    return True


def reaction_set(*, post: Post, user: User, kind: str, on: bool, now: dt.datetime) -> bool:
    """Idempotent form of ``reaction_toggle``: pressing twice never counts twice."""
    given = Reaction.objects.filter(post=post, user=user, kind=kind).exists()
    if given and on:
        label = Reaction.Kind(kind).label
        raise ValidationError(f"「{label}」はもう押してあります。取り消すときは、もう一度押してください。")
    if given != on:
        reaction_toggle(post=post, user=user, kind=kind, now=now)
    return on


# --- Reports ---------------------------------------------------------------------
def report_create(*, post: Post, reporter: User, reason: str, note: str, now: dt.datetime) -> Report:
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        if post.author_id == reporter.pk:
            raise ValidationError("自分の投稿は通報できません。消したいときは「削除」を使ってください。")
        if post.is_deleted:
            raise ValidationError("この投稿はすでに削除されています。")
        _check_can_write(user=reporter, now=now)
        if Report.objects.filter(post=post, reporter=reporter).exists():
            raise ValidationError("この投稿はすでに通報いただいています。ありがとうございます。")
        report = Report(post=post, reporter=reporter, reason=reason, note=note.strip(), created_at=now)
        report.full_clean()
        report.save()
        open_reporters = (
            Report.objects.filter(post=post, resolved_at__isnull=True).values("reporter").distinct().count()
        )
        if post.is_visible and open_reporters >= rules.AUTO_HIDE_REPORTERS:
            _hide(
                post=post,
                status=Post.Status.AUTO_HIDDEN,
                actor=None,
                now=now,
                reason=(
                    f"{open_reporters}人から通報があったため、モデレーターが確認するまで"
                    "一時的に非表示にしています。"
                ),
            )
    return report


# --- Moderation ------------------------------------------------------------------
def _record(*, actor, action, reason, now, post=None, topic=None, target_user=None):
    return record(
        ModerationAction,
        actor=actor,
        action=action,
        reason=reason,
        now=now,
        post=post,
        topic=topic or (post.topic if post else None),
        target_user=target_user or (post.author if post else None),
    )


def _hide(*, post: Post, status: str, actor: User | None, reason: str, now: dt.datetime) -> None:
    post.status = status
    post.hidden_reason = reason
    post.save(update_fields=["status", "hidden_reason"])
    action = (
        ModerationAction.Action.AUTO_HIDE
        if status == Post.Status.AUTO_HIDDEN
        else ModerationAction.Action.HIDE
    )
    _record(actor=actor, action=action, reason=reason, now=now, post=post)
    author = post.author
    if author.is_active and not author.deleted_at:
        enqueue_templated_email(
            template="community-post-hidden",
            context={
                "nickname": author.display_name,
                "topic": post.topic.title,
                "reason": reason,
                "url": post.topic.get_absolute_url(),
            },
            to=[author.email],
        )


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("理由を入力してください。記録に残り、投稿者にも伝わります。")
    return reason


def post_hide(*, post: Post, actor: User, reason: str, now: dt.datetime) -> Post:
    reason = _require_reason(reason)
    with transaction.atomic():
        post = Post.objects.select_for_update().select_related("author", "topic").get(pk=post.pk)
        if post.is_deleted:
            raise ValidationError("投稿者が削除した投稿です。")
        if post.status != Post.Status.HIDDEN:
            _hide(post=post, status=Post.Status.HIDDEN, actor=actor, reason=reason, now=now)
        Report.objects.filter(post=post, resolved_at__isnull=True).update(
            resolved_at=now, resolution=Report.Resolution.HIDDEN
        )
    return post


def post_restore(*, post: Post, actor: User, reason: str, now: dt.datetime) -> Post:
    reason = _require_reason(reason)
    with transaction.atomic():
        post = Post.objects.select_for_update().select_related("author", "topic").get(pk=post.pk)
        if not post.is_hidden:
            raise ValidationError("この投稿は非表示になっていません。")
        post.status = Post.Status.VISIBLE
        post.hidden_reason = ""
        post.save(update_fields=["status", "hidden_reason"])
        Report.objects.filter(post=post, resolved_at__isnull=True).update(
            resolved_at=now, resolution=Report.Resolution.RESTORED
        )
        _record(actor=actor, action=ModerationAction.Action.RESTORE, reason=reason, now=now, post=post)
    return post


def reports_dismiss(*, post: Post, actor: User, reason: str, now: dt.datetime) -> int:
    """Close the open reports without hiding. An auto-hidden post comes back."""
    reason = _require_reason(reason)
    with transaction.atomic():
        post = Post.objects.select_for_update().select_related("author", "topic").get(pk=post.pk)
        count = Report.objects.filter(post=post, resolved_at__isnull=True).update(
            resolved_at=now, resolution=Report.Resolution.DISMISSED
        )
        if post.status == Post.Status.AUTO_HIDDEN:
            post.status = Post.Status.VISIBLE
            post.hidden_reason = ""
            post.save(update_fields=["status", "hidden_reason"])
        _record(actor=actor, action=ModerationAction.Action.DISMISS, reason=reason, now=now, post=post)
    return count


def topic_set_status(*, topic: Topic, status: str, actor: User, reason: str, now: dt.datetime) -> Topic:
    reason = _require_reason(reason)
    if status not in Topic.Status.values:
        raise ValidationError("お題の状態が正しくありません。")
    with transaction.atomic():
        topic = Topic.objects.select_for_update().get(pk=topic.pk)
        if topic.status == status:
            return topic
        topic.status = status
        topic.save(update_fields=["status"])
        action = (
            ModerationAction.Action.UNLOCK if status == Topic.Status.OPEN else ModerationAction.Action.LOCK
        )
        _record(actor=actor, action=action, reason=reason, now=now, topic=topic)
    return topic


def topic_lock(*, topic: Topic, actor: User, reason: str, now: dt.datetime) -> Topic:
    return topic_set_status(topic=topic, status=Topic.Status.CLOSED, actor=actor, reason=reason, now=now)


def topic_create(
    *,
    community: Community,
    title: str,
    prompt: str,
    actor: User | None,
    now: dt.datetime,
    is_pinned: bool = False,
    slow_mode_seconds: int = 0,
) -> Topic:
    with transaction.atomic():
        topic = Topic(
            community=community,
            title=title.strip(),
            prompt=prompt.strip(),
            is_pinned=is_pinned,
            slow_mode_seconds=slow_mode_seconds,
            created_by=actor,
            created_at=now,
            last_activity_at=now,
        )
        topic.full_clean()
        topic.save()
        _touch(topic, now)
    return topic


def user_suspend(
    *, user: User, actor: User, reason: str, ends_at: dt.datetime, now: dt.datetime
) -> Suspension:
    reason = _require_reason(reason)
    if user.pk == actor.pk:
        raise ValidationError("自分自身を利用停止にはできません。")
    if ends_at <= now:
        raise ValidationError("終了日時は今より後にしてください。")
    with transaction.atomic():
        suspension = Suspension(user=user, reason=reason, starts_at=now, ends_at=ends_at, created_by=actor)
        suspension.full_clean()
        suspension.save()
        _record(
            actor=actor,
            action=ModerationAction.Action.SUSPEND,
            now=now,
            target_user=user,
            reason=f"{reason}（{timezone.localtime(ends_at):%Y-%m-%d %H:%M} まで）",
        )
        if user.is_active and not user.deleted_at:
            enqueue_templated_email(
                template="community-suspended",
                context={
                    "nickname": user.display_name,
                    "reason": reason,
                    "until": f"{timezone.localtime(ends_at):%Y年%-m月%-d日 %H:%M}",
                },
                to=[user.email],
            )
    return suspension


def suspension_lift(*, suspension: Suspension, actor: User, reason: str, now: dt.datetime) -> Suspension:
    reason = _require_reason(reason)
    with transaction.atomic():
        updated = Suspension.objects.filter(pk=suspension.pk, lifted_at__isnull=True).update(lifted_at=now)
        if updated:
            _record(
                actor=actor,
                action=ModerationAction.Action.LIFT,
                reason=reason,
                now=now,
                target_user=suspension.user,
            )
    suspension.refresh_from_db()
    return suspension


# --- Notifications ----------------------------------------------------------------
def _claim_notice(*, recipient: User, topic: Topic, now: dt.datetime) -> bool:
    """True if no reply e-mail for this topic went to ``recipient`` in the last hour."""
    claimed = ReplyNotice.objects.filter(
        recipient=recipient, topic=topic, last_sent_at__lte=now - NOTICE_INTERVAL
    ).update(last_sent_at=now)
    if claimed:
        return True
    try:
        with transaction.atomic():
            ReplyNotice.objects.create(recipient=recipient, topic=topic, last_sent_at=now)
    except IntegrityError:
        return False
    return True


def reply_notice_send(*, reply: Post, now: dt.datetime) -> bool:
    """E-mail the parent's author about ``reply``. Returns True if an e-mail was queued."""
    parent = reply.parent
    if parent is None or not reply.is_visible:
        return False
    recipient = parent.author
    if (
        recipient.pk == reply.author_id
        or not recipient.reply_notifications
        or not recipient.is_active
        or recipient.deleted_at
    ):
        return False
    with transaction.atomic():
        if not _claim_notice(recipient=recipient, topic=reply.topic, now=now):
            return False
        enqueue_templated_email(
            template="community-reply",
            context={
                "nickname": recipient.display_name,
                "replier": reply.author.display_name,
                "topic": reply.topic.title,
                "excerpt": reply.body[:200],
                "url": reply.get_absolute_url(),
                "profile_url": reverse("members:profile-edit"),
            },
            to=[recipient.email],
        )
    return True


# --- Account deletion ---------------------------------------------------------------
def personal_data_remove(*, user: User) -> None:
    """On account deletion. Posts stay (shown as 退会したユーザー) because
    replies and reactions from others depend on them. Removed: the person's
    reactions (counts follow), notes they wrote in reports, notification
    throttles, and edit history of posts no moderator has had to look at.
    Edit history of posts that were reported or moderated is kept as the
    record of that moderation."""
    with transaction.atomic():
        for reaction in Reaction.objects.filter(user=user).select_related("post"):
            field = REACTION_FIELDS[reaction.kind]
            Post.objects.filter(pk=reaction.post_id, **{f"{field}__gt": 0}).update(**{field: F(field) - 1})
            reaction.delete()
        Report.objects.filter(reporter=user).update(note="")
        ReplyNotice.objects.filter(recipient=user).delete()
        PostRevision.objects.filter(post__author=user).exclude(
            Q(post__reports__isnull=False) | Q(post__moderation_actions__isnull=False)
        ).delete()
