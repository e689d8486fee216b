"""Variants and typos without a database: kana, width, romaji, compound words,
Sudachi synonym groups, typo candidates, and the rank fusion."""

import pytest

from consultations import fusion, textsearch
from consultations.fusion import fuse
from consultations.textsearch import Vocabulary, edit_distance, katakana, parse_query, romaji_to_katakana


def vocabulary_of(*texts: str) -> Vocabulary:
    terms = set()
    for text in texts:
        terms |= textsearch.index_terms(text)[1]
    return Vocabulary((t.token, t.reading, t.groups) for t in terms)


VOCAB = vocabulary_of(
    "納品したのに報酬が支払われない。未払いの報酬を請求したい。",
    "契約を解除されて違約金を請求された。",
    "手取りのシミュレーションをしたい。",
    "インボイスの登録について。",
)


def phrases(query) -> set:
    return {p for group in query.groups for p in group}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ほうしゅう", "ホウシュウ"),
        ("ホウシュウ", "ホウシュウ"),
        ("みばらいー", "ミバライー"),
        ("abc", "abc"),
    ],
)
def test_katakana(text, expected):
    assert katakana(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("houshuu", "ホウシュウ"), ("mibarai", "ミバライ"), ("keiyaku", "ケイヤク"), ("qwrt", ""), ("報酬", "")],
)
def test_romaji(text, expected):
    assert romaji_to_katakana(text) == expected


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("シミュレーション", "シュミレーション", 1),
        ("シミュレーション", "シュミレーシン", 2),
        ("インボイス", "インボイズ", 1),
        ("違約金", "違約金", 0),
    ],
)
def test_edit_distance_counts_swaps_as_one(a, b, distance):
    assert edit_distance(a, b) == distance


def test_vocabulary_reads_kana_and_romaji_as_known_words():
    assert VOCAB.rewrite_kana("ほうしゅう") == "報酬"
    assert VOCAB.rewrite_kana("houshuu") == "報酬"
    assert VOCAB.rewrite_kana("ほうしゅうのみはらい") == "報酬 未払い"
    assert VOCAB.rewrite_kana("ぬるぽ") == ""
    # A stretch no known word reads is kept as typed, not dropped with the particles.
    assert VOCAB.rewrite_kana("ほうしゅうがばっくれた") == "報酬 がばっくれた"


@pytest.mark.parametrize("typed", ["ほうしゅう", "houshuu", "ホウシュウ"])
def test_kana_and_romaji_query_finds_the_kanji_word_and_suggests_it(typed):
    query = parse_query(typed, vocabulary=VOCAB)
    assert ("報酬",) in phrases(query)
    assert query.suggestion == "報酬"


def test_half_width_katakana_is_the_same_word():
    assert parse_query("ﾍﾟﾅﾙﾃｨ").groups == parse_query("ペナルティ").groups


def test_sudachi_synonym_group_joins_words_the_cases_use():
    # ペナルティ and 違約金 share a group in Sudachi's synonym dictionary.
    query = parse_query("ペナルティ", vocabulary=VOCAB)
    assert ("違約金",) in phrases(query)
    assert query.suggestion == ""  # a synonym is not a correction


def test_typo_finds_the_known_word_and_offers_it():
    query = parse_query("インボイズ", vocabulary=VOCAB)
    assert ("インボイス",) in phrases(query)
    assert query.suggestion == "インボイス"


def test_a_short_word_with_its_middle_character_mistyped_is_found():
    # 違役金 shares no two adjacent characters with 違約金, only 違_金.
    assert VOCAB.near("違役金") == ["違約金"]
    query = parse_query("違役金 払わないといけない", vocabulary=VOCAB)
    assert ("違約金",) in phrases(query)
    assert query.suggestion.startswith("違約金")


def test_a_typo_keeps_its_first_character():
    assert VOCAB.near("約約金") == []


def test_known_words_get_no_suggestion():
    assert parse_query("報酬 未払い", vocabulary=VOCAB).suggestion == ""


