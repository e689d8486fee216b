"""Recall@5 of the search against a naive icontains, on the demo cases and the
queries in search_queries.jsonl (phrased the way worried people type)."""

import json
from pathlib import Path

import pytest
from django.utils import timezone

from consultations import services
from consultations.demo import DEMO_DIR
from consultations.search import naive_search, search_cases

QUERIES = Path(__file__).with_name("search_queries.jsonl")


def recall_at_5(search, queries) -> float:
    total = 0.0
    for item in queries:
        found = {c.external_id for c in search(item["query"], limit=5)}
        total += len(found & set(item["expected"])) / len(item["expected"])
    return total / len(queries)


@pytest.mark.django_db
def test_search_clearly_beats_naive_icontains(capsys):
    now = timezone.now()
    services.glossary_import(lines=(DEMO_DIR / "glossary.jsonl").read_text().splitlines(), now=now)
    services.cases_import(lines=(DEMO_DIR / "cases.jsonl").read_text().splitlines(), now=now)
    queries = [json.loads(line) for line in QUERIES.read_text().splitlines() if line.strip()]
    assert len(queries) >= 40

    ours = recall_at_5(search_cases, queries)
    naive = recall_at_5(naive_search, queries)
    with capsys.disabled():
        print(f"\nrecall@5 over {len(queries)} queries: search_cases {ours:.3f}, naive icontains {naive:.3f}")
    assert ours >= 0.8
    assert ours >= naive + 0.3


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["報酬 未払い", "ギャラ 未払い", "報酬が払われない", "ギャラ 払ってくれない"]
)
def test_unpaid_fee_queries_find_the_unpaid_fee_case(query):
    """The most common question: WQ-C-0001 (ギャラが振り込まれません) must come up
    near the top however the person words it."""
    now = timezone.now()
    services.glossary_import(lines=(DEMO_DIR / "glossary.jsonl").read_text().splitlines(), now=now)
    services.cases_import(lines=(DEMO_DIR / "cases.jsonl").read_text().splitlines(), now=now)
    assert "WQ-C-0001" in [c.external_id for c in search_cases(query, limit=3)]
