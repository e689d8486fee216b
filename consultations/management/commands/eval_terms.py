"""``manage.py eval_terms [--split dev|test|fresh|heldout|all]``: how well the checker
reads the hand-labelled texts of tests/consultations/terms_eval/."""

import json
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from consultations.terms_checker import ITEM_CODES, MISSING, STATED, check_terms

EVAL_DIR = Path(settings.BASE_DIR) / "tests" / "consultations" / "terms_eval"
EVAL_FILE = EVAL_DIR / "texts.jsonl"
# Written after the checker was built (see the README there): split "fresh".
FRESH_FILE = EVAL_DIR / "fresh.jsonl"
# Written by a second author who never saw the checker: the figure to quote.
HELDOUT_FILE = EVAL_DIR / "heldout.jsonl"


def load(path: Path = EVAL_FILE) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def evaluate(rows: list[dict]) -> dict:
    """Per item, precision/recall/F1 for "missing" and for "stated"; warning
    precision/recall (per code and overall); item accuracy; the errors."""
    counts: dict[tuple[str, str], Counter] = {}
    correct = total = 0
    warn = Counter()
    warn_by_code: dict[str, Counter] = {}
    errors = []
    for row in rows:
        got = check_terms(row["text"]).as_dict()
        for code in ITEM_CODES:
            want, have = row["expected"][code], got["items"][code]
            total += 1
            correct += want == have
            if want != have:
                errors.append(f"{row['id']}: {code} expected {want}, got {have}")
            for status in (MISSING, STATED):
                c = counts.setdefault((code, status), Counter())
                c["tp"] += want == status and have == status
                c["fp"] += want != status and have == status
                c["fn"] += want == status and have != status
        want_w = set(row["expected_warnings"])
        have_w = {w["code"] for w in got["warnings"]}
        warn["tp"] += len(want_w & have_w)
        warn["fp"] += len(have_w - want_w)
        warn["fn"] += len(want_w - have_w)
        for code in want_w | have_w:
            c = warn_by_code.setdefault(code, Counter())
            c["tp"] += code in want_w and code in have_w
            c["fp"] += code in have_w and code not in want_w
            c["fn"] += code in want_w and code not in have_w
        for code in sorted(want_w ^ have_w):
            errors.append(f"{row['id']}: warning {code} {'missed' if code in want_w else 'extra'}")
    return {
        "texts": len(rows),
        "items": {key: {**dict(c), "prf": _prf(c["tp"], c["fp"], c["fn"])} for key, c in counts.items()},
        "warnings": {
            "all": _prf(warn["tp"], warn["fp"], warn["fn"]),
            **{code: _prf(c["tp"], c["fp"], c["fn"]) for code, c in sorted(warn_by_code.items())},
        },
        "accuracy": correct / total if total else 1.0,
        "errors": errors,
    }


class Command(BaseCommand):
    help = "取引条件チェッカーを評価用の文章で測ります（dev で調整し、test は報告だけ）。"

    def add_arguments(self, parser):
        parser.add_argument("--split", choices=["dev", "test", "fresh", "heldout", "all"], default="all")
        parser.add_argument("--errors", action="store_true", help="間違えた項目も表示する")

    def handle(self, *args, **options):
        rows = load() + load(FRESH_FILE) + load(HELDOUT_FILE)
        splits = ["dev", "test", "fresh", "heldout"] if options["split"] == "all" else [options["split"]]
        for split in splits:
            result = evaluate([r for r in rows if r["split"] == split])
            out = [f"== split {split}: {result['texts']} texts, item accuracy {result['accuracy']:.3f}"]
            out.append(f"{'item':<16}{'missing P/R/F1':>22}{'stated P/R/F1':>22}")
            for code in ITEM_CODES:
                cells = []
                for status in (MISSING, STATED):
                    c = result["items"][(code, status)]
                    p, r, f = c["prf"]
                    n = c["tp"] + c["fn"]
                    cells.append(f"{p:.2f}/{r:.2f}/{f:.2f} (n={n})")
                out.append(f"{code:<16}{cells[0]:>22}{cells[1]:>22}")
            p, r, f = result["warnings"]["all"]
            out.append(f"warnings (all codes): P {p:.2f} R {r:.2f} F1 {f:.2f}")
            for code, (p, r, f) in result["warnings"].items():
                if code != "all":
                    out.append(f"  {code:<28} P {p:.2f} R {r:.2f} F1 {f:.2f}")
            if options["errors"]:
                out += [f"  ! {e}" for e in result["errors"]]
            self.stdout.write("\n".join(out))
