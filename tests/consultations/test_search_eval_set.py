"""The held-out search evaluation set is well formed (pure: no database, no search)."""

import json
import re
from collections import Counter
from pathlib import Path

import pytest

EVAL_DIR = Path(__file__).parent / "search_eval"

# The shared vocabularies of /work/shared/INTERFACES.md, in their order.
OCCUPATIONS = [
    "ベビーシッター・保育・家事代行",
    "配送・デリバリー・貨物",
    "IT・クリエイティブ・ライター",
    "インストラクター・トレーナー",
    "建設・一人親方",
    "その他",
]
CATEGORIES = [
    "報酬・支払い",
    "契約・取引条件",
    "契約解除・打ち切り",
    "ハラスメント",
    "働き方・労働者性",
    "社会保険・税金",
    "労災・けが・病気",
    "著作権・知的財産",
    "個人情報・秘密保持",
    "失業・雇用保険",
    "プラットフォーム・アプリ",
    "その他",
]
CASE_KEYS = {"external_id", "title", "question", "answer", "category", "occupations", "memo"}
KINDS = ("keyword", "variant", "natural")


@pytest.fixture(autouse=True)
def _clean_cache():
    """These tests touch no database and no cache (overrides conftest's)."""
    yield


def _lines(name):
    text = (EVAL_DIR / name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _sentences(text):
    return [s for s in re.split(r"[。？！?!]", text) if s.strip()]


@pytest.fixture(scope="module")
def cases():
    return _lines("cases.jsonl")


@pytest.fixture(scope="module")
def splits():
    return {"dev": _lines("queries_dev.jsonl"), "test": _lines("queries_test.jsonl")}


def test_cases_have_the_import_format(cases):
    assert len(cases) >= 210
    ids = [c["external_id"] for c in cases]
    assert len(set(ids)) == len(ids)
    for case in cases:
        assert set(case) == CASE_KEYS, case["external_id"]
        assert re.fullmatch(r"EVAL-\d{3}", case["external_id"])
        assert case["title"].strip() and len(case["title"]) <= 200
        assert 3 <= len(_sentences(case["question"])) <= 8, case["external_id"]
        assert 3 <= len(_sentences(case["answer"])) <= 6, case["external_id"]
        assert case["category"] in CATEGORIES
        assert isinstance(case["occupations"], list)
        assert all(o in OCCUPATIONS for o in case["occupations"])
        assert len(set(case["occupations"])) == len(case["occupations"])
        assert isinstance(case["memo"], str)


def test_cases_cover_every_category_and_occupation(cases):
    categories = Counter(c["category"] for c in cases)
    occupations = Counter(o for c in cases for o in c["occupations"])
    assert set(categories) == set(CATEGORIES)
    assert min(categories.values()) >= 10
    assert set(occupations) == set(OCCUPATIONS)
    assert min(occupations.values()) >= 10


def test_queries_are_well_formed(cases, splits):
    known = {c["external_id"] for c in cases}
    all_ids = [q["id"] for qs in splits.values() for q in qs]
    assert len(set(all_ids)) == len(all_ids)
    texts = [q["query"] for qs in splits.values() for q in qs]
    assert len(set(texts)) == len(texts)
    for queries in splits.values():
        for q in queries:
            assert set(q) == {"id", "kind", "query", "relevant"}
            assert re.fullmatch(r"Q\d{3}", q["id"])
            assert q["kind"] in KINDS
            assert q["query"].strip()
            assert q["relevant"], q["id"]
            assert set(q["relevant"]) <= known, q["id"]
            assert set(q["relevant"].values()) <= {1, 2, 3}, q["id"]
            assert max(q["relevant"].values()) >= 2, q["id"]


def test_splits_are_about_even_and_stratified_by_kind(splits):
    dev, test = splits["dev"], splits["test"]
    assert len(dev) + len(test) >= 96
    assert abs(len(dev) - len(test)) <= 3
    total = Counter(q["kind"] for q in dev + test)
    for kind in KINDS:
        assert total[kind] >= (len(dev) + len(test)) // 3 - 3
        per_split = [Counter(q["kind"] for q in qs)[kind] for qs in (dev, test)]
        assert abs(per_split[0] - per_split[1]) <= 1, kind
