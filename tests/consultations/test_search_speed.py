"""What keeps a search fast at 100,000 cases: the lexical ranking in one
statement, the semantic side answered from the process's copy of the vectors
(filters as masks, no database round trip) and run beside the SQL."""

import numpy as np
import pytest
from django.db import connection

from consultations import embeddings, fusion, search
from consultations.models import Case, CaseEmbedding, CaseSearchDocument
from consultations.search import search_cases
from tests.consultations.factories import CaseFactory
from tests.consultations.test_search_hybrid import TopicBackend

pytestmark = pytest.mark.django_db

DELIVERY = "配送・デリバリー・貨物"


@pytest.fixture
def cases(django_capture_on_commit_callbacks):
    embeddings.set_backend(TopicBackend())
    embeddings.query_vector.cache_clear()
    search.forget_copies()
    with django_capture_on_commit_callbacks(execute=True):
        made = {
            # The case closest to 報酬 by meaning: title and body about pay.
            "pay": CaseFactory(
                external_id="S-PAY",
                title="報酬が払われない",
                question="報酬がまだ払われません。ギャラの催促は？",
                category="報酬・支払い",
            ),
            # Less close (one pay word among others), but the only one in its
            # category and occupation.
            "delivery": CaseFactory(
                external_id="S-DEL",
                title="配達の途中で骨折、報酬は",
                question="骨折して配達ができません。",
                category="労災・けが・病気",
                occupations=[DELIVERY],
            ),
            "cut": CaseFactory(
                external_id="S-CUT",
                title="契約を打ち切られた",
                question="来月で終わりにすると言われました。",
                category="契約解除・打ち切り",
            ),
        }
    yield made
    embeddings.reset()
    search.forget_copies()


def ids(results):
    return [c.external_id for c in results]


def test_the_lexical_ranking_is_one_statement_on_postgresql(cases, django_assert_max_num_queries):
    query = search.parse("報酬 骨折 配達 請求書")  # few match every word: every tier is asked
    search.vocabulary(), search.synonyms()
    limit = 1 if connection.vendor == "postgresql" else 2  # SQLite: every word, then any word
    with django_assert_max_num_queries(limit):
        hits = search.find_lexical(query, limit=10)
    assert {h.case_id for h in hits} >= {cases["pay"].pk, cases["delivery"].pk}


def test_the_tiers_keep_their_order(cases):
    # Every word in the title, then every word anywhere, then some of the words.
    hits = search.find_lexical(search.parse("報酬 骨折"), limit=10)
    assert [h.case_id for h in hits][:1] == [cases["delivery"].pk]
    assert cases["pay"].pk in [h.case_id for h in hits]
    hits = search.find_lexical(search.parse("骨折"), limit=1)
    assert [h.case_id for h in hits] == [cases["delivery"].pk]


def test_the_semantic_side_asks_the_database_nothing(cases, django_assert_num_queries):
    search.vectors()  # the process's copy, loaded once
    with django_assert_num_queries(0):
        found = search.find_semantic("ギャラ", limit=2, category="報酬・支払い")
    assert [h.case_id for h, _ in found] == [cases["pay"].pk]
    assert found[0][0].category == "報酬・支払い"  # what the results page's facets need


def test_filters_reach_past_the_nearest_neighbours(cases):
    # The delivery case is not the nearest to ギャラ, but the only one in
    # its category: a filter is a mask over every vector, not a cut of a pool.
    found = search.find_semantic("ギャラ", limit=1, occupation=DELIVERY)
    assert [h.case_id for h, _ in found] == [cases["delivery"].pk]
    assert search.find_semantic("ギャラ", limit=5, category="労災・けが・病気", occupation=DELIVERY)
    assert search.find_semantic("ギャラ", limit=5, category="契約解除・打ち切り", occupation=DELIVERY) == []


def test_unpublished_cases_leave_the_vector_copy_at_once(cases):
    search.vectors()
    case = cases["pay"]
    case.published = False
    case.save()
    assert case.pk not in search.vectors().row_of
    assert "S-PAY" not in ids(search_cases("ギャラ"))
    assert "S-PAY" not in ids(search.similar_cases(cases["delivery"], limit=3))
    assert CaseEmbedding.objects.filter(case=case).exists()  # kept for when it returns


