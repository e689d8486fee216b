"""Hybrid search with a tiny fake embedding model: vectors made after commit,
fused with the lexical ranking, similar cases, variants through the index
vocabulary, and search that keeps answering without vectors or cache."""

import numpy as np
import pytest
from django.core.cache import cache, caches
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from consultations import embeddings, search, tasks
from consultations.models import Case, CaseEmbedding
from consultations.search import search_cases
from tests.consultations.factories import CaseFactory

pytestmark = pytest.mark.django_db

# Words of one topic share a dimension: "meaning" without shared words.
TOPICS = [("打ち切", "クビ", "切られ", "終わりに"), ("報酬", "ギャラ", "払"), ("けが", "骨折", "怪我")]


class TopicBackend(embeddings.Backend):
    model_id = "hashing-ngrams-v1"  # uses the hashing backend's floor (0.5)

    def _one(self, text: str) -> np.ndarray:
        vec = np.zeros(embeddings.DIM, dtype=np.float32)
        for i, words in enumerate(TOPICS):
            vec[i] = sum(text.count(w) for w in words)
        vec[embeddings.DIM - 1] = 0.1  # no zero vectors
        return vec

    def queries(self, texts):
        return embeddings.normalise(np.stack([self._one(t) for t in texts]))

    passages = queries


@pytest.fixture
def topics():
    embeddings.set_backend(TopicBackend())
    embeddings.query_vector.cache_clear()
    search.forget_copies()
    yield
    embeddings.reset()
    search.forget_copies()


