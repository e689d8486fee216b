"""Shared body of the import commands: read the file, call the service,
report line-numbered errors (and save nothing) or a summary."""

from pathlib import Path

from django.core.management.base import CommandError
from django.utils import timezone

from consultations.services import ImportFailed


def run_import(command, service, path: str, noun: str) -> None:
    file = Path(path)
    if not file.is_file():
        raise CommandError(f"ファイルが見つかりません：{path}")
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise CommandError(f"UTF-8 で読めないファイルです：{path}") from None
    try:
        result = service(lines=lines, now=timezone.now())
    except ImportFailed as exc:
        shown = exc.errors[:50]
        more = f"\n…ほか{len(exc.errors) - 50}件" if len(exc.errors) > 50 else ""
        raise CommandError(
            "取り込みを中止しました。ファイルの内容は何も保存していません。\n" + "\n".join(shown) + more
        ) from None
    for note in result.notes:
        command.stdout.write(command.style.WARNING(note))
    command.stdout.write(
        command.style.SUCCESS(f"{noun}を取り込みました：新規 {result.created}件、更新 {result.updated}件。")
    )