def test_compound_and_separate_words_ask_for_the_same_words():
    assert parse_query("報酬未払い").groups == parse_query("報酬 未払い").groups


def test_index_holds_compounds_and_their_parts():
    tokens, terms = textsearch.index_terms("契約解除")
    assert tokens == ["契約解除", "契約", "解除"]
    assert {t.token for t in terms} == {"契約解除", "契約", "解除"}


def test_no_vocabulary_means_no_variants():
    assert parse_query("ほうしゅう").suggestion == ""


def test_fusion_rewards_cases_both_rankings_agree_on():
    assert fuse([1, 2, 3], [(3, 0.9), (4, 0.9)], floor=0.8)[0] == 3
    # With the two rankings weighted alike, the lexical first comes next.
    assert fuse([1, 2, 3], [(3, 0.9), (4, 0.9)], floor=0.8, weight=1.0)[:2] == [3, 1]


def test_fusion_drops_far_semantic_only_cases():
    assert fuse([1], [(2, 0.5), (1, 0.5)], floor=0.8) == [1]
    assert fuse([], [(2, 0.5)], floor=0.8) == []


def test_fusion_candidates_are_what_it_scores():
    lexical, semantic = [1, 2], [(3, 0.9), (4, 0.5), (2, 0.5)]
    assert fusion.candidates(lexical, semantic, floor=0.8) == [1, 2, 3]
    assert set(fusion.candidates(lexical, semantic, floor=0.8)) == set(fuse(lexical, semantic, floor=0.8))


def test_coverage_factor_runs_from_the_floor_to_one():
    assert fusion.covered(0.0) == pytest.approx(fusion.COVERAGE_FLOOR)
    assert fusion.covered(1.0) == pytest.approx(1.0)
    assert fusion.covered(0.5) == pytest.approx((1 + fusion.COVERAGE_FLOOR) / 2)
    assert fusion.covered(2.0) == pytest.approx(1.0)


def test_a_case_holding_every_word_passes_one_holding_some():
    # 1 is first in both rankings but holds one word of two; 2 holds both.
    lexical, semantic = [1, 2, 3], [(1, 0.9), (2, 0.9), (4, 0.9)]
    assert fuse(lexical, semantic, floor=0.8)[:2] == [1, 2]
    assert fuse(lexical, semantic, floor=0.8, coverage={1: 0.5, 2: 1.0, 3: 1.0})[:2] == [2, 1]
    # Found by meaning alone (no word): after the cases holding words, still there.
    assert fuse([1], [(4, 0.9), (1, 0.85)], floor=0.8, coverage={1: 1.0}) == [1, 4]


def test_coverage_of_none_or_the_same_share_keeps_the_order():
    lexical, semantic = [1, 2, 3], [(3, 0.9), (4, 0.9)]
    plain = fuse(lexical, semantic, floor=0.8)
    assert fuse(lexical, semantic, floor=0.8, coverage={}) == plain
    assert fuse(lexical, semantic, floor=0.8, coverage=dict.fromkeys(plain, 0.5)) == plain


def test_a_compound_of_glossary_words_is_searched_as_its_words():
    synonyms = textsearch.build_synonyms([("報酬", ["ギャラ"]), ("支払遅延", ["未払い", "報酬未払い"])])
    assert parse_query("報酬未払い", synonyms).groups == parse_query("報酬 未払い", synonyms).groups


def test_a_kana_reading_of_a_synonym_finds_that_word_not_a_homophone():
    # せいきゅう reads 請求; Sudachi alone would take it for 性急.
    synonyms = textsearch.build_synonyms([("請求書", ["請求", "せいきゅう"]), ("ハラスメント", ["いじめ"])])
    assert ("性急",) not in synonyms["せいきゅう"]
    assert ("請求",) in synonyms["せいきゅう"]
    # A kana word that reads no other word of its set is still searched as analysed.
    assert ("苛め",) in synonyms["ハラスメント"]


