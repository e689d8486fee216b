import datetime as dt

import factory
from django.utils import timezone

from consultations.models import (
    AnswerEntry,
    Case,
    ConsultationChannel,
    ConsultationRequest,
    EngagementRecord,
    GlossaryTerm,
    Lawyer,
    LawyerReferral,
    UsefulLink,
)


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case
        skip_postgeneration_save = True

    external_id = factory.Sequence(lambda n: f"T-{n:05d}")
    title = "契約書がないまま仕事を始めてしまった"
    question = "口約束だけで仕事を始めました。大丈夫でしょうか。"
    answer = "取引の条件は書面やメールで残しておきましょう。"
    category = "契約・取引条件"
    occupations = factory.LazyFunction(lambda: ["IT・クリエイティブ・ライター"])
    memo = ""
    published_at = factory.LazyFunction(timezone.now)


class GlossaryTermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GlossaryTerm
        skip_postgeneration_save = True
        django_get_or_create = ("term",)

    term = factory.Sequence(lambda n: f"用語{n}")
    reading = "ようご"
    definition = "説明です。"
    aliases = factory.LazyFunction(list)


class AnswerEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnswerEntry

    category = "契約・取引条件"
    question = factory.Sequence(lambda n: f"契約書がないけど大丈夫？{n}")
    answer = "口約束でも契約は成り立ちますが、条件は書面で残しましょう。"


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsultationChannel
        django_get_or_create = ("kind",)

    kind = "phone"
    name = "なんでも労働相談ダイヤル"
    summary = "労働組合の相談員が電話で相談を受けます。"
    contact = "0120-154-052"


class ConsultationRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsultationRequest

    email = factory.Sequence(lambda n: f"asker{n}@example.jp")
    category = "報酬・支払い"
    occupation = "配送・デリバリー・貨物"
    prefecture = "東京都"
    what_happened = "報酬が払われません。"
    consented_at = factory.LazyFunction(timezone.now)


class LawyerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lawyer

    name = factory.Sequence(lambda n: f"（テスト）弁護士 {n}")
    specialties = factory.LazyFunction(lambda: ["報酬・支払い"])
    prefectures = factory.LazyFunction(lambda: ["東京都"])
    online = False


class LawyerReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LawyerReferral

    category = "報酬・支払い"
    prefecture = "東京都"
    summary = "報酬の未払いについて弁護士に相談したいです。"


class UsefulLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UsefulLink

    category = "確定申告関係"
    title = factory.Sequence(lambda n: f"リンク{n}")
    url = factory.Sequence(lambda n: f"https://example.jp/{n}")
    description = "説明"


class EngagementRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EngagementRecord

    client_name = "株式会社テスト制作"
    client_has_employees = "yes"
    start_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=100))
    work = "Webサイトのイラスト5点"
    fee = 50000
    delivered_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=80))


# What a person types into the e-mail consultation form (views and security tests).
REQUEST_FORM_DATA = {
    "email": "asker@example.jp",
    "name": "たろう",
    "category": "報酬・支払い",
    "occupation": "配送・デリバリー・貨物",
    "prefecture": "東京都",
    "what_happened": "報酬が2か月払われません。",
    "what_wanted": "払ってほしい",
    "contact_method": "email",
    "consent": "on",
}
