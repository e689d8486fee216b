import pytest
from django.db import connection

from consultations import search
from consultations.models import CaseSearchDocument
from consultations.search import search_cases
from tests.consultations.factories import CaseFactory, GlossaryTermFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases():
    return {
        "pay": CaseFactory(
            external_id="C-PAY",
            title="納品したのに報酬が支払われない",
            category="報酬・支払い",
            question="クライアントに納品して3か月たちますが、報酬が振り込まれません。",
            answer="請求書を送り、支払期日を区切って催促しましょう。",
        ),
        "cut": CaseFactory(
            external_id="C-CUT",
            title="長く続いた契約を突然打ち切られた",
            category="契約解除・打ち切り",
            question="1年続いた業務委託を、来月で終わりにすると言われました。",
            answer="6か月以上続く契約では、30日前までの予告が必要です。",
            occupations=["配送・デリバリー・貨物"],
        ),
        "injury": CaseFactory(
            external_id="C-INJ",
            title="配達中にけがをした",
            category="労災・けが・病気",
            question="自転車で配達中に転んで骨折しました。労災は使えますか。",
            answer="労災保険の特別加入をしていれば、補償を受けられることがあります。",
            occupations=["配送・デリバリー・貨物"],
        ),
        "sim": CaseFactory(
            external_id="C-SIM",
            title="手取りのシミュレーションをしたい",
            category="社会保険・税金",
            question="IT系のフリーランスになる前に、税金と保険料をシミュレーションしたいです。",
            answer="国民健康保険料や所得税の試算をしてみましょう。",
        ),
        "fire": CaseFactory(
            external_id="C-FIRE",
            title="会社員のときに解雇された",
            category="働き方・労働者性",
            question="前の会社で解雇されました。",
            answer="解雇には理由が必要です。",
        ),
    }


def ids(results):
    return [c.external_id for c in results]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("報酬 未払い", "C-PAY"),
        ("労災", "C-INJ"),
        ("解雇", "C-FIRE"),
        ("打切り", "C-CUT"),
        ("シュミレーション", "C-SIM"),
        ("ＩＴ", "C-SIM"),
        ("配達中に転んでけがをしてしまいました。どうすればいいですか", "C-INJ"),
    ],
)
def test_finds_the_right_case(cases, query, expected):
    assert ids(search_cases(query))[0] == expected


def test_glossary_aliases_are_synonyms(cases):
    # ペイ is in no set of the shipped dictionary (ギャラ is): only staff make it 報酬.
    assert "C-PAY" not in ids(search_cases("ペイ"))
    GlossaryTermFactory(term="報酬", reading="ほうしゅう", aliases=["ペイ", "謝礼"])
    assert ids(search_cases("ペイ"))[0] == "C-PAY"
    assert ids(search_cases("ペイ 未払い"))[0] == "C-PAY"


def test_title_weighs_more_than_body(db):
    CaseFactory(external_id="BODY", title="相談", question="報酬の話", answer="ほかの話もたくさん")
    CaseFactory(external_id="TITLE", title="報酬の話", question="相談", answer="ほかの話もたくさん")
    assert ids(search_cases("報酬"))[:2] == ["TITLE", "BODY"]


def test_filters_limit_and_only_published(cases):
    assert ids(search_cases("契約", category="契約解除・打ち切り")) == ["C-CUT"]
    assert "C-PAY" not in ids(search_cases("報酬 契約", occupation="配送・デリバリー・貨物"))
    assert len(search_cases("報酬 契約 労災 解雇 けが", limit=2)) == 2


def test_index_follows_save_unpublish_and_delete(cases):
    case = cases["pay"]
    case.title = "ロイヤリティの計算が合わない"
    case.save()
    assert ids(search_cases("ロイヤリティ")) == ["C-PAY"]
    case.published = False
    case.save()
    assert search_cases("ロイヤリティ") == []
    assert not CaseSearchDocument.objects.filter(case=case).exists()
    case.published = True
    case.save()
    assert ids(search_cases("ロイヤリティ")) == ["C-PAY"]
    case.delete()
    assert search_cases("ロイヤリティ") == []


