from django.core.management.base import BaseCommand

from consultations.management.commands._importing import run_import
from consultations.services import cases_import


class Command(BaseCommand):
    help = "相談事例を JSON Lines ファイルから取り込みます（external_id が同じ事例は更新）。"

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        run_import(self, cases_import, file, "相談事例")
