"""Speed of ``search_cases`` against a naive ``icontains`` scan.

Creates a throw-away database (Django's test database for the configured one,
e.g. ``test_worq_consult_bench``), fills it with generated cases built from
the demo content, times the query set of tests/consultations/search_queries.jsonl
and drops the database again (unless ``--keep``).
"""

import json
import random
import re
import statistics
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.utils import timezone

from consultations import search, services, textsearch
from consultations.demo import DEMO_DIR
from consultations.models import Case
from worq.lib.vocab import ConsultationCategory, Occupation

QUERIES = Path(settings.BASE_DIR) / "tests" / "consultations" / "search_queries.jsonl"
SENTENCE = re.compile(r"[^。！？\n]+[。！？]?")


class Command(BaseCommand):
    help = "検索の速さを、使い捨てのデータベースで測ります（search_cases と素朴な icontains の比較）。"

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=100_000)
        parser.add_argument("--runs", type=int, default=3, help="各クエリを何回ずつ測るか")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--keep", action="store_true", help="測ったあともデータベースを残す")

    def handle(self, *args, cases, runs, seed, keep, **options):
        creation = connection.creation
        old_name = creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            self.stdout.write(
                f"使い捨てデータベース：{connection.settings_dict['NAME']}（{connection.vendor}）"
            )
            search.forget_synonyms()
            started = time.perf_counter()
            self._fill(cases, random.Random(seed))
            self.stdout.write(
                f"{cases:,}件の事例を作成・索引化しました（{time.perf_counter() - started:.0f}秒）。"
            )
            queries = [json.loads(line)["query"] for line in QUERIES.read_text().splitlines() if line.strip()]
            ours = self._time(lambda q: search.search_cases(q, limit=10), queries, runs)
            naive = self._time(lambda q: search.naive_search(q, limit=10), queries, runs)
            self._report(len(queries), runs, ours, naive)
        finally:
            search.forget_synonyms()
            if not keep:
                creation.destroy_test_db(old_name, verbosity=0)

    def _fill(self, count: int, rng: random.Random) -> None:
        now = timezone.now()
        services.glossary_import(lines=(DEMO_DIR / "glossary.jsonl").read_text().splitlines(), now=now)
        sources = [json.loads(line) for line in (DEMO_DIR / "cases.jsonl").read_text().splitlines() if line]
        sentences = {}
        for source in sources:
            for key in ("question", "answer", "memo"):
                sentences[(source["external_id"], key)] = SENTENCE.findall(source.get(key) or "")
        pool = [s for parts in sentences.values() for s in parts]
        tokens_of: dict[str, list[str]] = {}

        def tokens(text: str) -> list[str]:
            if text not in tokens_of:
                tokens_of[text] = textsearch.index_tokens(text)
            return tokens_of[text]

        batch: list[tuple[Case, list[str], list[str]]] = []
        for i in range(count):
            base = sources[i % len(sources)]
            other = rng.choice(sources)
            question = sentences[(base["external_id"], "question")][:]
            answer = sentences[(base["external_id"], "answer")][:]
            rng.shuffle(answer)
            question.insert(rng.randrange(len(question) + 1), rng.choice(pool))
            answer += rng.sample(pool, 2)
            memo = sentences[(other["external_id"], "memo")]
            title_parts = [base["title"]]
            if rng.random() < 0.5:
                title_parts.append(other["title"].split("、")[0][:20])
            case = Case(
                external_id=f"BENCH-{i:07d}",
                title=" ／ ".join(title_parts)[:200],
                question="".join(question),
                answer="".join(answer),
                memo="".join(memo),
                category=base["category"] if rng.random() < 0.8 else rng.choice(ConsultationCategory.values),
                occupations=rng.sample(Occupation.values, rng.randint(0, 2)),
                members_only=bool(base.get("members_only")),
                published_at=now - timezone.timedelta(days=rng.randint(0, 3 * 365)),
            )
            title_tokens = [t for part in title_parts for t in tokens(part)]
            body_tokens = [t for s in question + answer + memo for t in tokens(s)]
            batch.append((case, title_tokens, body_tokens))
            if len(batch) == 2000 or i == count - 1:
                Case.objects.bulk_create([c for c, _, _ in batch])
                search.write_documents(batch)
                batch = []
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    def _time(self, run, queries: list[str], runs: int) -> list[float]:
        for query in queries:  # warm up caches and the tokenizer
            run(query)
        timings = []
        for _ in range(runs):
            for query in queries:
                started = time.perf_counter()
                run(query)
                timings.append((time.perf_counter() - started) * 1000)
        return timings

    def _report(self, n: int, runs: int, ours: list[float], naive: list[float]) -> None:
        def p95(values):
            return statistics.quantiles(values, n=20)[-1]

        ours_median, naive_median = statistics.median(ours), statistics.median(naive)
        self.stdout.write(f"クエリ {n}件 × {runs}回")
        self.stdout.write(
            f"search_cases : 中央値 {ours_median:8.1f} ms   95パーセンタイル {p95(ours):8.1f} ms"
        )
        self.stdout.write(
            f"naive icontains: 中央値 {naive_median:8.1f} ms   95パーセンタイル {p95(naive):8.1f} ms"
        )
        self.stdout.write(f"中央値の比（naive / search_cases）：{naive_median / ours_median:.1f}倍")
