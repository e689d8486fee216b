"""Speed of ``search_cases`` against a naive ``icontains`` scan.

Creates a throw-away database (Django's test database for the configured one,
e.g. ``test_worq_consult_bench``), fills it with generated cases built from
the demo content, times the query set of tests/consultations/search_queries.jsonl
and drops the database again (unless ``--keep``).

Vectors: the demo cases are embedded with the configured model; each
generated case gets its base case's vector mixed with its second case's and a
little noise (embedding 100,000 cases with the model on this machine would
take hours). The embedding throughput is measured on real generated cases and
reported, with the size of the index tables. Search times include the query
embedding: "cold" embeds every query (on a warm server: run after the warm
timing, with the query-vector cache emptied), "warm" finds it in the
per-process cache; the very first pass after loading is reported as well.
"""

import json
import os
import random
import re
import statistics
import time
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.utils import timezone

from consultations import embeddings, fusion, search, services, textsearch
from consultations.demo import DEMO_DIR
from consultations.models import Case, CaseEmbedding, SearchTerm
from worq.lib.vocab import ConsultationCategory, Occupation

CACHE_DIR = Path(settings.BASE_DIR) / "var" / "cache"
QUERIES = Path(settings.BASE_DIR) / "tests" / "consultations" / "search_queries.jsonl"
SENTENCE = re.compile(r"[^。！？\n]+[。！？]?")


