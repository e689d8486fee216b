import datetime as dt

import factory
from django.utils import timezone

from community import textcheck
from community.models import Community, Post, Topic
from tests.factories import UserFactory


class SettledUserFactory(UserFactory):
    """A registered user past the first-day limits."""

    date_joined = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=30))


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"test-community-{n}")
    name = factory.Sequence(lambda n: f"テストコミュニティ{n}")
    occupation = "IT・クリエイティブ・ライター"
    description = "テスト用のコミュニティです。"


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    community = factory.SubFactory(CommunityFactory)
    title = factory.Sequence(lambda n: f"テストのお題{n}")
    prompt = "困っていたことや、解決した方法を教えてください。"


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    topic = factory.SubFactory(TopicFactory)
    author = factory.SubFactory(SettledUserFactory)
    kind = Post.Kind.SOLVED
    body = factory.Sequence(lambda n: f"請求書の支払期日を先に確認するようにしました。その{n}")
    body_html = factory.LazyAttribute(lambda o: textcheck.render(o.body))
    created_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=2))
    last_activity_at = factory.LazyAttribute(lambda o: o.created_at)


class ReplyFactory(PostFactory):
    parent = factory.SubFactory(PostFactory)
    topic = factory.LazyAttribute(lambda o: o.parent.topic)
    kind = ""
    body = factory.Sequence(lambda n: f"わかります、わたしも同じでした。{n}")
