from django.core.management.base import BaseCommand

from consultations.management.commands._importing import run_import
from consultations.services import glossary_import


class Command(BaseCommand):
    help = "用語集を JSON Lines ファイルから取り込みます（term が同じ用語は更新）。"

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        run_import(self, glossary_import, file, "用語")
