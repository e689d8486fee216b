import sys
import time

from django.core.management.base import BaseCommand
from django.db import transaction

from consultations import embeddings, search


class Command(BaseCommand):
    help = (
        "保存されている相談事例から検索インデックスを作り直し、ベクトルのない事例にベクトルを作ります"
        "（中断しても、もう一度実行すれば続きから）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="ベクトルをすべて作り直す")
        parser.add_argument("--no-vectors", action="store_true", help="語のインデックスだけを作り直す")

    def handle(self, *args, force, no_vectors, **options):
        with transaction.atomic():
            count = search.rebuild_index(progress=self._bar("語のインデックス"))
        search.forget_synonyms()
        self.stdout.write(self.style.SUCCESS(f"検索インデックスを作り直しました（公開中の事例 {count}件）。"))
        if no_vectors:
            return
        started = time.perf_counter()
        # Each batch commits on its own: an interrupted run keeps what it made,
        # and the next run skips every case whose vector is current.
        written = search.embed_cases(force=force, progress=self._bar("ベクトル"), neighbours=False)
        seconds = time.perf_counter() - started
        rate = f"、{written / seconds:.1f}件/秒" if written and seconds else ""
        try:
            model = embeddings.backend().model_id
        except embeddings.EmbeddingsUnavailable:
            model = "なし"
        self.stdout.write(
            self.style.SUCCESS(
                f"ベクトルを {written}件 作りました（モデル {model}、{seconds:.0f}秒{rate}）。"
            )
        )
        if model == "なし":
            return
        started = time.perf_counter()
        lists = search.refresh_neighbours(progress=self._bar("似た相談事例"))
        self.stdout.write(
            self.style.SUCCESS(
                f"似た相談事例の一覧を {lists}件 作りました（{time.perf_counter() - started:.0f}秒）。"
            )
        )

    def _bar(self, label: str):
        out = self.stdout
        interactive = hasattr(sys.stdout, "isatty") and sys.stdout.isatty()

        def progress(done: int, total: int) -> None:
            width = 30
            filled = width * done // total if total else width
            line = f"{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
            if interactive:
                out.write("\r" + line, ending="\n" if done >= total else "")
                out.flush()
            elif done >= total or done % 1000 < 32:
                out.write(line)

        return progress
