"""Reading, posting, replying, editing and deleting on the site."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from community import services
from community.models import Post, PostRevision, Topic
from tests.community.factories import PostFactory, ReplyFactory, SettledUserFactory, TopicFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def post_url(topic):
    return reverse("community:post-create", args=[topic.pk])


# --- Reading ------------------------------------------------------------------------
def test_seeded_communities_and_first_topics(client):
    response = client.get(reverse("community:index"))
    html = response.content.decode()
    assert response.status_code == 200
    for name in [
        "ベビーシッター・保育・家事代行",
        "配送スタッフ・デリバリー・貨物",
        "IT・クリエイティブ・ライター",
        "インストラクター・トレーナー",
    ]:
        assert name in html
    assert Topic.objects.filter(title="フリーランスのみんな、報酬の交渉どうしてる？").exists()
    assert "として働く人のお悩み相談＆解決コミュニティ" in html


def test_community_page_lists_newest_activity_first(client, topic):
    now = timezone.now()
    older = TopicFactory(
        community=topic.community, title="古いお題", last_activity_at=now - dt.timedelta(days=3)
    )
    newer = TopicFactory(
        community=topic.community, title="新しいお題", last_activity_at=now - dt.timedelta(hours=1)
    )
    Topic.objects.filter(pk=topic.pk).update(last_activity_at=now - dt.timedelta(days=9))
    html = client.get(topic.community.get_absolute_url()).content.decode()
    assert html.index(newer.title) < html.index(older.title) < html.index(topic.title)


def test_archived_topics_leave_the_list(client, topic):
    TopicFactory(community=topic.community, title="しまったお題", status=Topic.Status.ARCHIVED)
    assert "しまったお題" not in client.get(topic.community.get_absolute_url()).content.decode()


def test_visitor_reads_topic_and_sees_how_to_join(client, topic):
    post = PostFactory(topic=topic, body="契約書を先に送ってもらうようにしました。")
    response = client.get(topic.get_absolute_url())
    html = response.content.decode()
    assert post.body in html
    assert "無料の<strong>ユーザー登録</strong>" in html
    assert "通報" not in html.split("安心して話すための約束")[0].split(post.body)[1]


def test_only_nicknames_are_shown(client, topic, member):
    PostFactory(topic=topic, author=member, body="見積もりは2案出すようにしています。")
    html = client.get(topic.get_absolute_url()).content.decode()
    assert "かいいん" in html
    assert "山田" not in html and "member@example.jp" not in html


def test_topic_paginates_newest_first(client, topic):
    base = timezone.now() - dt.timedelta(days=5)
    for i in range(25):
        PostFactory(topic=topic, body=f"投稿番号{i:02d}です", created_at=base + dt.timedelta(minutes=i))
    first = client.get(topic.get_absolute_url()).content.decode()
    second = client.get(topic.get_absolute_url() + "?page=2").content.decode()
    assert "投稿番号24" in first and "投稿番号05" in first and "投稿番号04" not in first
    assert "投稿番号04" in second and "投稿番号00" in second
    assert first.index("投稿番号24") < first.index("投稿番号23")


def test_topic_page_queries_do_not_grow_with_posts(client, poster, topic, django_assert_max_num_queries):
    """500 posts, each with replies and reactions: the page costs the same."""
    authors = [SettledUserFactory() for _ in range(5)]
    now = timezone.now() - dt.timedelta(days=3)
    posts = Post.objects.bulk_create(
        [
            Post(
                topic=topic,
                author=authors[i % 5],
                kind=Post.Kind.SOLVED,
                body=f"本文{i}",
                body_html=f"<p>本文{i}</p>",
                created_at=now + dt.timedelta(seconds=i),
                empathy_count=1,
            )
            for i in range(500)
        ]
    )
    Post.objects.bulk_create(
        [
            Post(
                topic=topic,
                parent=p,
                author=authors[(i + 1) % 5],
                body=f"返信{i}",
                body_html=f"<p>返信{i}</p>",
                created_at=now + dt.timedelta(seconds=600 + i),
            )
            for i, p in enumerate(posts)
            for _ in range(2)
        ]
    )
    from community.models import Reaction

    Reaction.objects.bulk_create([Reaction(post=p, user=poster, kind="empathy") for p in posts])
    client.force_login(poster)
    # session, user, topic, count, posts, replies, tier (2), reactions, suspension
    with django_assert_max_num_queries(10):
        response = client.get(topic.get_absolute_url())
    assert response.status_code == 200
    assert response.content.decode().count('class="card post"') == 20
    with django_assert_max_num_queries(10):
        assert client.get(topic.get_absolute_url() + "?page=20").status_code == 200
    client.logout()
    # topic, count, posts, replies
    with django_assert_max_num_queries(4):
        assert client.get(topic.get_absolute_url()).status_code == 200


def test_index_and_community_queries_are_pinned(client, topic, django_assert_max_num_queries):
    for _ in range(30):
        TopicFactory(community=topic.community)
    with django_assert_max_num_queries(4):
        assert client.get(reverse("community:index")).status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get(topic.community.get_absolute_url()).status_code == 200


def test_unknown_topic_is_404(client):
    assert client.get(reverse("community:topic-detail", args=[999999])).status_code == 404


# --- Posting ------------------------------------------------------------------------
def test_registered_user_posts_a_solved_story(client, registered_user, topic):
    """No network membership needed (会員でなくても利用できる)."""
    client.force_login(registered_user)
    response = client.post(
        post_url(topic),
        {"kind": "solved", "body": "報酬の相場を調べてから\n\n- 見積もりを出す\n- 根拠を添える"},
    )
    post = Post.objects.get()
    assert response.status_code == 302
    assert response.url == post.get_absolute_url()
    assert post.author == registered_user and post.kind == "solved"
    assert "<li>見積もりを出す</li>" in post.body_html
    html = client.get(topic.get_absolute_url()).content.decode()
    assert "こう解決した" in html and "根拠を添える" in html
    topic.refresh_from_db()
    assert topic.last_activity_at >= post.created_at


def test_anonymous_is_sent_to_log_in(client, topic):
    response = client.post(post_url(topic), {"kind": "solved", "body": "こんにちは"})
    assert response.status_code == 302 and reverse("account_login") in response.url
    assert client.get(post_url(topic)).status_code == 302
    assert not Post.objects.exists()


def test_unverified_user_sees_how_to_unlock(client, topic):
    user = UserFactory(verified=False)
    client.force_login(user)
    response = client.post(post_url(topic), {"kind": "solved", "body": "こんにちは"})
    assert response.status_code == 403
    assert "メールアドレスの確認" in response.content.decode()
    assert not Post.objects.exists()


def test_get_changes_nothing(poster_client, topic):
    post = PostFactory(topic=topic)
    for name in ["community:post-create"]:
        assert poster_client.get(reverse(name, args=[topic.pk])).status_code == 200
    for name in ["community:reply-create", "community:post-report"]:
        assert poster_client.get(reverse(name, args=[post.pk])).status_code == 200
    assert poster_client.get(reverse("community:post-react", args=[post.pk])).status_code == 405
    assert Post.objects.count() == 1
    post.refresh_from_db()
    assert post.empathy_count == 0 and not post.reports.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "solved", "body": ""}, "本文を入力してください。"),
        ({"kind": "solved", "body": "   \n  "}, "本文を入力してください。"),
        (
            {"kind": "solved", "body": "あ" * 20_000},
            "本文は4,000文字以内にしてください（いまは20,000文字です）。",
        ),
        ({"kind": "", "body": "こんにちは"}, "投稿の種類を選んでください。"),
        ({"kind": "spam", "body": "こんにちは"}, "投稿の種類を選んでください。"),
        (
            {"kind": "solved", "body": "[ここ](javascript:alert(1)) を見て"},
            "「javascript:」などで始まるリンクは、安全のため使えません。",
        ),
    ],
)
def test_bad_input_is_refused_with_a_message(poster_client, topic, data, message):
    response = poster_client.post(post_url(topic), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Post.objects.exists()


def test_script_tag_needs_confirmation_then_shows_as_text(poster_client, topic):
    body = '<script>alert("x")</script>こんにちは'
    response = poster_client.post(post_url(topic), {"kind": "other", "body": body})
    html = response.content.decode()
    assert response.status_code == 400
    assert "HTMLのタグ（&lt;script&gt; など）は使えません" in html
    assert "<script>alert" not in html
    assert not Post.objects.exists()
    poster_client.post(post_url(topic), {"kind": "other", "body": body, "confirmed": "on"})
    page = poster_client.get(topic.get_absolute_url()).content.decode()
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;こんにちは" in page
        or '&lt;script&gt;alert("x")&lt;/script&gt;こんにちは' in page
    )
    assert '<script>alert("x")' not in page


def test_personal_info_warning_then_confirm(poster_client, topic):
    body = "クライアントの田中さんに 090-1234-5678 で連絡しました"
    response = poster_client.post(post_url(topic), {"kind": "troubled", "body": body})
    html = response.content.decode()
    assert "投稿する前に、もう一度だけ見直してください。" in html
    assert "電話番号のような数字" in html and "「田中さん」" in html
    assert "内容を見直しました。このまま投稿します" in html
    assert not Post.objects.exists()
    response = poster_client.post(post_url(topic), {"kind": "troubled", "body": body, "confirmed": "on"})
    assert response.status_code == 302
    assert Post.objects.get().body == body


def test_closed_topic_refuses_posts(poster_client, topic):
    Topic.objects.filter(pk=topic.pk).update(status=Topic.Status.CLOSED)
    response = poster_client.post(post_url(topic), {"kind": "solved", "body": "こんにちは"})
    assert response.status_code == 400
    assert "このお題は受付を終了しています。" in response.content.decode()
    assert not Post.objects.exists()
    assert "受付を終了しました" in poster_client.get(topic.get_absolute_url()).content.decode()


def test_suspended_user_reads_but_cannot_post(poster_client, poster, topic, staff):
    now = timezone.now()
    services.user_suspend(
        user=poster,
        actor=staff,
        reason="攻撃的な書き込みが続いたため",
        ends_at=now + dt.timedelta(days=7),
        now=now,
    )
    page = poster_client.get(topic.get_absolute_url()).content.decode()
    assert "まで、コミュニティへの投稿・返信・リアクション・通報を停止しています" in page
    assert "攻撃的な書き込みが続いたため" in page
    response = poster_client.post(post_url(topic), {"kind": "solved", "body": "こんにちは"})
    assert response.status_code == 400
    assert (
        "コミュニティへの投稿を停止しています（理由：攻撃的な書き込みが続いたため）"
        in response.content.decode()
    )
    assert not Post.objects.exists()


def test_new_account_limits(client, registered_user, topic):
    client.force_login(registered_user)
    other_topics = [TopicFactory(community=topic.community) for _ in range(3)]
    assert client.post(post_url(topic), {"kind": "solved", "body": "一つめ"}).status_code == 302
    response = client.post(post_url(other_topics[0]), {"kind": "solved", "body": "二つめ"})
    assert response.status_code == 400
    assert "続けて投稿するときに少し間をあけて" in response.content.decode()
    # Three posts spaced out are fine; the fourth on the first day is not.
    Post.objects.update(created_at=timezone.now() - dt.timedelta(minutes=10))
    assert client.post(post_url(other_topics[0]), {"kind": "solved", "body": "二つめ"}).status_code == 302
    Post.objects.update(created_at=timezone.now() - dt.timedelta(minutes=10))
    assert client.post(post_url(other_topics[1]), {"kind": "solved", "body": "三つめ"}).status_code == 302
    Post.objects.update(created_at=timezone.now() - dt.timedelta(minutes=10))
    response = client.post(post_url(other_topics[2]), {"kind": "solved", "body": "四つめ"})
    assert "投稿と返信をあわせて3件までにしています" in response.content.decode()
    assert Post.objects.count() == 3


def test_slow_mode(poster_client, topic):
    Topic.objects.filter(pk=topic.pk).update(slow_mode_seconds=300)
    assert poster_client.post(post_url(topic), {"kind": "solved", "body": "一つめ"}).status_code == 302
    response = poster_client.post(post_url(topic), {"kind": "other", "body": "二つめ"})
    assert "スローモード" in response.content.decode() and "5分" in response.content.decode()
    assert Post.objects.count() == 1
    page = poster_client.get(topic.get_absolute_url()).content.decode()
    assert "続けて投稿するときは5分ほど間をあけて" in page


# --- Replies ------------------------------------------------------------------------
def test_reply_to_a_post(poster_client, topic):
    parent = PostFactory(topic=topic)
    response = poster_client.post(
        reverse("community:reply-create", args=[parent.pk]), {"body": "わたしも同じことで悩みました。"}
    )
    reply = Post.objects.get(parent=parent)
    assert response.status_code == 302
    assert response.url.endswith(f"#post-{parent.pk}")
    assert reply.kind == "" and reply.topic == topic
    assert "わたしも同じことで悩みました。" in poster_client.get(topic.get_absolute_url()).content.decode()


def test_reply_to_a_deleted_post_is_refused(poster_client, topic):
    parent = PostFactory(topic=topic)
    services.post_delete(post=parent, user=parent.author, now=timezone.now())
    response = poster_client.post(reverse("community:reply-create", args=[parent.pk]), {"body": "返信します"})
    assert response.status_code == 400
    assert "この投稿は削除されたか表示されていないため、返信できません。" in response.content.decode()
    assert not Post.objects.filter(parent=parent).exists()


def test_reply_to_a_reply_is_refused(poster_client, topic):
    reply = ReplyFactory(parent=PostFactory(topic=topic))
    response = poster_client.post(reverse("community:reply-create", args=[reply.pk]), {"body": "返信します"})
    assert "返信には返信できません。" in response.content.decode()
    assert not Post.objects.filter(parent=reply).exists()


def test_reply_to_a_hidden_post_is_404(poster_client, topic, staff):
    parent = PostFactory(topic=topic)
    services.post_hide(post=parent, actor=staff, reason="スパム", now=timezone.now())
    assert (
        poster_client.post(
            reverse("community:reply-create", args=[parent.pk]), {"body": "返信します"}
        ).status_code
        == 404
    )


# --- Editing and deleting ---------------------------------------------------------------
def test_edit_own_post_keeps_history(poster_client, poster, topic):
    post = PostFactory(topic=topic, author=poster, created_at=timezone.now(), body="最初の文")
    response = poster_client.post(
        reverse("community:post-edit", args=[post.pk]), {"kind": "troubled", "body": "直した文"}
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.body == "直した文" and post.kind == "troubled" and post.edited_at
    assert PostRevision.objects.get(post=post).body == "最初の文"
    assert "（編集済み）" in poster_client.get(topic.get_absolute_url()).content.decode()


def test_edit_after_window_is_refused(poster_client, poster, topic):
    post = PostFactory(
        topic=topic, author=poster, body="最初の文", created_at=timezone.now() - dt.timedelta(hours=2)
    )
    assert "60分以内" in poster_client.get(reverse("community:post-edit", args=[post.pk])).content.decode()
    response = poster_client.post(
        reverse("community:post-edit", args=[post.pk]), {"kind": "solved", "body": "直した文"}
    )
    post.refresh_from_db()
    assert post.body == "最初の文" and response.status_code == 400
    assert not PostRevision.objects.exists()


def test_another_persons_post_is_404(poster_client, topic):
    post = PostFactory(topic=topic)
    for name in ["community:post-edit", "community:post-delete"]:
        assert poster_client.get(reverse(name, args=[post.pk])).status_code == 404
        assert (
            poster_client.post(
                reverse(name, args=[post.pk]), {"kind": "solved", "body": "乗っ取り"}
            ).status_code
            == 404
        )
    post.refresh_from_db()
    assert post.status == Post.Status.VISIBLE and post.body != "乗っ取り"


def test_delete_own_post_shows_deleted(poster_client, poster, topic):
    post = PostFactory(topic=topic, author=poster, body="消したい文")
    ReplyFactory(parent=post, body="残る返信")
    assert (
        "消したい文" in poster_client.get(reverse("community:post-delete", args=[post.pk])).content.decode()
    )
    response = poster_client.post(reverse("community:post-delete", args=[post.pk]))
    assert response.status_code == 302
    html = poster_client.get(topic.get_absolute_url()).content.decode()
    assert "この投稿は削除されました。" in html and "消したい文" not in html and "残る返信" in html
    post.refresh_from_db()
    assert post.status == Post.Status.DELETED
    assert PostRevision.objects.get(post=post).body == "消したい文"


def test_hidden_post_shows_its_reason_to_the_author_only(client, poster, topic, staff):
    post = PostFactory(topic=topic, author=poster, body="見えなくなる文")
    services.post_hide(post=post, actor=staff, reason="個人が特定できる内容のため", now=timezone.now())
    assert "見えなくなる文" not in client.get(topic.get_absolute_url()).content.decode()
    client.force_login(poster)
    html = client.get(topic.get_absolute_url()).content.decode()
    assert "見えなくなる文" in html
    assert "理由：個人が特定できる内容のため" in html


def test_a_reply_brings_its_post_to_the_top(poster_client, topic):
    older = PostFactory(topic=topic, body="前からある投稿", created_at=timezone.now() - dt.timedelta(days=5))
    PostFactory(topic=topic, body="新しめの投稿", created_at=timezone.now() - dt.timedelta(days=1))
    poster_client.post(reverse("community:reply-create", args=[older.pk]), {"body": "返信です"})
    html = poster_client.get(topic.get_absolute_url()).content.decode()
    assert html.index("前からある投稿") < html.index("新しめの投稿")
