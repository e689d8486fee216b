import time

from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from members.demo import DEMO_TOTP_SECRET, STAFF_EMAIL


class Command(BaseCommand):
    help = "デモ用スタッフの二段階認証コードを表示します（DEBUG のときだけ）。"

    def handle(self, *args, **options):
        if not settings.DEBUG or settings.PRODUCTION:
            raise CommandError("このコマンドは開発環境（DEBUG=true）でだけ使えます。")
        counter = int(time.time()) // app_settings.TOTP_PERIOD
        code = format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counter))
        self.stdout.write(f"{STAFF_EMAIL} のワンタイムコード: {code}（30秒ごとに変わります）")