def test_a_kana_sentence_keeps_the_word_no_case_uses():
    """インボイスがばっくれた: インボイス is known, ばっくれる is not; the query
    keeps both (it was cut to インボイス and offered as 「もしかして」)."""
    query = parse_query("インボイスがばっくれた", {}, vocabulary=VOCAB)
    assert ("インボイス",) in phrases(query)
    assert any("ばっくれる" in phrase for phrase in phrases(query))
    assert query.suggestion == ""


def test_a_phrase_with_skipped_tokens_finds_its_words_on_sqlite():
    """FTS5's NEAR distance runs from the end of the first word to the start of
    the last: the words between count, or a 3-word phrase with a skip never matches."""
    import sqlite3

    from consultations.search import _fts_phrase

    phrase = ("労災保険", textsearch.SKIP, textsearch.SKIP, "特別", "加入")
    near = _fts_phrase(phrase, False)
    assert near == 'NEAR("労災保険" "特別" "加入", 3)'
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE f USING fts5(body)")
    db.executemany("INSERT INTO f (body) VALUES (?)", [("労災保険 労災 保険 特別 加入",), ("労災保険 特別",)])
    assert db.execute("SELECT count(*) FROM f WHERE f MATCH ?", [near]).fetchone() == (1,)


def test_idf_falls_as_more_cases_hold_the_phrase():
    assert fusion.idf(1, 1000) > fusion.idf(100, 1000) > fusion.idf(900, 1000) > 0


def test_words_score_counts_each_word_once_by_its_best_phrase():
    # One word held through three synonyms scores as its best synonym alone.
    many = fusion.words_score([[(0, 1, 1.0), (0, 1, 1.0), (0, 1, 1.0)]], length=10, average=10)
    assert many == pytest.approx(fusion.words_score([[(0, 1, 1.0)]], length=10, average=10))
    # Two words held pass one word held three ways.
    two = fusion.words_score([[(0, 1, 1.0)], [(0, 1, 1.0)]], length=10, average=10)
    assert two > many
    # The title counts more; a rarer phrase (higher idf) counts more; a longer case less.
    assert fusion.words_score([[(1, 0, 1.0)]], length=10, average=10) > many
    assert fusion.words_score([[(0, 1, 2.0)]], length=10, average=10) > many
    assert fusion.words_score([[(0, 1, 1.0)]], length=40, average=10) < many
    assert fusion.words_score([[(0, 0, 5.0)]], length=10, average=10) == 0


def test_each_model_has_its_floor_and_an_unknown_one_a_strict_floor():
    assert fusion.floor_for("hashing-ngrams-v1") == 0.5
    assert fusion.floor_for("some-server-model") == fusion.FLOOR_UNKNOWN == 0.85


def test_feedback_moves_the_query_toward_its_neighbours_and_keeps_a_unit_vector():
    import numpy as np

    query = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    neighbours = np.array([[0.0, 1.0, 0.0], [0.6, 0.8, 0.0]], dtype=np.float32)
    moved = fusion.refine(query, neighbours, weight=0.5)
    assert moved.dtype == np.float32
    assert np.linalg.norm(moved) == pytest.approx(1.0, abs=1e-6)
    # query + 0.5 x mean = (1.15, 0.45, 0): closer to the neighbours, still mostly the query.
    assert moved == pytest.approx(np.array([1.15, 0.45, 0.0]) / np.hypot(1.15, 0.45), abs=1e-6)
    assert moved @ neighbours.mean(axis=0) > query @ neighbours.mean(axis=0)
    # No neighbours, no weight, or a cancelling mean: the query as it was.
    assert fusion.refine(query, np.zeros((0, 3), dtype=np.float32)) is query
    assert fusion.refine(query, neighbours, weight=0) is query
    assert fusion.refine(query, -query[None, :], weight=1.0) is query


