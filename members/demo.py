"""Demo accounts and coupons. Idempotent: keyed by e-mail / title."""

import datetime as dt
import sys
from pathlib import Path

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone

from members import services
from members.models import Coupon, NetworkMembership, User

DEMO_PASSWORD = "worq-demo-2026"
STAFF_EMAIL = "staff@worq.example.jp"
# Known only to the demo database; `manage.py demo_totp` prints the current code.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

DEMO_MEMBERS = [
    # email, nickname, full name, kana, birth date, sex, prefecture, occupation, work styles
    (
        "sakura@example.jp",
        "さくら",
        "山田 さくら",
        "ヤマダ サクラ",
        dt.date(1990, 5, 12),
        "female",
        "東京都",
        "IT・クリエイティブ・ライター",
        ["フリーランス", "副業・兼業"],
    ),
    (
        "kenta@example.jp",
        "けんた",
        "佐藤 健太",
        "サトウ ケンタ",
        dt.date(1985, 11, 3),
        "male",
        "大阪府",
        "配送・デリバリー・貨物",
        ["業務委託", "プラットフォームワーク"],
    ),
    (
        "mika@example.jp",
        "みか",
        "鈴木 美香",
        "スズキ ミカ",
        dt.date(1978, 2, 20),
        "female",
        "福岡県",
        "ベビーシッター・保育・家事代行",
        ["業務委託"],
    ),
    (
        # Enrolled in 労災保険特別加入（特定フリーランス）: instructs at studios under 業務委託.
        "yui@example.jp",
        "ゆい",
        "高橋 結衣",
        "タカハシ ユイ",
        dt.date(1994, 7, 8),
        "female",
        "神奈川県",
        "インストラクター・トレーナー",
        ["業務委託"],
    ),
]
DEMO_REGISTERED = [("guest@example.jp", "はじめての人")]

COUPONS = [
    {
        "partner": "（デモ）コワーキングスペース協力店",
        "title": "（デモ）ドロップイン利用料 10％割引",
        "description": "これはデモ用のクーポンです。実在の店舗・特典ではありません。",
        "how_to_use": "受付でクーポンコードをお伝えください。",
        "code": "DEMO-WORQ-10",
    },
    {
        "partner": "（デモ）会計ソフト提供会社",
        "title": "（デモ）確定申告ソフト 初年度20％割引",
        "description": "これはデモ用のクーポンです。実在の会社・特典ではありません。",
        "how_to_use": "申し込み画面のクーポン欄にコードを入力してください。",
        "code": "DEMO-TAX-20",
    },
]


# Demo people are established members: joined long enough ago that the
# community's first-day limits (community.rules) do not apply to them.
DEMO_JOINED_DAYS_AGO = 90


def _user(email: str, nickname: str, *, staff: bool = False) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, password=DEMO_PASSWORD, nickname=nickname, is_staff=staff, is_superuser=staff
        )
    established = timezone.now() - dt.timedelta(days=DEMO_JOINED_DAYS_AGO)
    if user.date_joined > established:
        User.objects.filter(pk=user.pk).update(date_joined=established)
        user.date_joined = established
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def demo_totp_command() -> str:
    """The command that prints the code, with the interpreter that has Django
    (a fresh machine may have no ``python`` at all, or one without Django)."""
    python = Path(sys.executable)
    try:
        python = python.relative_to(Path.cwd())
    except ValueError:
        pass
    return f"{python} manage.py demo_totp"


def load(*, stdout) -> str:
    now = timezone.now()
    staff = _user(STAFF_EMAIL, "Wor-Q運営", staff=True)
    staff.groups.set(Group.objects.filter(name__in=["編集", "モデレーター", "共済担当", "相談担当"]))
    if not Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists():
        Authenticator.objects.create(
            user=staff, type=Authenticator.Type.TOTP, data={"secret": encrypt(DEMO_TOTP_SECRET)}
        )
    for email, nickname, *profile in DEMO_MEMBERS:
        user = _user(email, nickname)
        if not NetworkMembership.objects.filter(user=user).exists():
            name, kana, birth, sex, pref, occupation, styles = profile
            services.membership_create(
                user=user,
                now=now,
                data={
                    "full_name": name,
                    "full_name_kana": kana,
                    "birth_date": birth,
                    "sex": sex,
                    "prefecture": pref,
                    "occupation": occupation,
                    "work_styles": styles,
                },
            )
    for email, nickname in DEMO_REGISTERED:
        _user(email, nickname)
    today = timezone.localdate(now)
    for data in COUPONS:
        Coupon.objects.get_or_create(
            title=data["title"],
            defaults={
                **data,
                "valid_from": today.replace(day=1),
                "valid_to": today.replace(day=1) + dt.timedelta(days=365),
            },
        )
    if settings.DEBUG:
        stdout.write(
            f"  管理画面: {settings.SITE_URL}/admin/ ／ {STAFF_EMAIL} ／ パスワード {DEMO_PASSWORD}\n"
            f"  ワンタイムコード: {demo_totp_command()}\n"
            f"  デモ会員: {DEMO_MEMBERS[0][0]} ほか ／ パスワード {DEMO_PASSWORD}"
        )
    return f"{User.objects.count()} users, {Coupon.objects.count()} coupons"
