"""Reactions (htmx and plain forms) and reports, including the automatic hide."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from community.models import ModerationAction, Post, Reaction, Report
from tests.community.factories import PostFactory, SettledUserFactory

pytestmark = pytest.mark.django_db


def react(client, post, kind, on=True, **extra):
    return client.post(
        reverse("community:post-react", args=[post.pk]), {"kind": kind, "on": "1" if on else ""}, **extra
    )


def test_react_without_javascript_redirects_back(poster_client, poster, topic):
    post = PostFactory(topic=topic)
    response = react(poster_client, post, "empathy")
    assert response.status_code == 302 and response.url.endswith(f"#post-{post.pk}")
    post.refresh_from_db()
    assert post.empathy_count == 1 and post.helpful_count == 0
    html = poster_client.get(topic.get_absolute_url()).content.decode()
    assert 'aria-pressed="true">共感した <span class="count">1</span>' in html


def test_both_reactions_one_each_and_toggle_back(poster_client, poster, topic):
    post = PostFactory(topic=topic)
    react(poster_client, post, "empathy")
    react(poster_client, post, "helpful")
    post.refresh_from_db()
    assert (post.empathy_count, post.helpful_count) == (1, 1)
    react(poster_client, post, "empathy", on=False)
    post.refresh_from_db()
    assert (post.empathy_count, post.helpful_count) == (0, 1)
    assert list(Reaction.objects.values_list("kind", flat=True)) == ["helpful"]


def test_react_twice_counts_once_with_a_message(poster_client, topic):
    post = PostFactory(topic=topic)
    react(poster_client, post, "empathy")
    response = react(poster_client, post, "empathy", follow=True)
    assert "「共感した」はもう押してあります。" in response.content.decode()
    post.refresh_from_db()
    assert post.empathy_count == 1 and Reaction.objects.count() == 1


def test_react_with_htmx_returns_the_fragment(poster_client, topic):
    post = PostFactory(topic=topic)
    response = react(poster_client, post, "helpful", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith(f'<div class="reactions" id="reactions-{post.pk}">')
    assert 'aria-pressed="true">参考になった <span class="count">1</span>' in html
    assert "<html" not in html
    response = react(poster_client, post, "helpful", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "もう押してあります" in response.content.decode()


def test_cannot_react_to_own_post(poster_client, poster, topic):
    post = PostFactory(topic=topic, author=poster)
    response = react(poster_client, post, "empathy", follow=True)
    assert "自分の投稿にはリアクションできません。" in response.content.decode()
    assert not Reaction.objects.exists()


def test_bad_reaction_kind(poster_client, topic):
    post = PostFactory(topic=topic)
    response = react(poster_client, post, "like", follow=True)
    assert "リアクションの種類が正しくありません。" in response.content.decode()
    assert not Reaction.objects.exists()


def test_anonymous_cannot_react(client, topic):
    post = PostFactory(topic=topic)
    response = react(client, post, "empathy")
    assert response.status_code == 302 and reverse("account_login") in response.url
    assert not Reaction.objects.exists()


# --- Reports ---------------------------------------------------------------------
def report(client, post, reason="abuse", note=""):
    return client.post(reverse("community:post-report", args=[post.pk]), {"reason": reason, "note": note})


def test_report_a_post(poster_client, poster, topic):
    post = PostFactory(topic=topic)
    response = report(poster_client, post, "spam", "同じ宣伝が何度も")
    assert response.status_code == 302
    saved = Report.objects.get()
    assert (saved.reporter, saved.reason, saved.note) == (poster, "spam", "同じ宣伝が何度も")
    post.refresh_from_db()
    assert post.is_visible


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": ""}, "通報の理由を選んでください。"),
        ({"reason": "bad"}, "通報の理由を選んでください。"),
        ({"reason": "other", "note": "あ" * 1001}, "補足は1,000文字以内にしてください。"),
    ],
)
def test_report_bad_input(poster_client, topic, data, message):
    post = PostFactory(topic=topic)
    response = poster_client.post(reverse("community:post-report", args=[post.pk]), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Report.objects.exists()


def test_cannot_report_own_post(poster_client, poster, topic):
    post = PostFactory(topic=topic, author=poster)
    response = report(poster_client, post)
    assert response.status_code == 400
    assert "自分の投稿は通報できません。" in response.content.decode()
    assert not Report.objects.exists()


def test_cannot_report_twice(poster_client, topic):
    post = PostFactory(topic=topic)
    report(poster_client, post)
    response = report(poster_client, post)
    assert "この投稿はすでに通報いただいています。" in response.content.decode()
    assert Report.objects.count() == 1


def test_three_reporters_hide_the_post_and_tell_the_author(client, topic, django_capture_on_commit_callbacks):
    post = PostFactory(topic=topic, body="ひどい書き込み")
    reporters = [SettledUserFactory() for _ in range(3)]
    for i, reporter in enumerate(reporters):
        client.force_login(reporter)
        with django_capture_on_commit_callbacks(execute=True):
            report(client, post)
        post.refresh_from_db()
        assert post.is_visible is (i < 2)
    assert post.status == Post.Status.AUTO_HIDDEN
    assert "3人から通報があったため" in post.hidden_reason
    action = ModerationAction.objects.get()
    assert action.action == "auto_hide" and action.actor is None and action.post == post
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [post.author.email]
    assert "一時的に非表示" in mail.outbox[0].body
    client.logout()
    assert "ひどい書き込み" not in client.get(topic.get_absolute_url()).content.decode()
    client.force_login(post.author)
    html = client.get(topic.get_absolute_url()).content.decode()
    assert "ひどい書き込み" in html and "3人から通報があったため" in html
    mypage = client.get(reverse("members:mypage")).content.decode()
    assert "非表示になっています。理由：3人から通報があったため" in mypage
    assert "3人から通報" not in client.get(reverse("home")).content.decode()
    assert timezone.now() >= action.created_at
