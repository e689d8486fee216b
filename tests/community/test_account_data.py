"""マイページ section, data export, account deletion, demo content."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone

from community import services
from community.models import Post, PostRevision, Reaction, ReplyNotice, Report
from members.services import account_delete, account_export
from tests.community.factories import PostFactory, ReplyFactory, SettledUserFactory

pytestmark = pytest.mark.django_db


def test_mypage_lists_own_posts(poster_client, poster, topic):
    PostFactory(topic=topic, author=poster, body="マイページに出る投稿")
    PostFactory(topic=topic, body="ほかの人の投稿")
    html = poster_client.get(reverse("members:mypage")).content.decode()
    assert "あなたの投稿（1件" in html
    assert topic.title in html
    assert "返信のお知らせメールは「ニックネーム・お知らせの設定」で止められます" in html


def test_export_contains_posts_reactions_and_reports(poster, topic):
    PostFactory(topic=topic, author=poster, body="書き出される投稿")
    other = PostFactory(topic=topic)
    services.reaction_toggle(post=other, user=poster, kind="helpful", now=timezone.now())
    services.report_create(post=other, reporter=poster, reason="spam", note="宣伝", now=timezone.now())
    data = account_export(user=poster)
    assert data["community_posts"][0]["body"] == "書き出される投稿"
    assert data["community_reactions"][0]["kind"] == "参考になった"
    assert data["community_reports"][0]["note"] == "宣伝"
    import json

    json.dumps(data)


def test_deletion_keeps_posts_as_deleted_user_and_removes_personal_traces(client, topic):
    leaver = SettledUserFactory(nickname="やめる人")
    post = PostFactory(topic=topic, author=leaver, body="残る投稿", created_at=timezone.now())
    services.post_edit(post=post, editor=leaver, body="残る投稿（直した）", kind="solved", now=timezone.now())
    reported_post = PostFactory(topic=topic, author=leaver, body="通報された投稿", created_at=timezone.now())
    services.post_edit(
        post=reported_post, editor=leaver, body="通報された投稿（直した）", kind="solved", now=timezone.now()
    )
    services.report_create(
        post=reported_post, reporter=SettledUserFactory(), reason="abuse", note="", now=timezone.now()
    )
    other = PostFactory(topic=topic)
    services.reaction_toggle(post=other, user=leaver, kind="empathy", now=timezone.now())
    services.report_create(
        post=other, reporter=leaver, reason="other", note="個人的なメモ", now=timezone.now()
    )
    services.reply_notice_send(reply=ReplyFactory(parent=post), now=timezone.now())
    assert ReplyNotice.objects.filter(recipient=leaver).exists()

    account_delete(user=leaver, now=timezone.now())

    html = client.get(topic.get_absolute_url()).content.decode()
    assert "残る投稿（直した）" in html and "退会したユーザー" in html and "やめる人" not in html
    other.refresh_from_db()
    assert other.empathy_count == 0 and not Reaction.objects.filter(user=leaver).exists()
    assert Report.objects.get(reporter=leaver).note == ""
    assert not ReplyNotice.objects.filter(recipient=leaver).exists()
    # Edit history stays only where a moderator has had to look.
    assert not PostRevision.objects.filter(post=post).exists()
    assert PostRevision.objects.filter(post=reported_post).exists()
    assert Post.objects.filter(author=leaver).count() == 2


def test_demo_is_idempotent(db):
    from community import demo as community_demo
    from members import demo as members_demo

    members_demo.load(stdout=io.StringIO())
    community_demo.load(stdout=io.StringIO())
    counts = (
        Post.objects.count(),
        Reaction.objects.count(),
        list(Post.objects.values_list("empathy_count", "helpful_count").order_by("id")),
    )
    community_demo.load(stdout=io.StringIO())
    assert counts == (
        Post.objects.count(),
        Reaction.objects.count(),
        list(Post.objects.values_list("empathy_count", "helpful_count").order_by("id")),
    )
    assert Post.objects.filter(parent__isnull=True).count() >= 6
    assert Post.objects.filter(author__email="guest@example.jp").exists()


def test_search_section_finds_topics_and_visible_posts(topic, staff):
    from django.template.loader import render_to_string

    from community.hooks import search

    PostFactory(topic=topic, body="請求書の支払いサイトを短くしてもらいました")
    hidden = PostFactory(topic=topic, body="請求書の話（非表示）")
    services.post_hide(post=hidden, actor=staff, reason="テスト", now=timezone.now())
    result = search("請求書")
    assert [i["excerpt"][:5] for i in result["items"]] == ["請求書の支"]
    assert search("報酬の交渉")["items"][0]["title"] == topic.title
    assert search("みつからない言葉") is None and search("a") is None
    html = render_to_string(result["template"], {"section": result})
    assert result["title"] == "コミュニティの声" and topic.get_absolute_url() in html
