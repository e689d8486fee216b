"""The evaluation's arithmetic (no database) and its one rule: tune on dev only."""

import math

import pytest
from django.core.management import CommandError, call_command

from consultations.management.commands.eval_search import (
    failure_lines,
    ndcg_at,
    recall_at,
    reciprocal_rank,
    score,
)


def test_ndcg_is_one_for_the_ideal_order_and_less_otherwise():
    relevant = {"A": 2, "B": 1}
    assert ndcg_at(["A", "B", "X"], relevant) == pytest.approx(1.0)
    worse = ndcg_at(["B", "A"], relevant)
    expected = (1 + 3 / math.log2(3)) / (3 + 1 / math.log2(3))
    assert worse == pytest.approx(expected)
    assert ndcg_at(["X", "Y"], relevant) == 0.0


def test_recall_and_reciprocal_rank_count_grades_2_and_3():
    relevant = {"A": 3, "B": 2, "C": 1}
    assert recall_at(["X", "B", "Y", "Z", "W", "A"], relevant) == 0.5
    assert reciprocal_rank(["C", "X", "B"], relevant) == pytest.approx(1 / 3)
    assert reciprocal_rank(["C"], relevant) == 0.0


def test_score_reports_each_kind_and_overall():
    queries = [
        {"id": "1", "kind": "keyword", "query": "a", "relevant": {"A": 2}},
        {"id": "2", "kind": "variant", "query": "b", "relevant": {"B": 2}},
    ]
    result = score(queries, lambda q: ["A"] if q == "a" else ["X"])
    assert result["keyword"]["ndcg@10"] == 1.0 and result["variant"]["ndcg@10"] == 0.0
    assert result["overall"]["mrr"] == 0.5 and result["overall"]["n"] == 2


def test_tuning_on_the_test_split_is_refused():
    with pytest.raises(CommandError, match="dev"):
        call_command("eval_search", "--tune", "--split", "test")


def test_per_query_failures_on_the_test_split_are_refused():
    with pytest.raises(CommandError, match="dev"):
        call_command("eval_search", "--failures", "--split", "test")


def test_failures_name_each_missed_case_and_where_each_ranking_put_it():
    item = {"id": "Q1", "kind": "variant", "query": "ギャラ"}
    relevant = {"A": 3, "B": 2, "C": 1}
    ranked = {"hybrid": ["X", "A"], "lexical": ["A", "Y", "B"], "semantic": ["Z"]}
    lines = failure_lines(item, relevant, ranked, {"B": "報酬が払われない"})
    assert lines[0].startswith("Q1 variant nDCG@10 0.") and lines[0].endswith("ギャラ")
    assert lines[1] == "  top10 X:0 A:3"
    # Only clearly relevant cases (grade 2-3) count as missed; C (grade 1) does not.
    assert lines[2:] == ["  missed B (grade 2) lexical #3 semantic #-  報酬が払われない"]
    assert failure_lines(item, {"A": 3}, {"hybrid": ["A"]}, {}) == []
