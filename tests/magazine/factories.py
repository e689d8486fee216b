import datetime as dt

import factory
from django.utils import timezone

from magazine.models import Article, Campaign, Category, Feature, Subscription, Tag
from tests.factories import MembershipFactory, UserFactory


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"カテゴリ{n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"タグ{n}")
    slug = factory.Sequence(lambda n: f"tag-{n}")


class FeatureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feature

    title = factory.Sequence(lambda n: f"特集{n}")
    slug = factory.Sequence(lambda n: f"feature-{n}")
    month = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"記事タイトル{n}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    lead = "リード文です。"
    body = "## 見出し\n\n本文です。"
    category = factory.SubFactory(CategoryFactory)
    author_byline = "Wor-Q編集部"
    published_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))


class SubscriptionFactory(factory.django.DjangoModelFactory):
    """A confirmed subscriber (newsletter_opt_in set, as confirmation does)."""

    class Meta:
        model = Subscription

    user = factory.SubFactory(UserFactory, newsletter_opt_in=True)
    status = Subscription.Status.CONFIRMED
    requested_at = factory.LazyFunction(timezone.now)
    confirmed_at = factory.LazyFunction(timezone.now)


def member_subscriber(occupation: str = "IT・クリエイティブ・ライター", **kwargs) -> Subscription:
    user = MembershipFactory(occupation=occupation).user
    user.newsletter_opt_in = True
    user.save(update_fields=["newsletter_opt_in"])
    return SubscriptionFactory(user=user, **kwargs)


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    subject = "Wor-Q Letters 12月号"
    body = "こんにちは。**今月の特集**です。\n\n[記事を読む](https://worq.example.jp/magazine/)"
    test_sent_at = factory.LazyFunction(timezone.now)
