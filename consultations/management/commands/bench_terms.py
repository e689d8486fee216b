"""``manage.py bench_terms``: how long checking a 10,000-character text takes
(target: under 200 ms). A benchmark, not a timed test."""

import statistics
import time

from django.core.management.base import BaseCommand

from consultations.management.commands.eval_terms import load
from consultations.terms_checker import check_terms


def sample_text(chars: int = 10_000) -> str:
    """Real-looking text: the evaluation texts one after another, cut to size."""
    texts = [row["text"] for row in load()]
    out, i = [], 0
    while sum(len(t) + 2 for t in out) < chars:
        out.append(texts[i % len(texts)])
        i += 1
    return "\n\n".join(out)[:chars]


class Command(BaseCommand):
    help = "10,000文字の文章を確かめる時間を測ります（中央値・p95）。"

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=30)
        parser.add_argument("--chars", type=int, default=10_000)

    def handle(self, *args, **options):
        text = sample_text(options["chars"])
        check_terms(text)  # load the dictionary once, as a running server has
        times = []
        for _ in range(options["runs"]):
            start = time.perf_counter()
            check_terms(text)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        self.stdout.write(
            f"check_terms on {len(text):,} characters, {len(times)} runs: "
            f"median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, max {times[-1]:.1f} ms "
            f"(target < 200 ms)"
        )