def test_a_category_change_reaches_the_copy(cases):
    search.vectors()
    case = cases["cut"]
    case.category = "報酬・支払い"
    case.save()
    found = search.find_semantic("ギャラ", limit=5, category="報酬・支払い")
    assert cases["cut"].pk in [h.case_id for h, _ in found]


@pytest.mark.skipif(
    connection.vendor == "postgresql", reason="PostgreSQL counts writes only once they commit"
)
def test_another_process_removing_an_index_row_is_noticed(cases):
    store = search.vectors()
    assert cases["cut"].pk in store.row_of
    # As another process would: no signal here, only the stamp tells.
    CaseSearchDocument.objects.filter(case=cases["cut"]).delete()
    search._vectors.checked = 0.0  # the next look is due
    assert cases["cut"].pk not in search.vectors().row_of


def test_search_answers_lexically_when_the_model_fails_in_the_thread(cases, monkeypatch):
    def unavailable(texts):
        raise embeddings.EmbeddingsUnavailable("server down")

    monkeypatch.setattr(embeddings.backend(), "queries", unavailable)
    embeddings.query_vector.cache_clear()
    assert ids(search_cases("骨折")) == ["S-DEL"]


def test_no_vectors_no_embedding(cases, monkeypatch):
    CaseEmbedding.objects.all().delete()
    search.forget_copies()

    def must_not_run(texts):
        raise AssertionError("a query is embedded although no case has a vector")

    monkeypatch.setattr(embeddings.backend(), "queries", must_not_run)
    embeddings.query_vector.cache_clear()
    assert ids(search_cases("骨折")) == ["S-DEL"]


def test_the_query_is_embedded_before_it_is_parsed_and_once(cases, monkeypatch):
    """The semantic side starts before parsing (the embedding is the slowest
    step) and parsing does not start it again, unless it corrected the query."""
    order = []
    submit, parse = search._semantic_soon, search.parse
    monkeypatch.setattr(
        search, "_semantic_soon", lambda text, **kw: order.append(("embed", text)) or submit(text, **kw)
    )
    monkeypatch.setattr(
        search, "parse", lambda text, **kw: order.append(("parse", text)) or parse(text, **kw)
    )
    assert ids(search_cases("骨折"))[0] == "S-DEL"
    assert order == [("embed", "骨折"), ("parse", "骨折")]
    # A corrected query (romaji read as 報酬) is embedded again, as corrected.
    order.clear()
    search_cases("housyuu")
    assert [step for step, _ in order] == ["embed", "parse", "embed"] and order[2][1] != "housyuu"


def test_the_nearest_rows_skip_masked_and_excluded_rows(cases):
    store = search.vectors()
    vector = store.matrix[store.row_of[cases["pay"].pk]]
    rows = search._top(store, vector, 10, exclude=cases["pay"].pk)
    assert cases["pay"].pk not in [int(store.ids[r]) for r, _ in rows]
    assert len(rows) == len(store.ids) - 1
    mask = store.mask("契約解除・打ち切り", None)
    assert [int(store.ids[r]) for r, _ in search._top(store, vector, 10, mask=mask)] == [cases["cut"].pk]
    assert Case.objects.count() == len(store.ids)


