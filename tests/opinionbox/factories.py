import datetime as dt

import factory
from django.utils import timezone

from opinionbox.models import Opinion, Result, Tag, Theme
from tests.factories import UserFactory


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme

    title = factory.Sequence(lambda n: f"テーマ{n}")
    description = "説明"
    why_we_ask = "理由"
    opens_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=3))
    closes_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=10))
    status = Theme.Status.OPEN


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"タグ{n}")


class OpinionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Opinion

    theme = factory.SubFactory(ThemeFactory)
    author = factory.SubFactory(UserFactory)
    text = factory.Sequence(lambda n: f"意見その{n}")
    occupation = "IT・クリエイティブ・ライター"
    work_style = "フリーランス"
    publication = Opinion.Publication.ANONYMOUS


class ResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Result

    theme = factory.SubFactory(ThemeFactory)
    heard = "寄せられた声のまとめ"
    will_do = "これから取り組むこと"