@pytest.fixture
def cases(topics, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        made = {
            "cut": CaseFactory(
                external_id="H-CUT",
                title="長く続いた業務委託が終わりになる",
                question="1年続いた仕事を、来月で終わりにすると言われました。",
                answer="6か月以上続く契約では、30日前までの予告が必要です。",
                category="契約解除・打ち切り",
            ),
            "pay": CaseFactory(
                external_id="H-PAY",
                title="納品したのに報酬が支払われない",
                question="納品して3か月、報酬が振り込まれません。",
                answer="請求書を送り、期日を区切って催促しましょう。",
                category="報酬・支払い",
            ),
            "injury": CaseFactory(
                external_id="H-INJ",
                title="配達中に骨折した",
                question="自転車で配達中に転んで骨折しました。",
                answer="労災保険の特別加入をしていれば補償があります。",
                category="労災・けが・病気",
            ),
        }
    return made


def ids(results):
    return [c.external_id for c in results]


def test_vectors_are_made_after_commit(cases):
    assert CaseEmbedding.objects.count() == 3


def test_meaning_finds_a_case_without_shared_words(cases):
    # No case says クビ; the 打ち切り case means it.
    assert ids(search_cases("クビ"))[:1] == ["H-CUT"]


def test_a_short_query_reads_meaning_with_feedback_and_a_sentence_without(cases, monkeypatch):
    calls = []
    refined = search.Semantic.refined
    monkeypatch.setattr(search.Semantic, "refined", lambda self: calls.append(1) or refined(self))
    assert ids(search_cases("ギャラ"))[0] == "H-PAY"
    assert calls == [1]
    calls.clear()
    sentence = "納品してからもう三か月になるのにギャラがまだ払われないまま"
    assert len(search.parse(sentence).groups) >= search.fusion.LONG_QUERY_WORDS
    assert ids(search_cases(sentence))[0] == "H-PAY"
    assert calls == []


def test_the_feedback_ranking_keeps_each_cases_cosine_to_the_query(cases):
    """The floor for cases found by meaning alone measures closeness to what
    was asked, not to the query moved toward its neighbours."""
    ranking = search._semantic("骨折", search.vectors(), limit=10, category=None, occupation=None)
    plain = dict((h.case_id, score) for h, score in ranking.hits())
    refined = dict((h.case_id, score) for h, score in ranking.refined())
    assert len(plain) == 3 and refined.keys() == plain.keys()
    assert refined == pytest.approx(plain)
    assert search._semantic("骨折", search.vectors(), limit=0, category=None, occupation=None).refined() == []


def test_filters_apply_to_cases_found_by_meaning(cases):
    assert search_cases("クビ", category="報酬・支払い") == []


def test_search_answers_lexically_without_vectors(cases):
    CaseEmbedding.objects.all().delete()
    search.forget_copies()
    assert search_cases("クビ") == []
    assert ids(search_cases("骨折")) == ["H-INJ"]


def test_search_answers_lexically_when_the_model_is_unavailable(cases, monkeypatch):
    def unavailable(texts):
        raise embeddings.EmbeddingsUnavailable("server down")

    monkeypatch.setattr(embeddings.backend(), "queries", unavailable)
    embeddings.query_vector.cache_clear()
    assert ids(search_cases("骨折")) == ["H-INJ"]


def test_search_keeps_answering_when_the_cache_fails(cases, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("Redis is down")

    for name in ("get", "set", "delete"):
        monkeypatch.setattr(cache, name, broken)
    search.forget_synonyms()
    assert ids(search_cases("骨折")) == ["H-INJ"]
    assert search.similar_cases(cases["pay"])  # similar cases skip the cache too


def test_embedding_task_runs_twice_safely(cases):
    pk = cases["pay"].pk
    assert tasks.embed_cases.delay([pk]).get() == 0  # current: nothing to do
    Case.objects.filter(pk=pk).update(title="ギャラが振り込まれない")
    assert tasks.embed_cases.delay([pk]).get() == 1
    assert tasks.embed_cases.delay([pk]).get() == 0
    assert tasks.embed_cases.delay([999999]).get() == 0  # a deleted case is ignored


def test_rebuild_makes_missing_vectors_and_resumes(cases, capsys):
    CaseEmbedding.objects.filter(case=cases["pay"]).delete()
    call_command("rebuild_search_index")
    out = capsys.readouterr().out
    assert "ベクトル [" in out and "1/1" in out
    assert "ベクトルを 1件 作りました" in out
    call_command("rebuild_search_index")
    assert "ベクトルを 0件 作りました" in capsys.readouterr().out


def test_similar_cases_on_the_case_page(cases, client, django_assert_max_num_queries):
    CaseFactory(
        external_id="H-PAY2",
        title="ギャラの振込が遅れている",
        question="ギャラが払われません。",
        category="報酬・支払い",
    )
    search.embed_cases()
    assert ids(search.similar_cases(cases["pay"], limit=1)) == ["H-PAY2"]
    url = reverse("consultations:case-detail", args=["H-PAY"])
    client.get(url)  # the first view fills the cache
    with django_assert_max_num_queries(12):
        html = client.get(url).content.decode()
    assert "似た相談事例" in html and "ギャラの振込が遅れている" in html


def test_no_similar_cases_without_a_vector(cases):
    CaseEmbedding.objects.all().delete()
    search.forget_copies()
    assert search.similar_cases(cases["pay"]) == []


def test_hiragana_and_typo_queries_find_the_case(cases):
    assert ids(search_cases("こっせつ"))[:1] == ["H-INJ"]
    assert ids(search_cases("ふりこまれない"))[:1] == ["H-PAY"]


def test_results_page_offers_did_you_mean(cases, client):
    html = client.get(reverse("consultations:case-list"), {"q": "ほうしゅう"}).content.decode()
    assert "もしかして" in html and "報酬" in html
    html = client.get(reverse("consultations:case-list"), {"q": "報酬"}).content.decode()
    assert "もしかして" not in html


def test_the_cache_table_comes_from_a_migration():
    """`migrate` alone makes the database cache table (no createcachetable)."""
    from importlib import import_module
    from types import SimpleNamespace

    if caches["default"].__class__.__name__ != "DatabaseCache":
        pytest.skip("the cache is Redis here")
    migration = import_module("worq.migrations.0003_outbox_and_form_tokens")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE worq_cache")
    migration.create_cache_table(None, SimpleNamespace(connection=connection))
    assert "worq_cache" in connection.introspection.table_names()
    cache.set("x", 1)
    assert cache.get("x") == 1