def test_only_short_queries_use_feedback(monkeypatch):
    assert fusion.uses_feedback(1) and fusion.uses_feedback(fusion.LONG_QUERY_WORDS - 1)
    assert not fusion.uses_feedback(fusion.LONG_QUERY_WORDS)
    monkeypatch.setattr(fusion, "FEEDBACK_CASES", 0)
    assert not fusion.uses_feedback(1)


def test_a_known_word_with_another_word_is_not_taken_for_a_typo():
    """フリーランス新法 (its popular name; no case says 新法) is not 「もしかして
    フリーランス」: a correction would drop the word that says what is meant."""
    vocabulary = vocabulary_of("フリーランスの報酬。フリーランス法が施行された。")
    query = parse_query("フリーランス新法", vocabulary=vocabulary)
    assert query.suggestion == ""
    assert ("新法",) in phrases(query) and ("フリーランス",) in phrases(query)
    # A typo inside one word is still corrected.
    assert parse_query("フリーランスス", vocabulary=vocabulary).suggestion == "フリーランス"


def test_two_kana_are_not_read_as_a_word_they_only_resemble():
    """タダ (free of charge) was offered as 「もしかして：立つ」."""
    vocabulary = vocabulary_of("役に立たない。無償で修正した。仕事中に怪我をした。")
    assert parse_query("タダ", vocabulary=vocabulary).suggestion == ""
    assert parse_query("追加修正 タダ", vocabulary=vocabulary).suggestion == ""
    # Two kana that Sudachi reads as a known word still are that word.
    assert parse_query("ケガ", vocabulary=vocabulary).suggestion == "怪我"


@pytest.mark.parametrize(
    ("typed", "looks_like"),
    [
        ("ホスト", "ホット"),  # a word Sudachi knows is not a typo
        ("ネイリスト", "寝入り"),  # a katakana word is not read as the words inside it
        ("ギグワーク", "ワーク"),
        ("スポーツ選手", "スポーツジム"),  # dictionary words: one typo at most, not two
    ],
)
def test_real_words_are_not_corrected_into_other_words(typed, looks_like):
    vocabulary = vocabulary_of("ホットな話題。寝入りが悪い。リモートワーク。スポーツジムの仕事。")
    assert looks_like in vocabulary
    query = parse_query(typed, vocabulary=vocabulary)
    assert query.suggestion == ""
    assert (looks_like,) not in phrases(query)


def test_real_typos_are_still_corrected():
    vocabulary = vocabulary_of("インボイスの登録。違約金を請求された。")
    assert parse_query("インボイズ", vocabulary=vocabulary).suggestion == "インボイス"
    assert parse_query("違役金", vocabulary=vocabulary).suggestion == "違約金"


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("ぎゃら はらわれない", "ギャラ 払われない"),  # was 「ギャラ 払う れない」
        ("ほうしゅう さげられた", "報酬 下げられた"),  # was 「報酬 下げる」
        ("しゅうにゅう へった", "収入 減った"),
        ("しはらい", "支払い"),  # a noun is still the word itself
    ],
)
def test_kana_verbs_are_suggested_as_written_not_as_dictionary_forms(typed, shown):
    vocabulary = vocabulary_of(
        "ギャラが払われない。報酬を下げられた。収入が減った。支払いが遅い。",
        "報酬を払う。下げる。減る。",
    )
    assert parse_query(typed, vocabulary=vocabulary).suggestion == shown
    # The suggestion searches the same words as the kanji typed directly.
    assert phrases(parse_query(shown, vocabulary=vocabulary)) <= phrases(
        parse_query(typed, vocabulary=vocabulary)
    )


def test_one_character_words_are_not_read_inside_kana():
    """きゅうりょう was offered as 「9 料」 (キュウ is how 9 is read)."""
    vocabulary = vocabulary_of("9件の依頼。手数料と料金。")
    assert "9" not in parse_query("きゅうりょう はらわれない", vocabulary=vocabulary).suggestion
