"""``manage.py check_terms FILE``: the INTERFACES.md JSON for an order, e-mail
or message (FILE may be ``-`` for standard input; .txt or .pdf)."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from consultations.terms_checker import TermsInputError, check_terms, pdf_text


def read_input(name: str, stdin) -> str:
    if name == "-":
        data = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read()
    else:
        try:
            data = Path(name).read_bytes()
        except OSError as exc:
            raise TermsInputError(f"ファイルを読めませんでした：{name}") from exc
    if isinstance(data, str):
        return data
    if data.startswith(b"%PDF-"):
        return pdf_text(data)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TermsInputError("文字コードがUTF-8のテキストか、文字の入ったPDFを指定してください。") from exc


class Command(BaseCommand):
    help = "発注書・メール・メッセージの文章から、フリーランス法で明示が必要な取引条件を確かめます。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="テキストかPDFのファイル（- で標準入力）")

    def handle(self, *args, **options):
        try:
            report = check_terms(read_input(options["file"], sys.stdin))
        except TermsInputError as exc:
            self.stderr.write(str(exc))
            sys.exit(2)
        self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
