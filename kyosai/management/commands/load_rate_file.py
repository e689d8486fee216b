"""Add a new version of a rate table from a JSON file like kyosai/rates/*.json.

The version in force until then is closed the day before the new one starts,
so quotes and policies priced earlier keep pointing at the table they used."""

import datetime as dt
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from kyosai import ratefiles
from kyosai.models import Benefit, Rate, RateTable


class Command(BaseCommand):
    help = "掛金・保障の表の新しい版を、出典つきのJSONファイルから登録します。"

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        try:
            data = ratefiles.read(path)
            if not data.get("source"):
                raise CommandError("出典（source）のないファイルは登録できません。")
            start = dt.date.fromisoformat(data["valid_from"])
            with transaction.atomic():
                previous = RateTable.objects.filter(
                    product=data["product"], valid_from__lt=start, valid_to__isnull=True
                ).first()
                if previous is not None:
                    previous.valid_to = start - dt.timedelta(days=1)
                    previous.full_clean()
                    previous.save(update_fields=["valid_to"])
                table, created = ratefiles.load(data, RateTable=RateTable, Rate=Rate, Benefit=Benefit)
                table.full_clean()
        except (KeyError, ValueError, ValidationError) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        if created:
            self.stdout.write(f"登録しました：{table}（{table.valid_from}から）")
        else:
            self.stdout.write(f"同じ版がすでにあります：{table}")