def test_rebuild_index(cases):
    CaseSearchDocument.objects.all().delete()
    assert search.rebuild_index() == 5
    assert ids(search_cases("労災"))[0] == "C-INJ"


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "報酬" * 1000,
        "😀🙏",
        '"',
        "*",
        "OR",
        "NEAR(",
        "報酬 OR",
        'NEAR("報酬" "未払い")',
        "\x00\x1b報酬\x7f",
        "'; DROP TABLE consultations_case; --",
        "AND NOT",
        "報酬)",
        ":*",
        "\\",
        "^",
    ],
)
def test_anything_typed_answers_without_error(cases, query):
    results = search_cases(query)
    assert isinstance(results, list)


def test_prefix_while_typing(cases):
    query = search.parse("シミュ", prefix=True)
    assert [h.case_id for h in search.find(query)] == [cases["sim"].pk]


PAYMENT_TERM = {
    "term": "支払遅延",
    "reading": "しはらいちえん",
    "aliases": ["未払い", "支払い遅れ", "払われない"],
}


def test_a_multi_word_alias_matches_as_a_phrase_not_as_loose_words(db):
    GlossaryTermFactory(**PAYMENT_TERM)
    CaseFactory(
        external_id="LOOSE",
        title="荷物の遅れで契約を切られた",
        question="配送の遅れを理由に契約を切られました。",
        answer="支払いの記録と指示のメッセージを残しましょう。",
    )
    CaseFactory(external_id="PHRASE", title="支払い遅れが続いている", question="催促しても返事がありません。")
    # 支払い and 遅れ both occur in LOOSE, but never next to each other.
    assert ids(search_cases("支払い遅れ")) == ["PHRASE"]
    assert ids(search_cases("未払い")) == ["PHRASE"]


def test_a_negated_alias_reaches_the_negation_only(db):
    GlossaryTermFactory(**PAYMENT_TERM)
    CaseFactory(external_id="UNPAID", title="ギャラが払われない", question="催促しても返事がありません。")
    CaseFactory(
        external_id="PAID", title="ギャラが払われたあとで減額された", question="差額を払うよう求めたい。"
    )
    assert ids(search_cases("未払い")) == ["UNPAID"]


def test_words_as_typed_weigh_more_than_their_synonyms(db):
    GlossaryTermFactory(term="報酬", reading="ほうしゅう", aliases=["ギャラ"])
    CaseFactory(external_id="HOSHU", title="報酬の相談", question="報酬の話です。")
    CaseFactory(external_id="GARA", title="ギャラの相談", question="ギャラの話です。")
    assert ids(search_cases("ギャラ")) == ["GARA", "HOSHU"]
    assert ids(search_cases("報酬")) == ["HOSHU", "GARA"]


def test_case_tokens_are_the_index_tokens_on_both_databases(cases):
    tokens = search.case_tokens([cases["pay"].pk, cases["cut"].pk, 0])
    assert set(tokens) == {cases["pay"].pk, cases["cut"].pk}
    title, body, _ = search.document_tokens(cases["pay"])
    assert tokens[cases["pay"].pk].columns[0] == title
    assert [t for t in tokens[cases["pay"].pk].columns[1] if t != "\0"] == body
    assert tokens[cases["pay"].pk].count(("報酬",)) == (title.count("報酬"), body.count("報酬"))


def test_phrase_documents_counts_the_cases_holding_each_phrase(cases):
    search.forget_phrase_documents()
    counts, total = search.phrase_documents([("報酬",), ("配達",), ("労災",), ("存在しない語",)])
    assert total == 5
    assert counts == {("報酬",): 1, ("配達",): 1, ("労災",): 1, ("存在しない語",): 0}
    CaseFactory(external_id="C-PAY2", title="報酬の相談")
    assert search.phrase_documents([("報酬",)])[0] == {("報酬",): 1}  # kept for DF_TTL
    search.forget_phrase_documents()
    assert search.phrase_documents([("報酬",)]) == ({("報酬",): 2}, 6)


def test_case_tokens_for_some_words_count_as_the_whole_tokens_do(cases):
    """A search reads only its words (PostgreSQL: the tsvector cut down to
    them), with the cases' whole lengths: counts and lengths as from all tokens."""
    ids = [c.pk for c in cases.values()]
    phrases = [("報酬",), ("配達",), ("骨折",), ("報酬", "未払い"), ("存在しない語",)]
    words = {t for p in phrases for t in p}
    whole, some = search.case_tokens(ids), search.case_tokens(ids, words)
    assert set(some) == set(whole)
    for case in cases.values():
        title, body, _ = search.document_tokens(case)
        assert (some[case.pk].title_length, some[case.pk].body_length) == (len(title), len(body))
        for phrase in phrases:
            assert some[case.pk].count(phrase) == whole[case.pk].count(phrase), (case.external_id, phrase)


