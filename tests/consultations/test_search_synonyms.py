"""The shipped synonym dictionary (consultations/data/search_synonyms.tsv)."""

import pytest

from consultations import search, textsearch
from consultations.search import search_cases
from tests.consultations.factories import CaseFactory, GlossaryTermFactory

SETS = textsearch.read_synonym_sets(textsearch.SHIPPED_SYNONYMS.read_text(encoding="utf-8"))


def test_the_file_parses_into_at_least_200_sets_each_with_a_note():
    assert len(SETS) >= 200
    for entry in SETS:
        assert len(entry.words) >= 2, f"line {entry.line}: a set needs two words or more"
        assert entry.note, f"line {entry.line}: a set needs a note of its meaning"


def test_no_single_character_words():
    short = [(s.line, w) for s in SETS for w in s.words if len(textsearch.normalize(w)) < 2]
    assert short == []


def test_each_word_belongs_to_one_set_only():
    """No duplicate or contradicting sets: a word in two sets would join two meanings."""
    seen: dict[str, int] = {}
    clashes = []
    for entry in SETS:
        assert len({textsearch.normalize(w) for w in entry.words}) == len(entry.words), entry.line
        for word in entry.words:
            key = textsearch.normalize(word)
            if key in seen:
                clashes.append((word, seen[key], entry.line))
            seen[key] = entry.line
    assert clashes == []


def test_every_set_gives_phrases_to_search():
    keys = {key for keys, _ in textsearch.shipped_synonyms() for key in keys}
    assert len(textsearch.shipped_synonyms()) == len(SETS)
    assert {"バックレ", "キャンセル料", "垢ban", "ドタキャン", "ピンハネ"} <= keys


def test_read_synonym_sets_skips_comments_and_keeps_notes():
    text = "# comment\n\nギャラ|謝礼\t仕事の対価\n"
    assert textsearch.read_synonym_sets(text) == [textsearch.SynonymSet(("ギャラ", "謝礼"), "仕事の対価", 3)]


def _shipped_only() -> dict:
    return textsearch.merge_synonyms({}, textsearch.shipped_synonyms())


def test_a_colloquial_query_expands_to_its_set():
    query = textsearch.parse_query("クライアントにバックレられた", _shipped_only())
    phrases = {p for group in query.groups for p in group}
    assert ("音信", "不通") in phrases
    assert ("連絡", "取れる", "ない") in phrases
    assert ("ばっくれる",) in query.typed


def test_a_shipped_set_joins_the_glossary_set_it_shares_a_word_with():
    glossary = textsearch.build_synonyms([("損害賠償", ["違約金", "弁償"])])
    merged = textsearch.merge_synonyms(glossary, textsearch.shipped_synonyms())
    # The glossary's phrases come first; キャンセル料 also finds what staff listed for 違約金.
    assert merged["違約金"][: len(glossary["違約金"])] == glossary["違約金"]
    assert ("損害賠償",) in merged["キャンセル料"]
    assert ("違約金",) in merged["キャンセル料"]
    # Words in no shipped set keep the glossary's set as it is.
    assert merged["損害賠償"] == glossary["損害賠償"]


@pytest.mark.django_db
def test_a_case_saying_iyakukin_is_found_by_cancel_fee():
    case = CaseFactory(
        external_id="C-PEN",
        title="辞めるなら違約金を払えと言われた",
        question="業務委託のレッスンを辞めたいと伝えたら、違約金を請求すると言われました。",
        answer="金額が実際の損害に比べて高すぎる定めは、争える場合があります。",
    )
    CaseFactory(
        external_id="C-OTHER",
        title="納品したのに報酬が支払われない",
        question="納品して3か月たちますが振り込まれません。",
        answer="支払期日を区切って催促しましょう。",
    )
    assert [c.external_id for c in search_cases("キャンセル料", limit=5)] == [case.external_id]


@pytest.mark.django_db
def test_the_glossary_and_the_shipped_dictionary_work_together():
    CaseFactory(external_id="C-GONE", title="発注者と音信不通になった", question="報酬も払われていません。")
    CaseFactory(external_id="C-LATE", title="発注者の支払いが遅れている", question="毎月1週間ほど遅れます。")
    GlossaryTermFactory(term="発注者", aliases=["クライアント"])
    search.forget_synonyms()
    found = [c.external_id for c in search_cases("クライアント バックレ", limit=5)]
    # クライアント through the glossary, バックレ through the shipped set: the case
    # matching both comes first (the other only shares 発注者).
    assert found[0] == "C-GONE"


@pytest.mark.django_db
def test_the_acts_popular_name_finds_cases_that_use_its_short_name(client):
    """フリーランス新法 is what most people call the Act; cases say フリーランス法.
    It used to be read as a typo of フリーランス (「もしかして」) and lose 新法."""
    CaseFactory(
        external_id="C-ACT",
        title="フリーランス法で取引条件の明示は義務？",
        question="発注のときに報酬額も支払期日も書いてもらえません。",
    )
    CaseFactory(
        external_id="C-PAL", title="フリーランスの仲間がほしい", question="一人で働いていて孤独です。"
    )
    GlossaryTermFactory(
        term="フリーランス・事業者間取引適正化等法", aliases=["フリーランス法", "フリーランス新法"]
    )
    search.forget_synonyms()
    assert search.parse("フリーランス新法").suggestion == ""
    assert search_cases("フリーランス新法", limit=5)[0].external_id == "C-ACT"
    page = client.get("/consultations/", {"q": "フリーランス新法"}).content.decode()
    assert "もしかして" not in page and "/consultations/cases/C-ACT/" in page


@pytest.mark.django_db
def test_a_freelancer_who_calls_the_fee_kyuryo_finds_the_fee_cases():
    """Most people outside employment still say 給料 for what they are paid:
    it joins 報酬, while 給与 and 賃金 (the legal and tax words) stay apart."""
    CaseFactory(
        external_id="C-FEE", title="納品したのに報酬が振り込まれない", question="納品して2か月たちました。"
    )
    CaseFactory(
        external_id="C-TAX", title="給与所得と事業所得の違い", question="会社の給与と副業の収入があります。"
    )
    search.forget_synonyms()
    assert [c.external_id for c in search_cases("給料", limit=5)] == ["C-FEE"]
    assert search_cases("お給料 振り込まれない", limit=5)[0].external_id == "C-FEE"
    assert [c.external_id for c in search_cases("給与", limit=5)] == ["C-TAX"]


def test_hiragana_spelling_a_katakana_word_of_the_dictionary_is_that_word():
    """ぱわはら typed on a phone found nothing when no case says パワハラ."""
    terms = textsearch.index_terms("取引先からハラスメントを受けた。")[1]
    vocabulary = textsearch.Vocabulary((t.token, t.reading, t.groups) for t in terms)
    for typed, word in [("ぱわはら", "パワハラ"), ("どたきゃん", "ドタキャン")]:
        query = textsearch.parse_query(typed, _shipped_only(), vocabulary=vocabulary)
        assert query.suggestion == word
        assert query.groups == textsearch.parse_query(word, _shipped_only(), vocabulary=vocabulary).groups
    assert ("パワーハラスメント",) in textsearch.parse_query(
        "ぱわはら", _shipped_only(), vocabulary=vocabulary
    ).groups[0]
    # A hiragana word of its own (いじめ, in the set beside イジメ) is not respelt.
    assert textsearch.parse_query("いじめ", _shipped_only(), vocabulary=vocabulary).suggestion == ""
