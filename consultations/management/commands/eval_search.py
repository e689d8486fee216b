"""Search quality on the held-out set in tests/consultations/search_eval/.

Runs in a throw-away database (Django's test database for the configured one),
so the demo or production data is never touched: imports the set's cases
(and the demo glossary, the product's own synonyms), makes their vectors with
the configured embedding backend, then prints nDCG@10, recall@5 and MRR per
query kind and overall. ``--tune`` searches the fusion settings on the dev
split only; ``--failures`` shows, for the dev split only, which relevant
cases each imperfect query missed and where each ranking put them; the test
split is for reporting, never for tuning or looking at per query.
"""

from __future__ import annotations

import itertools
import json
import math
import time
from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from consultations import embeddings, fusion, search, services
from consultations.demo import DEMO_DIR
from consultations.models import Case

EVAL_DIR = Path(settings.BASE_DIR) / "tests" / "consultations" / "search_eval"
CACHE_DIR = Path(settings.BASE_DIR) / "var" / "cache"


def ndcg_at(ranked: list[str], relevant: dict[str, int], k: int = 10) -> float:
    dcg = sum((2 ** relevant.get(e, 0) - 1) / math.log2(i + 2) for i, e in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


# As the set's README asks: recall and MRR count cases graded 2 or 3
# ("clearly relevant"); nDCG uses every grade as its gain.
RELEVANT = 2


def recall_at(ranked: list[str], relevant: dict[str, int], k: int = 5) -> float:
    wanted = {e for e, g in relevant.items() if g >= RELEVANT}
    return len(wanted & set(ranked[:k])) / len(wanted) if wanted else 0.0


def reciprocal_rank(ranked: list[str], relevant: dict[str, int]) -> float:
    for i, e in enumerate(ranked, start=1):
        if relevant.get(e, 0) >= RELEVANT:
            return 1.0 / i
    return 0.0


def score(queries: list[dict], run) -> dict[str, dict[str, float]]:
    """{kind or "overall": {"ndcg@10", "recall@5", "mrr", "n"}}."""
    per: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for item in queries:
        ranked = run(item["query"])
        relevant = {str(k): int(v) for k, v in item["relevant"].items()}
        row = (ndcg_at(ranked, relevant), recall_at(ranked, relevant), reciprocal_rank(ranked, relevant))
        per[item.get("kind", "other")].append(row)
        per["overall"].append(row)
    return {
        kind: {
            "ndcg@10": sum(r[0] for r in rows) / len(rows),
            "recall@5": sum(r[1] for r in rows) / len(rows),
            "mrr": sum(r[2] for r in rows) / len(rows),
            "n": len(rows),
        }
        for kind, rows in per.items()
    }


class Command(BaseCommand):
    help = "検索の質（nDCG@10・recall@5・MRR）を、評価用の事例と質問で測ります（使い捨てのデータベース）。"

    def add_arguments(self, parser):
        parser.add_argument("--split", choices=["dev", "test", "all"], default="dev")
        parser.add_argument("--dir", default=str(EVAL_DIR), help="cases.jsonl と queries_*.jsonl のある場所")
        parser.add_argument("--lexical", action="store_true", help="ベクトルを使わず、語の一致だけで測る")
        parser.add_argument(
            "--semantic", action="store_true", help="ベクトルの近さだけで測る（モデルの比較用）"
        )
        parser.add_argument("--tune", action="store_true", help="dev で融合の設定を探す（test では不可）")
        parser.add_argument("--json", action="store_true", help="結果を JSON で出す")
        parser.add_argument(
            "--failures",
            action="store_true",
            help="dev の質問ごとに、取りこぼした事例と各ランキングでの順位を出す（test では不可）",
        )

    def handle(self, *args, split, dir, lexical, semantic, tune, json: bool, failures=False, **options):
        mode = "lexical" if lexical else "semantic" if semantic else "hybrid"
        folder = Path(dir)
        if tune and split != "dev":
            raise CommandError("調整（--tune）は dev だけで行います。test の結果は報告にだけ使います。")
        if failures and split != "dev":
            raise CommandError(
                "質問ごとの結果（--failures）は dev だけで見ます。test の結果は報告にだけ使います。"
            )
        splits = ["dev", "test"] if split == "all" else [split]
        queries = {s: _read(folder / f"queries_{s}.jsonl") for s in splits}
        cases_file = folder / "cases.jsonl"
        if not cases_file.exists():
            raise CommandError(f"評価用の事例がありません：{cases_file}")
        creation = connection.creation
        if connection.vendor != "sqlite":
            # Its own throw-away database: never the test suite's or bench_search's.
            connection.settings_dict.setdefault("TEST", {})["NAME"] = (
                f"test_{connection.settings_dict['NAME']}_eval"
            )
        old_name = creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        search.EMBED_ON_SAVE = False  # vectors are made below, in this process
        try:
            self._load(cases_file, lexical=lexical)
            if tune:
                self._tune(queries["dev"])
                return
            if failures:
                self._failures(queries["dev"])
                return
            results = {s: score(q, _runner(mode)) for s, q in queries.items()}
            if json:
                self.stdout.write(_json_dumps(results))
            else:
                self._print(results, mode)
        finally:
            search.EMBED_ON_SAVE = True
            search.forget_synonyms()
            search.forget_copies()
            creation.destroy_test_db(old_name, verbosity=0)

    def _load(self, cases_file: Path, *, lexical: bool) -> None:
        now = timezone.now()
        search.forget_synonyms()
        search.forget_copies()
        services.glossary_import(lines=(DEMO_DIR / "glossary.jsonl").read_text().splitlines(), now=now)
        services.cases_import(lines=cases_file.read_text(encoding="utf-8").splitlines(), now=now)
        search.forget_synonyms()
        if lexical:
            return
        inner = embeddings.backend()
        embeddings.set_backend(embeddings.DiskCached(inner, CACHE_DIR / "eval-passages.npz"))
        started = time.perf_counter()
        count = search.embed_cases()
        embeddings.set_backend(inner)
        self.stderr.write(f"{count}件のベクトル（{inner.model_id}）：{time.perf_counter() - started:.1f}秒")

    def _print(self, results: dict, mode: str) -> None:
        backend = "-" if mode == "lexical" else embeddings.backend().model_id
        self.stdout.write(f"database: {connection.vendor}   ranking: {mode}   embeddings: {backend}")
        for name, per_kind in results.items():
            self.stdout.write(f"\n[{name}]  {'kind':<10} {'n':>4} {'nDCG@10':>8} {'recall@5':>9} {'MRR':>6}")
            for kind in sorted(per_kind, key=lambda k: (k == "overall", k)):
                m = per_kind[kind]
                self.stdout.write(
                    f"{'':8}{kind:<10} {m['n']:>4} {m['ndcg@10']:>8.3f} {m['recall@5']:>9.3f} {m['mrr']:>6.3f}"
                )

    def _failures(self, queries: list[dict]) -> None:
        """Each dev query below a perfect nDCG@10: the top 10 with their grades,
        then each missed case (grade 2-3) with its lexical and semantic rank."""
        runs = {mode: _runner(mode, depth=FAILURE_DEPTH) for mode in ("hybrid", "lexical", "semantic")}
        titles = dict(Case.objects.values_list("external_id", "title"))
        for item in queries:
            relevant = {str(k): int(v) for k, v in item["relevant"].items()}
            ranked = {mode: run(item["query"]) for mode, run in runs.items()}
            lines = failure_lines(item, relevant, ranked, titles)
            if lines:
                self.stdout.write("\n".join(lines) + "\n")

    def _tune(self, queries: list[dict]) -> None:
        model_id = embeddings.backend().model_id
        names = ["K", "SEMANTIC_WEIGHT", "SEMANTIC_WEIGHT_LONG"]
        original = [getattr(fusion, n) for n in names], fusion.FLOOR.get(model_id)
        floor = fusion.floor_for(model_id)
        # Around the settings in use; the floor on the current model's scale.
        grid = [
            [10, 30, 60],
            [0.7, 1.0, 1.5],
            [1.5, 2.5, 4.0],
            [round(floor + d, 3) for d in (-0.02, 0, 0.02)],
        ]
        trials = []
        for *values, floor in itertools.product(*grid):
            for name, value in zip(names, values, strict=True):
                setattr(fusion, name, value)
            fusion.FLOOR[model_id] = floor
            m = score(queries, _runner("hybrid"))
            trials.append((m["overall"]["ndcg@10"], dict(zip(names, values, strict=True)), floor, m))
        for name, value in zip(names, original[0], strict=True):
            setattr(fusion, name, value)
        if original[1] is None:  # the model had no floor of its own: leave it so
            fusion.FLOOR.pop(model_id, None)
        else:
            fusion.FLOOR[model_id] = original[1]
        trials.sort(key=lambda t: -t[0])
        for ndcg, values, floor, m in trials[:10]:
            kinds = "  ".join(f"{kind} {v['ndcg@10']:.3f}" for kind, v in sorted(m.items()))
            self.stdout.write(f"nDCG@10 {ndcg:.3f}  {values} FLOOR={floor}   {kinds}")


FAILURE_DEPTH = 50  # how deep --failures looks for a missed case in each ranking


def failure_lines(
    item: dict, relevant: dict[str, int], ranked: dict[str, list[str]], titles: dict[str, str]
) -> list[str]:
    """What ``--failures`` prints for one query ([] when its nDCG@10 is 1)."""
    hybrid = ranked["hybrid"]
    value = ndcg_at(hybrid, relevant)
    if value >= 0.999:
        return []

    def rank_in(mode: str, case: str) -> str:
        order = ranked.get(mode, [])
        return str(order.index(case) + 1) if case in order else "-"

    lines = [
        f"{item['id']} {item.get('kind', '')} nDCG@10 {value:.2f}  {item['query']}",
        "  top10 " + " ".join(f"{c}:{relevant.get(c, 0)}" for c in hybrid[:10]),
    ]
    for case, grade in sorted(relevant.items(), key=lambda kv: -kv[1]):
        if grade >= RELEVANT and case not in hybrid[:10]:
            lines.append(
                f"  missed {case} (grade {grade}) lexical #{rank_in('lexical', case)}"
                f" semantic #{rank_in('semantic', case)}  {titles.get(case, '')}"
            )
    return lines


def _runner(mode: str, depth: int = 10):
    """The ranking to score: ``hybrid`` (search_cases), ``lexical`` or ``semantic`` alone."""

    def run(query: str) -> list[str]:
        if mode == "hybrid":
            return [c.external_id for c in search.search_cases(query, limit=10)]
        if mode == "lexical":
            ids = [h.case_id for h in search.find_lexical(search.parse(query), limit=depth)]
        else:
            # As search does: the query read as the index's words (mibarai → 未払い).
            text = search.parse(query).suggestion or query
            ids = [h.case_id for h, _ in search.find_semantic(text, limit=depth)]
        cases = Case.objects.in_bulk(ids)
        return [cases[i].external_id for i in ids if i in cases]

    return run


def _read(path: Path) -> list[dict]:
    if not path.exists():
        raise CommandError(f"評価用の質問がありません：{path}")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _json_dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1)