def test_postgresql_reads_the_hits_words_with_the_ranking(cases):
    query = search.parse("報酬 配達")
    words = search.query_words(query)
    found: dict = {}
    hits = search.find_lexical(query, limit=10, words=words, into=found)
    if connection.vendor != "postgresql":
        assert found == {}  # SQLite reads the FTS5 rows apart (cheap)
        return
    assert {h.case_id for h in hits} <= set(found)
    again = search.case_tokens([h.case_id for h in hits], words)
    for hit in hits:
        assert found[hit.case_id].counts == again[hit.case_id].counts
        assert found[hit.case_id].title_length == again[hit.case_id].title_length


def test_index_rows_from_before_the_lengths_get_them_from_the_index(cases):
    from importlib import import_module
    from types import SimpleNamespace

    migration = import_module("consultations.migrations.0011_search_document_lengths")
    CaseSearchDocument.objects.update(title_length=0, body_length=0)
    migration.fill_lengths(None, SimpleNamespace(connection=connection))
    for case in cases.values():
        title, body, _ = search.document_tokens(case)
        doc = CaseSearchDocument.objects.get(case=case)
        assert (doc.title_length, doc.body_length) == (len(title), len(body))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statistics")
def test_phrase_documents_are_estimated_from_statistics_on_a_large_postgresql_index(cases, monkeypatch):
    search.forget_phrase_documents()
    search.phrase_documents([])  # the number of cases, counted
    monkeypatch.setattr(search, "EXACT_COUNTS_UP_TO", 0)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {search.DOC_TABLE}")
    frequencies, _least = search._word_frequencies()
    assert frequencies["報酬"] == pytest.approx(1 / 5)
    counts, total = search.phrase_documents([("報酬",), ("存在しない語",)])
    assert total == 5
    assert counts[("報酬",)] >= 1
    assert counts[("存在しない語",)] <= counts[("報酬",)]
    search.forget_phrase_documents()


def test_weigh_words_puts_the_case_holding_more_words_first(cases):
    query = search.parse("配達 骨折 報酬")
    tokens = search.case_tokens([c.pk for c in cases.values()])
    ranked, coverage = search.weigh_words(query, tokens)
    assert ranked[:2] == [cases["injury"].pk, cases["pay"].pk]  # two words, then one
    assert cases["fire"].pk not in ranked  # none of the words
    assert coverage[cases["injury"].pk] == pytest.approx(2 / 3)
    assert search.weigh_words(search.parse("配達"), {}) == ([], {})


def word_coverage(query, case_ids):
    """The share of the query's words each case holds, as a search reads it."""
    return search.weigh_words(query, search.case_tokens(case_ids, search.query_words(query)))[1]


def test_word_coverage_is_the_share_of_the_query_words_each_case_holds(cases):
    query = search.parse("報酬 配達 骨折")
    coverage = word_coverage(query, [c.pk for c in cases.values()])
    # C-PAY: 報酬 only; C-INJ: 配達 and 骨折; the others: none of them (left out).
    assert coverage == {cases["pay"].pk: pytest.approx(1 / 3), cases["injury"].pk: pytest.approx(2 / 3)}
    assert word_coverage(query, [cases["cut"].pk]) == {}
    assert word_coverage(query, []) == {}
    # Synonyms and phrases match as in the lexical ranking.
    assert word_coverage(search.parse("ギャラ"), [cases["pay"].pk]) == {cases["pay"].pk: 1.0}


@pytest.mark.django_db
def test_search_index_structures_exist_as_migrated():
    """PostgreSQL: both GIN indexes, without the pending list that makes every
    search scan unsorted entries after an import. SQLite: the FTS5 table."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname, c.reloptions FROM pg_class c WHERE c.relname IN "
                "('consultations_casesearch_vector_gin', 'consultations_casesearch_title_gin')"
            )
            rows = dict(cursor.fetchall())
            assert set(rows) == {"consultations_casesearch_vector_gin", "consultations_casesearch_title_gin"}
            assert all("fastupdate=off" in (options or []) for options in rows.values())
        else:
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'consultations_case_fts'")
            assert "fts5" in cursor.fetchone()[0].lower()
