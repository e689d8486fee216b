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