class Command(BaseCommand):
    help = "検索の速さを、使い捨てのデータベースで測ります（search_cases と素朴な icontains の比較）。"

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=100_000)
        parser.add_argument("--runs", type=int, default=3, help="各クエリを何回ずつ測るか")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--keep", action="store_true", help="測ったあともデータベースを残す")
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="--keep で残したデータベースに同じ件数の事例があれば、作り直さずに測る（残したまま）",
        )

    def handle(self, *args, cases, runs, seed, keep, reuse=False, **options):
        creation = connection.creation
        old_name = creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=reuse)
        if reuse and Case.objects.count() != cases:  # not the kept one: start afresh
            creation.destroy_test_db(old_name, verbosity=0)
            old_name = creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        keep = keep or reuse
        search.EMBED_ON_SAVE = False
        try:
            self.stdout.write(
                f"使い捨てデータベース：{connection.settings_dict['NAME']}（{connection.vendor}）"
            )
            search.forget_synonyms()
            started = time.perf_counter()
            if reuse and Case.objects.count() == cases:
                self.stdout.write(f"残してあった {cases:,}件の事例で測ります（作り直しません）。")
            else:
                self._fill(cases, random.Random(seed))
                self.stdout.write(
                    f"{cases:,}件の事例を作成・索引化しました（{time.perf_counter() - started:.0f}秒）。"
                )
            queries = [json.loads(line)["query"] for line in QUERIES.read_text().splitlines() if line.strip()]
            started = time.perf_counter()
            search.vectors(), search.vocabulary(), search.synonyms()  # load this process's copies first
            self.stdout.write(
                f"このプロセスの索引のコピー（ベクトル等）の読み込み：{time.perf_counter() - started:.1f}秒"
            )
            self._load()
            embeddings.query_vector.cache_clear()
            first = self._time(lambda q: search.search_cases(q, limit=10), queries, 1, warm_up=False)
            ours = self._time(lambda q: search.search_cases(q, limit=10), queries, runs)
            # A running server meets a query it has not embedded yet: the
            # database and the process are warm, the query's vector is made.
            cold = []
            for _ in range(runs):
                embeddings.query_vector.cache_clear()
                cold += self._time(lambda q: search.search_cases(q, limit=10), queries, 1, warm_up=False)
            # The baseline is slow at scale: one pass is enough to compare.
            naive = self._time(lambda q: search.naive_search(q, limit=10), queries, 1, warm_up=False)
            self._report(len(queries), runs, ours, naive)
            self.stdout.write(
                f"search_cases（クエリのベクトルを毎回作る。{len(queries)}件 × {runs}回）: 中央値 {statistics.median(cold):8.1f} ms"
                f"   95パーセンタイル {statistics.quantiles(cold, n=20)[-1]:8.1f} ms"
            )
            self.stdout.write(
                f"search_cases（読み込み直後の1巡目。DB のキャッシュも冷えた状態）: 中央値 {statistics.median(first):8.1f} ms"
                f"   95パーセンタイル {statistics.quantiles(first, n=20)[-1]:8.1f} ms"
            )
            self._stages(queries)
            self._load()
            self._sizes(cases)
            self._similar()
        finally:
            search.EMBED_ON_SAVE = True
            search.forget_copies()
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

        base_vectors = self._base_vectors(sources)
        # The generated vectors pass as current for the configured model.
        digest = search._model_prefix() + "bench"
        gin = self._drop_gin_indexes()
        batch: list[tuple[Case, list[str], list[str]]] = []
        vectors: list[np.ndarray] = []
        terms: set = set()
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
            mixed = base_vectors[base["external_id"]] + 0.3 * base_vectors[other["external_id"]]
            vectors.append(mixed + self._noise(rng))
            if i < len(sources):
                terms |= textsearch.index_terms(f"{case.title}\n{case.question}\n{case.answer}")[1]
            if len(batch) == 2000 or i == count - 1:
                Case.objects.bulk_create([c for c, _, _ in batch])
                search.write_documents(batch, terms=terms)
                now_rows = timezone.now()
                CaseEmbedding.objects.bulk_create(
                    [
                        CaseEmbedding(
                            case_id=c.pk, digest=digest, vector=embeddings.to_bytes(v), updated_at=now_rows
                        )
                        for (c, _, _), v in zip(batch, embeddings.normalise(np.stack(vectors)), strict=True)
                    ],
                    batch_size=2000,
                )
                batch, vectors, terms = [], [], set()
        self._restore_gin_indexes(gin)
        self._throughput(rng)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")

    def _drop_gin_indexes(self) -> list[str]:
        """PostgreSQL: the GIN indexes are built once after the fill (as a
        restore would), not row by row; returns their definitions."""
        if connection.vendor != "postgresql":
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexdef ILIKE %s",
                [search.DOC_TABLE, "%USING gin%"],
            )
            found = cursor.fetchall()
            for name, _ in found:
                cursor.execute(f'DROP INDEX "{name}"')
        return [definition for _, definition in found]

    def _restore_gin_indexes(self, definitions: list[str]) -> None:
        with connection.cursor() as cursor:
            for definition in definitions:
                cursor.execute(definition)

    def _load(self) -> None:
        try:
            one, five, fifteen = os.getloadavg()
        except OSError:
            return
        self.stdout.write(
            f"マシンの負荷（load average 1/5/15分）：{one:.2f} {five:.2f} {fifteen:.2f}（{os.cpu_count()}コア）"
        )

    def _stages(self, queries: list[str]) -> None:
        """Each stage of search_cases alone, cold (every query embedded), so
        the figures can be read on a busy machine: wall ms, and for the query
        embedding also the CPU ms it took."""
        times: dict[str, list[float]] = {}

        def timed(stage, run):
            started = time.perf_counter()
            result = run()
            times.setdefault(stage, []).append((time.perf_counter() - started) * 1000)
            return result

        embeddings.query_vector.cache_clear()
        store = search.vectors()
        cat = ConsultationCategory.values[0]
        agreement: list[float] = []
        refined_agreement: list[float] = []
        for query in queries:
            parsed = timed("解析（parse）", lambda q=query: search.parse(q))
            timed("語の検索（SQL 1文）", lambda p=parsed: search.find_lexical(p, limit=search.FUSION_DEPTH))
            text = textsearch.clean(parsed.suggestion or query)
            cpu = time.thread_time()
            vector = timed("クエリのベクトル化", lambda t=text: embeddings.query_vector(t))
            times.setdefault("クエリのベクトル化（CPU時間）", []).append((time.thread_time() - cpu) * 1000)
            found = timed("ベクトルの走査", lambda v=vector: search._top(store, v, search.FUSION_DEPTH))
            if store.reduced is not None:
                agreement.append(_agreement({row for row, _ in found}, store, vector))
            # A short query's second reading (fusion.refine), among the
            # rows the first scan read exactly: against a scan of every row.
            ranking = search._semantic(text, store, limit=search.FUSION_DEPTH, category=None, occupation=None)
            refined = timed("意味の順位の引き直し（短い質問）", ranking.refined)
            if store.reduced is not None and ranking.found:
                nearest = [row for row, _ in ranking.found[: fusion.FEEDBACK_CASES]]
                moved = fusion.refine(vector, store.matrix[nearest])
                rows = {store.row_of[h.case_id] for h, _ in refined}
                refined_agreement.append(_agreement(rows, store, moved))
            timed(
                "ベクトルの走査（分類で絞る）",
                lambda v=vector, c=cat: search._top(store, v, 50, mask=store.mask(c, None)),
            )
            ids = [int(store.ids[row]) for row, _ in found[:10]]
            timed("事例の読み込み（in_bulk）", lambda i=ids: Case.objects.in_bulk(i))
        if agreement:
            self.stdout.write(
                f"ベクトルの2段階走査（{search.REDUCED_DIM}次元で候補 → 全次元で並べ替え）と全件走査の"
                f"上位{search.FUSION_DEPTH}件の一致：平均 {statistics.mean(agreement):.3f}・最小 {min(agreement):.3f}"
            )
        if refined_agreement:
            self.stdout.write(
                f"短い質問の引き直し（1回目の候補の中だけ）と全件走査の上位{search.FUSION_DEPTH}件の一致："
                f"平均 {statistics.mean(refined_agreement):.3f}・最小 {min(refined_agreement):.3f}"
            )
        self.stdout.write("段階ごと（クエリごとに1回、コールド）:")
        for stage, values in times.items():
            self.stdout.write(
                f"  {stage}: 中央値 {statistics.median(values):7.1f} ms"
                f"   95パーセンタイル {statistics.quantiles(values, n=20)[-1]:7.1f} ms"
            )

    def _similar(self) -> None:
        search.forget_copies()
        store = search.vectors()
        cases = list(Case.objects.order_by("?")[:50])
        CaseEmbedding.objects.filter(case__in=cases).update(neighbours=[], neighbour_floor=None)
        scanned = self._time(lambda c: search.similar_cases(c), cases, 1, warm_up=False)
        started = time.perf_counter()
        search.refresh_neighbours([c.pk for c in cases])
        incremental = time.perf_counter() - started
        stored = self._time(lambda c: search.similar_cases(c), cases, 1, warm_up=False)
        self.stdout.write(
            f"similar_cases: 中央値 {statistics.median(stored):.2f} ms"
            f"（保存した一覧を読む。95パーセンタイル {statistics.quantiles(stored, n=20)[-1]:.2f} ms）"
            f" / {statistics.median(scanned):.2f} ms（一覧がまだなく、ベクトルを走査）"
        )
        rows = np.arange(min(len(store.ids), 10 * search.NEIGHBOUR_BLOCK))
        started = time.perf_counter()
        lists = search.neighbour_lists(store, rows)
        per_case = (time.perf_counter() - started) / len(rows)
        size = statistics.mean(len(json.dumps(pairs)) for pairs in lists)
        self.stdout.write(
            f"似た相談事例の一覧づくり：全件なら {per_case * 1000:.2f} ms/件 × {len(store.ids):,}件"
            f" ≈ {per_case * len(store.ids):.0f}秒（rebuild_search_index）；新しい{len(cases)}件の一覧と"
            f"他の事例の一覧への追加 {incremental:.1f}秒（ベクトルを作るタスクの中で）；"
            f"一覧の大きさ 平均 {size:.0f} バイト/件"
        )

    def _base_vectors(self, sources: list[dict]) -> dict[str, np.ndarray]:
        started = time.perf_counter()
        texts = [
            embeddings.passage_text(title=s["title"], question=s["question"], answer=s["answer"])
            for s in sources
        ]
        cached = embeddings.DiskCached(embeddings.backend(), CACHE_DIR / "bench-passages.npz")
        matrix = cached.passages(texts)
        self.stdout.write(
            f"デモ事例 {len(texts)}件のベクトル（{embeddings.backend().model_id}）："
            f"{time.perf_counter() - started:.0f}秒"
        )
        return {s["external_id"]: v for s, v in zip(sources, matrix, strict=True)}

    def _noise(self, rng: random.Random) -> np.ndarray:
        if not hasattr(self, "_np_rng"):
            self._np_rng = np.random.default_rng(rng.randrange(2**32))
        return self._np_rng.normal(0, 0.01, embeddings.backend().dim).astype(np.float32)

    def _throughput(self, rng: random.Random, n: int = 16) -> None:
        sample = list(Case.objects.order_by("?")[:n])
        started = time.perf_counter()
        embeddings.backend().passages(
            [embeddings.passage_text(title=c.title, question=c.question, answer=c.answer) for c in sample]
        )
        seconds = time.perf_counter() - started
        self.stdout.write(f"ベクトル化の速さ：{n / seconds:.1f}件/秒（生成した事例 {n}件、このマシンで実測）")

    def _sizes(self, count: int) -> None:
        tables = [CaseEmbedding._meta.db_table, search.DOC_TABLE, SearchTerm._meta.db_table]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in tables:
                    cursor.execute("SELECT pg_total_relation_size(%s)", [table])
                    self.stdout.write(f"大きさ {table}: {cursor.fetchone()[0] / 2**20:.1f} MiB（索引込み）")
        vector_bytes = count * embeddings.backend().dim * 4
        self.stdout.write(
            f"ベクトル：{count:,}件 × {embeddings.backend().dim}次元 float32 = {vector_bytes / 2**20:.1f} MiB"
        )

    def _time(self, run, queries: list[str], runs: int, *, warm_up: bool = True) -> list[float]:
        for query in queries if warm_up else []:  # warm up caches and the tokenizer
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


def _agreement(rows: set[int], store, vector: np.ndarray) -> float:
    """The share of a full scan's first FUSION_DEPTH rows for ``vector`` that ``rows`` holds."""
    exact = np.argpartition(-(store.matrix @ vector), search.FUSION_DEPTH - 1)[: search.FUSION_DEPTH]
    return len(rows & set(exact.tolist())) / search.FUSION_DEPTH
