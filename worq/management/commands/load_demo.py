from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from worq.demo_mode import mark_demo_loaded

# In dependency order: members first (the demo people), then the feature apps.
DEMO_APPS = ["members", "consultations", "kyosai", "community", "magazine", "opinionbox"]


class Command(BaseCommand):
    help = "デモ用コンテンツを読み込みます（何度実行しても同じ結果になります）。"

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("本番環境（DJANGO_ENV=production）ではデモコンテンツを読み込めません。")
        for app in DEMO_APPS:
            module = import_module(f"{app}.demo")
            with transaction.atomic():
                summary = module.load(stdout=self.stdout)
            self.stdout.write(f"  {app}: {summary or 'ok'}")
        mark_demo_loaded()
        self.stdout.write(self.style.SUCCESS("デモコンテンツの読み込みが完了しました。"))
