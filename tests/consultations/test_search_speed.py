"""What keeps a search fast at 100,000 cases: the lexical ranking in one
statement, the semantic side answered from the process's copy of the vectors
(filters as masks, no database round trip) and run beside the SQL."""

import pytest
from django.db import connection

from consultations import embeddings, search
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


def test_the_nearest_rows_skip_masked_and_excluded_rows(cases):
    store = search.vectors()
    vector = store.matrix[store.row_of[cases["pay"].pk]]
    rows = search._top(store, vector, 10, exclude=cases["pay"].pk)
    assert cases["pay"].pk not in [int(store.ids[r]) for r, _ in rows]
    assert len(rows) == len(store.ids) - 1
    mask = store.mask("契約解除・打ち切り", None)
    assert [int(store.ids[r]) for r, _ in search._top(store, vector, 10, mask=mask)] == [cases["cut"].pk]
    assert Case.objects.count() == len(store.ids)
