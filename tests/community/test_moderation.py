"""Moderation in the admin by the モデレーター group."""

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community import services
from community.models import ModerationAction, Post, Report, Suspension, Topic
from tests.community.factories import PostFactory, ReplyFactory, SettledUserFactory
from tests.factories import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(db):
    return make_staff("モデレーター", email="mod@example.jp", nickname="見守り係")


@pytest.fixture
def mod_client(client, moderator):
    client.force_login(moderator)
    return client


def reported(post, n=1):
    for _ in range(n):
        services.report_create(
            post=post, reporter=SettledUserFactory(), reason="abuse", note="", now=timezone.now()
        )
    return post


def moderate(client, model, action, posts, **data):
    url = reverse(f"admin:community_{model}_moderate")
    ids = ",".join(str(p.pk) for p in posts)
    return client.post(url, {"action": action, "ids": ids, **data})


def test_moderator_sees_review_queue_newest_report_first(mod_client, topic, django_assert_max_num_queries):
    older = reported(PostFactory(topic=topic, body="古い通報の投稿"), 2)
    newer = reported(PostFactory(topic=topic, body="新しい通報の投稿"))
    PostFactory(topic=topic, body="通報のない投稿")
    Report.objects.filter(post=older).update(created_at=timezone.now() - dt.timedelta(hours=3))
    with django_assert_max_num_queries(15):
        response = mod_client.get(reverse("admin:community_reviewitem_changelist"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("新しい通報の投稿") < html.index("古い通報の投稿")
    assert "通報のない投稿" not in html
    by_count = mod_client.get(reverse("admin:community_reviewitem_changelist") + "?o=-2").content.decode()
    assert by_count.index("古い通報の投稿") < by_count.index("新しい通報の投稿")
    assert newer.author.email in html  # nickname and e-mail, for contacting


def test_post_in_context_shows_parent_replies_reports_and_history(mod_client, topic):
    parent = PostFactory(topic=topic, body="元の投稿です")
    answer = ReplyFactory(parent=parent, body="問題の返信です", created_at=timezone.now())
    services.post_edit(post=answer, editor=answer.author, body="直した返信です", kind="", now=timezone.now())
    reported(answer)
    response = mod_client.get(reverse("admin:community_reviewitem_change", args=[answer.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "元の投稿です" in html and "直した返信です" in html and "問題の返信です" in html
    assert "誹謗中傷・ハラスメント" in html
    assert "非表示にする" in html and "投稿者を利用停止" in html
    assert "1988" not in html  # never a birth date


def test_hide_requires_a_reason_and_is_recorded(
    mod_client, moderator, topic, django_capture_on_commit_callbacks
):
    post = reported(PostFactory(topic=topic, body="消すべき投稿"))
    response = moderate(mod_client, "reviewitem", "hide", [post], reason="")
    assert response.status_code == 200 and "理由を入力してください。" in response.content.decode()
    post.refresh_from_db()
    assert post.is_visible
    with django_capture_on_commit_callbacks(execute=True):
        response = moderate(mod_client, "reviewitem", "hide", [post], reason="誹謗中傷のため")
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == Post.Status.HIDDEN and post.hidden_reason == "誹謗中傷のため"
    action = ModerationAction.objects.get(action="hide")
    assert (action.actor, action.post, action.reason) == (moderator, post, "誹謗中傷のため")
    assert Report.objects.get().resolution == "hidden"
    assert mail.outbox[-1].to == [post.author.email]
    assert "消すべき投稿" not in Client().get(topic.get_absolute_url()).content.decode()
    log = mod_client.get(reverse("admin:community_moderationaction_changelist")).content.decode()
    assert "誹謗中傷のため" in log and "見守り係" in log


def test_restore_and_dismiss(mod_client, topic):
    hidden = reported(PostFactory(topic=topic), 3)
    hidden.refresh_from_db()
    assert hidden.status == Post.Status.AUTO_HIDDEN
    moderate(mod_client, "reviewitem", "dismiss", [hidden], reason="問題のない内容でした")
    hidden.refresh_from_db()
    assert hidden.is_visible and not Report.objects.filter(resolved_at__isnull=True).exists()
    hidden2 = PostFactory(topic=topic)
    services.post_hide(post=hidden2, actor=SettledUserFactory(), reason="誤り", now=timezone.now())
    moderate(mod_client, "post", "restore", [hidden2], reason="確認したところ問題なし")
    hidden2.refresh_from_db()
    assert hidden2.is_visible
    assert list(ModerationAction.objects.order_by("created_at", "id").values_list("action", flat=True)) == [
        "auto_hide",
        "dismiss",
        "hide",
        "restore",
    ]
    assert (
        mod_client.get(reverse("admin:community_reviewitem_changelist"))
        .content.decode()
        .count("field-excerpt")
        == 0
    )


def test_lock_topic_from_a_post(mod_client, poster, topic):
    post = reported(PostFactory(topic=topic))
    moderate(mod_client, "reviewitem", "lock", [post], reason="荒れてきたため")
    topic.refresh_from_db()
    assert topic.status == Topic.Status.CLOSED
    assert ModerationAction.objects.get(action="lock").topic == topic
    poster_client = Client()
    poster_client.force_login(poster)
    response = poster_client.post(
        reverse("community:post-create", args=[topic.pk]), {"kind": "other", "body": "まだ書けますか"}
    )
    assert "このお題は受付を終了しています。" in response.content.decode()


def test_suspend_author_for_a_period(mod_client, moderator, topic, django_capture_on_commit_callbacks):
    post = reported(PostFactory(topic=topic))
    response = moderate(mod_client, "reviewitem", "suspend", [post], reason="", days="0")
    assert "1日以上にしてください。" in response.content.decode()
    assert not Suspension.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        moderate(mod_client, "reviewitem", "suspend", [post], reason="繰り返しの中傷", days="7")
    suspension = Suspension.objects.get()
    assert suspension.user == post.author and suspension.created_by == moderator
    assert dt.timedelta(days=6, hours=23) < suspension.ends_at - timezone.now() <= dt.timedelta(days=7)
    assert "まで停止しました" in mail.outbox[-1].body
    assert ModerationAction.objects.get(action="suspend").target_user == post.author
    # The author sees until when on マイページ.
    author = Client()
    author.force_login(post.author)
    assert (
        "まで、コミュニティへの投稿を停止しています" in author.get(reverse("members:mypage")).content.decode()
    )


def test_suspension_added_in_admin_and_lifted(mod_client, poster):
    response = mod_client.post(
        reverse("admin:community_suspension_add"), {"user": poster.pk, "days": "3", "reason": "スパムの連投"}
    )
    assert response.status_code == 302
    suspension = Suspension.objects.get()
    assert suspension.user == poster
    response = mod_client.post(
        reverse("admin:community_suspension_changelist"),
        {"action": "lift", "_selected_action": [suspension.pk]},
    )
    assert "action=lift" in response.url
    assert "スパムの連投" in mod_client.get(response.url).content.decode()
    moderate(mod_client, "suspension", "lift", [suspension], reason="")
    suspension.refresh_from_db()
    assert suspension.lifted_at is None
    moderate(mod_client, "suspension", "lift", [suspension], reason="反省の連絡があったため")
    suspension.refresh_from_db()
    assert suspension.lifted_at is not None
    assert services.suspension_in_force(user=poster, now=timezone.now()) is None
    assert [a.action for a in ModerationAction.objects.order_by("id")] == ["suspend", "lift"]
    assert ModerationAction.objects.get(action="lift").reason == "反省の連絡があったため"


def test_topic_added_in_admin_by_moderator(mod_client, moderator, topic):
    response = mod_client.post(
        reverse("admin:community_topic_add"),
        {
            "community": topic.community.pk,
            "title": "確定申告、みんなどうしてる？",
            "prompt": "やり方や工夫を教えてください。",
            "slow_mode_seconds": "60",
        },
    )
    assert response.status_code == 302
    created = Topic.objects.get(title="確定申告、みんなどうしてる？")
    assert created.created_by == moderator and created.slow_mode_seconds == 60


def test_changelist_action_leads_to_reason_page(mod_client, topic):
    post = reported(PostFactory(topic=topic))
    response = mod_client.post(
        reverse("admin:community_reviewitem_changelist"),
        {"action": "hide_posts", "_selected_action": [post.pk]},
    )
    assert response.status_code == 302 and "action=hide" in response.url
    page = mod_client.get(response.url).content.decode()
    assert "理由" in page and post.body[:10] in page


def test_moderator_cannot_open_memberships_or_kyosai(mod_client, member):
    assert mod_client.get(reverse("admin:members_networkmembership_changelist")).status_code == 403
    assert (
        mod_client.get(
            reverse("admin:members_networkmembership_change", args=[member.membership.pk])
        ).status_code
        == 403
    )
    index = mod_client.get(reverse("admin:index")).content.decode()
    assert "連合ネットワーク会員" not in index
    assert "共済" not in index
    user_page = mod_client.get(reverse("admin:members_user_change", args=[member.pk])).content.decode()
    assert "member@example.jp" in user_page and "1988" not in user_page and "山田" not in user_page


def test_other_staff_cannot_moderate(client, topic):
    editor = make_staff("編集", email="editor@example.jp", nickname="編集係")
    client.force_login(editor)
    post = reported(PostFactory(topic=topic))
    assert client.get(reverse("admin:community_reviewitem_changelist")).status_code == 403
    response = moderate(client, "reviewitem", "hide", [post], reason="勝手に")
    assert response.status_code == 403
    post.refresh_from_db()
    assert post.is_visible


def test_moderation_log_is_read_only(mod_client, topic):
    post = reported(PostFactory(topic=topic))
    services.post_hide(post=post, actor=SettledUserFactory(), reason="テスト", now=timezone.now())
    action = ModerationAction.objects.get()
    url = reverse("admin:community_moderationaction_change", args=[action.pk])
    mod_client.post(url, {"reason": "書き換え"})
    action.refresh_from_db()
    assert action.reason == "テスト"
    assert (
        mod_client.post(
            reverse("admin:community_moderationaction_delete", args=[action.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
