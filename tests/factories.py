"""factory_boy factories shared by every app's tests."""

import datetime as dt

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.utils import timezone

from members.models import Coupon, NetworkMembership, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.jp")
    nickname = factory.Sequence(lambda n: f"ユーザー{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """Registered users have a verified primary address (verified=False to skip)."""
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)
        if create:
            self.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NetworkMembership

    user = factory.SubFactory(UserFactory)
    member_number = factory.Sequence(lambda n: f"WQ-2026-{n + 900000:06d}")
    full_name = "山田 太郎"
    full_name_kana = "ヤマダ タロウ"
    birth_date = dt.date(1988, 4, 1)
    sex = "male"
    prefecture = "東京都"
    occupation = "IT・クリエイティブ・ライター"
    work_styles = factory.LazyFunction(lambda: ["フリーランス"])
    terms_consented_at = factory.LazyFunction(timezone.now)


class CouponFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Coupon

    partner = "テスト協力店"
    title = factory.Sequence(lambda n: f"テストクーポン{n}")
    description = "説明"
    how_to_use = "使い方"
    code = factory.Sequence(lambda n: f"CODE-{n}")
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=1))
    valid_to = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=30))


def make_staff(*groups: str, email: str = "staff@example.jp", nickname: str = "スタッフ"):
    """A staff user in ``groups`` with a TOTP authenticator (admin needs MFA)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import encrypt

    user = UserFactory(email=email, nickname=nickname, is_staff=True)
    user.groups.set(Group.objects.filter(name__in=groups))
    Authenticator.objects.create(
        user=user,
        type=Authenticator.Type.TOTP,
        data={"secret": encrypt("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")},
    )
    return user
