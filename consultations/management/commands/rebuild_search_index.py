from django.core.management.base import BaseCommand
from django.db import transaction

from consultations.search import forget_synonyms, rebuild_index


class Command(BaseCommand):
    help = "保存されている相談事例から検索インデックスを作り直します。"

    def handle(self, *args, **options):
        with transaction.atomic():
            count = rebuild_index()
        forget_synonyms()
        self.stdout.write(self.style.SUCCESS(f"検索インデックスを作り直しました（公開中の事例 {count}件）。"))