# --- The two-step scan of a large store (pure: no database) --------------------------
def _store(n: int, *, seed: int = 7) -> search.Vectors:
    """Vectors that lie, like sentence vectors, near a few hundred topics."""
    rng = np.random.default_rng(seed)
    topics = rng.standard_normal((300, 384)).astype(np.float32)
    matrix = topics[rng.integers(0, 300, n)] + 0.35 * rng.standard_normal((n, 384)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    ids = np.arange(1000, 1000 + n, dtype=np.int64)
    categories = np.array(["pay" if i % 3 else "cut" for i in range(n)], dtype=object)
    return search.Vectors(
        ids, matrix, {int(c): i for i, c in enumerate(ids)}, categories, [""] * n, [None] * n
    )


def _exact(store, vector, depth, mask=None):
    scores = store.matrix @ vector
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    return [int(r) for r in np.argsort(-scores, kind="stable")[:depth]]


def test_a_small_store_is_scanned_whole():
    store = _store(500)
    store.reduce()
    assert store.reduced is None  # below REDUCE_FROM


def test_the_two_step_scan_finds_the_same_rows_with_exact_cosines(monkeypatch):
    monkeypatch.setattr(search, "REDUCE_FROM", 1_000)
    # The same share of the store as at 100,000 cases (8,000 candidates).
    monkeypatch.setattr(search, "MIN_CANDIDATES", 480)
    store = _store(6_000)
    store.reduce()
    assert store.reduced.shape == (6_000, search.REDUCED_DIM)
    rng = np.random.default_rng(1)
    agreement = []
    for _ in range(40):
        vector = store.matrix[rng.integers(0, 6_000)] + 0.3 * rng.standard_normal(384).astype(np.float32)
        vector /= np.linalg.norm(vector)
        found = search._top(store, vector, 30)
        # The cosines returned are the exact ones, best first.
        assert all(abs(score - float(store.matrix[row] @ vector)) < 1e-5 for row, score in found)
        assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)
        agreement.append(len({r for r, _ in found} & set(_exact(store, vector, 30))) / 30)
    assert min(agreement) >= 0.9 and sum(agreement) / len(agreement) >= 0.98


def test_a_short_querys_second_reading_matches_a_scan_of_every_row(monkeypatch):
    """Semantic.refined ranks only the rows the query's own two-step scan read
    exactly; on a reduced store it finds what a full scan of the moved vector
    finds, keeps each row's exact cosine to the query, and keeps the mask."""
    monkeypatch.setattr(search, "REDUCE_FROM", 1_000)
    monkeypatch.setattr(search, "MIN_CANDIDATES", 480)
    store = _store(6_000)
    store.reduce()
    rng = np.random.default_rng(2)
    agreement = []
    for _ in range(40):
        vector = store.matrix[rng.integers(0, 6_000)] + 0.3 * rng.standard_normal(384).astype(np.float32)
        vector /= np.linalg.norm(vector)
        ranking = search.Semantic.scan(store, vector, 30)
        refined = ranking.refined()
        assert len(refined) == 30
        assert all(
            abs(score - float(store.matrix[store.row_of[h.case_id]] @ vector)) < 1e-5 for h, score in refined
        )
        moved = fusion.refine(
            vector, store.matrix[[row for row, _ in ranking.found[: fusion.FEEDBACK_CASES]]]
        )
        exact = {int(store.ids[r]) for r in _exact(store, moved, 30)}
        agreement.append(len({h.case_id for h, _ in refined} & exact) / 30)
        assert refined != ranking.hits()  # the order did move
    assert min(agreement) >= 0.9 and sum(agreement) / len(agreement) >= 0.98
    mask = store.mask("cut", None)
    refined = search.Semantic.scan(store, store.matrix[4], 10, mask=mask).refined()
    assert len(refined) == 10 and all(h.category == "cut" for h, _ in refined)
    assert search.Semantic.scan(store, store.matrix[4], 0).refined() == []


def test_the_two_step_scan_keeps_masks_and_exclusions(monkeypatch):
    monkeypatch.setattr(search, "REDUCE_FROM", 1_000)
    monkeypatch.setattr(search, "MIN_CANDIDATES", 300)
    store = _store(3_000)
    store.reduce()
    vector = store.matrix[4]
    rows = search._top(store, vector, 10, exclude=int(store.ids[4]))
    assert 4 not in [r for r, _ in rows] and len(rows) == 10
    mask = store.mask("cut", None)
    rows = search._top(store, vector, 10, mask=mask)
    assert rows and all(store.categories[r] == "cut" for r, _ in rows)
    # With every row a candidate the two steps give exactly the full scan.
    monkeypatch.setattr(search, "MIN_CANDIDATES", 3_000)
    assert [r for r, _ in search._top(store, vector, 30, mask=mask)] == _exact(store, vector, 30, mask)
    # Fewer rows in the mask than candidates: every one of them, exactly; none: nothing.
    monkeypatch.setattr(search, "MIN_CANDIDATES", 2_000)
    assert [r for r, _ in search._top(store, vector, 30, mask=mask)] == _exact(store, vector, 30, mask)
    assert search._top(store, vector, 30, mask=np.zeros(3_000, dtype=bool)) == []
    assert search.Semantic.scan(store, vector, 30, mask=np.zeros(3_000, dtype=bool)).refined() == []
