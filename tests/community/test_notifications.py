"""Reply e-mails: after commit, with an off switch, at most one per topic per hour."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from community import services
from community.models import Post, ReplyNotice
from community.tasks import send_reply_notice
from tests.community.factories import PostFactory, ReplyFactory, SettledUserFactory, TopicFactory

pytestmark = pytest.mark.django_db


def reply(client, post, body="同じことで困っていました"):
    return client.post(reverse("community:reply-create", args=[post.pk]), {"body": body})


def test_reply_emails_the_author_after_commit(
    poster_client, poster, topic, django_capture_on_commit_callbacks
):
    parent = PostFactory(topic=topic)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reply(poster_client, parent)
    assert mail.outbox == [] and callbacks
    with django_capture_on_commit_callbacks(execute=True):
        # The task itself queues the e-mail for after its own commit.
        for callback in callbacks:
            callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [parent.author.email]
    assert "ながく使う人 さんから返信がありました" in message.subject
    assert "同じことで困っていました" in message.body
    assert f"#post-{parent.pk}" in message.body
    assert poster.email not in message.body


def test_no_email_when_switched_off(poster_client, topic, django_capture_on_commit_callbacks):
    parent = PostFactory(topic=topic, author=SettledUserFactory(reply_notifications=False))
    with django_capture_on_commit_callbacks(execute=True):
        reply(poster_client, parent)
    assert Post.objects.filter(parent=parent).exists()
    assert mail.outbox == []


def test_no_email_for_replying_to_yourself(poster_client, poster, topic, django_capture_on_commit_callbacks):
    parent = PostFactory(topic=topic, author=poster)
    with django_capture_on_commit_callbacks(execute=True):
        reply(poster_client, parent)
    assert mail.outbox == []


def test_at_most_one_email_per_topic_per_hour(topic, django_capture_on_commit_callbacks):
    parent = PostFactory(topic=topic)
    second_parent = PostFactory(topic=topic, author=parent.author)
    elsewhere = PostFactory(topic=TopicFactory(), author=parent.author)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reply_notice_send(reply=ReplyFactory(parent=parent), now=now)
        assert not services.reply_notice_send(
            reply=ReplyFactory(parent=second_parent), now=now + dt.timedelta(minutes=59)
        )
        assert services.reply_notice_send(
            reply=ReplyFactory(parent=elsewhere), now=now + dt.timedelta(minutes=5)
        )
        assert services.reply_notice_send(
            reply=ReplyFactory(parent=parent), now=now + dt.timedelta(minutes=61)
        )
    assert len(mail.outbox) == 3
    assert ReplyNotice.objects.count() == 2


def test_task_is_safe_to_run_twice(topic, django_capture_on_commit_callbacks):
    answer = ReplyFactory(parent=PostFactory(topic=topic))
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reply_notice(answer.pk) is True
        assert send_reply_notice(answer.pk) is False
        assert send_reply_notice(999999) is False
    assert len(mail.outbox) == 1


def test_no_email_to_a_deleted_account(topic, django_capture_on_commit_callbacks):
    from members.services import account_delete

    parent = PostFactory(topic=topic)
    account_delete(user=parent.author, now=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert not services.reply_notice_send(reply=ReplyFactory(parent=parent), now=timezone.now())
    assert mail.outbox == []
