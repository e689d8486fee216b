"""Pure text analysis: no database."""

import threading

import pytest

from consultations import textsearch as ts
from consultations.glossary_links import link_terms


@pytest.fixture(autouse=True)
def _clean_cache():
    """These tests touch no database and no cache (overrides conftest's)."""
    yield


@pytest.mark.parametrize(
    ("typed", "token"),
    [
        ("シュミレーション", "シミュレーション"),
        ("打切り", "打ち切る"),
        ("ＩＴ", "it"),
        ("ｷﾞｬﾗ", "ギャラ"),
        ("労災", "労災"),
        ("解雇", "解雇"),
    ],
)
def test_spelling_variants_meet(typed, token):
    assert token in ts.tokens(typed)


def test_index_holds_long_units_and_their_parts():
    assert ts.index_tokens("業務委託契約書") == ["業務委託", "業務", "委託", "契約書", "契約", "書"]


def test_particles_and_light_verbs_are_dropped():
    assert ts.tokens("報酬が未払いのまま連絡が取れません。どうしたらいいですか？") == [
        "報酬",
        "未払い",
        "連絡",
        "取れる",
    ]


@pytest.mark.parametrize("raw", ["", "   ", "\x00\x1b", "😀🙏", '"*()', "あ" * 5000])
def test_parse_never_fails(raw):
    query = ts.parse_query(raw, {})
    assert len(query.groups) <= ts.MAX_QUERY_TOKENS


def test_synonyms_are_one_set_in_both_directions():
    synonyms = ts.build_synonyms([("報酬", ["ギャラ"]), ("契約解除", ["うちきり"])])
    gara = ts.parse_query("ギャラ 未払い", synonyms)
    assert gara.groups[0] == [("報酬",), ("ギャラ",)] and gara.groups[1] == [("未払い",)]
    assert ts.parse_query("報酬", synonyms).groups == gara.groups[:1]
    # An alias Sudachi cannot read is matched as typed, not searched as its pieces.
    assert ts.parse_query("うちきりされた", synonyms).groups == [[("契約解除",), ("契約", "解除")]]


def test_a_multi_word_alias_is_one_phrase():
    synonyms = ts.build_synonyms([("支払遅延", ["支払い遅れ", "未入金", "報酬未払い"])])
    query = ts.parse_query("未入金", synonyms)
    assert query.groups == [
        [("支払い", "遅延"), ("支払い", "遅れ"), ("未入金",), ("未", "入金"), ("報酬", "未払い")]
    ]
    # A phrase after a long unit skips the unit's short parts in the index.
    assert ts.build_synonyms([("報酬", ["業務委託料"])])["報酬"][1:] == [
        ("業務委託料",),
        ("業務", "委託", "料"),
    ]
    assert ts.build_synonyms([("料金", ["業務委託 料"])])["料金"][1] == ("業務委託", ts.SKIP, ts.SKIP, "料")


def test_negations_are_indexed_and_inflected_aliases_searched():
    assert ts.index_tokens("振り込まれません") == ["振り込む", "振る", "込む", ts.NEGATION]
    assert ts.index_tokens("払われた") == ["払う"]
    synonyms = ts.build_synonyms([("支払遅延", ["入金されない", "払ってくれない"])])
    assert ("入金", ts.NEGATION) in synonyms["支払遅延"] and ("払う", ts.NEGATION) in synonyms["支払遅延"]
    # The negation alone is never a word to search.
    assert ts.parse_query("払われない", {}).groups == [[("払う",)]]


def test_single_characters_come_only_from_what_was_typed():
    synonyms = ts.build_synonyms([("報酬", ["額"])])
    assert synonyms["報酬"] == [("報酬",)]
    assert ts.parse_query("額", {}).groups == [[("額",)]]


def test_typed_words_are_told_apart_from_synonyms():
    synonyms = ts.build_synonyms([("報酬", ["ギャラ"]), ("契約書", ["口約束"])])
    query = ts.parse_query("ギャラ 口約束 シミュ", synonyms)
    assert query.typed == [("ギャラ",), ("口約束",), ("口", "約束"), ("シミュ",)]
    assert query.all_tokens() >= {"報酬", "ギャラ", "契約書", ("口", "約束")}


def test_highlight_marks_phrases_whole_and_not_their_loose_words():
    synonyms = ts.build_synonyms([("支払遅延", ["未払い", "支払い遅れ", "振り込まれない"])])
    wanted = ts.parse_query("未払い", synonyms).all_tokens()
    hits = [s.text for s in ts.highlight("ギャラが振り込まれません。支払い遅れが続きます", wanted) if s.hit]
    assert hits == ["振り込まれません", "支払い遅れ"]
    loose = ts.highlight("荷物の遅れを理由に、支払いを止められた", wanted)
    assert not any(s.hit for s in loose)


def test_synonyms_only_match_whole_words():
    synonyms = ts.build_synonyms([("契約", ["約束"])])
    assert ts.parse_query("契約書", synonyms).groups == [[("契約書",), ("契約", "書")]]


def test_prefix_only_while_typing_a_plain_word():
    assert ts.parse_query("シミュ", {}, prefix=True).prefix is True
    assert ts.parse_query("シミュ ", {}, prefix=True).prefix is False


def test_highlight_marks_variants_and_keeps_case():
    segments = ts.highlight("ITエンジニアの報酬シュミレーション", {"シミュレーション", "it"})
    assert [s.text for s in segments if s.hit] == ["IT", "シュミレーション"]


def test_highlight_windows_long_text():
    segments = ts.highlight("あ" * 300 + "労災" + "い" * 300, {"労災"}, width=40)
    assert segments[0].text == "…" and segments[-1].text == "…"
    assert any(s.hit and s.text == "労災" for s in segments)


@pytest.mark.parametrize(
    ("reading", "row"),
    [
        ("あんぜん", "あ"),
        ("がいこう", "か"),
        ("じゅう", "さ"),
        ("っぽ", "た"),
        ("ぱーと", "は"),
        ("ゆうき", "や"),
        ("ろうさい", "ら"),
        ("をかし", "わ"),
        ("ギャラ", "か"),
        ("abc", ""),
        ("", ""),
    ],
)
def test_kana_row(reading, row):
    assert ts.kana_row(reading) == row


def test_one_tokenizer_per_thread():
    seen = []

    def work():
        seen.append(ts._tokenizer())
        ts.tokens("報酬")

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(t) for t in seen}) == 3  # all alive, so ids are distinct


def test_glossary_links_first_occurrence_only_and_never_nested():
    html = [
        '<p>報酬と<a href="/x">報酬</a>と業務委託契約と&lt;b&gt;契約</p>',
        "<p>報酬 契約</p><pre>契約</pre>",
    ]
    parts, linked = link_terms(html, {"報酬": "/g/1", "契約": "/g/2", "業務委託契約": "/g/3"})
    assert parts[0] == (
        '<p><a class="glossary-link" href="/g/1">報酬</a>と<a href="/x">報酬</a>と'
        '<a class="glossary-link" href="/g/3">業務委託契約</a>と&lt;b&gt;'
        '<a class="glossary-link" href="/g/2">契約</a></p>'
    )
    assert parts[1] == "<p>報酬 契約</p><pre>契約</pre>"
    assert linked == ["報酬", "業務委託契約", "契約"]


def test_case_tokens_count_phrases_per_column_with_skips():
    case = ts.CaseTokens(["支払い", "の", "遅れ"], ["支払い", "遅れ", "支払い", "x", "遅れ", "支払い"])
    assert case.count(("支払い",)) == (1, 3)
    assert case.count(("支払い", "遅れ")) == (0, 1)
    assert case.count(("支払い", ts.SKIP, "遅れ")) == (1, 1)
    assert case.count(("遅れ", ts.SKIP, "x")) == (0, 1)
    assert case.count(("支払い", "x", "遅れ", "支払い", "y")) == (0, 0)  # past the end
    assert ts.CaseTokens(["支払い", "x"], ["遅れ"]).count(("支払い", ts.SKIP, "遅れ")) == (
        0,
        0,
    )  # across columns


def test_tsvector_tokens_reads_back_what_search_writes():
    from consultations.search import tsvector_literal

    title, body = ["報酬", "it's", "a\\b"], ["報酬", "未払い", "報酬"]
    # As PostgreSQL prints it back: the same entries, weights A and B.
    assert ts.tsvector_tokens(tsvector_literal(title, body)) == (title, body)
    assert ts.tsvector_tokens("") == ([], [])


def test_tsvector_positions_leave_the_weights_out():
    # As ts_filter(setweight(...)) prints a search's candidate back: every weight C,
    # a quote doubled, a backslash escaped; a position printed without a weight is D.
    text = "'it''s':3C '報酬':1C,12C 'a\\\\b':7 '未払い':2A,40B"
    assert list(ts.tsvector_positions(text)) == [
        ("it's", [3]),
        ("報酬", [1, 12]),
        ("a\\b", [7]),
        ("未払い", [2, 40]),
    ]
    assert [(t, [p for p, _ in slots]) for t, slots in ts.tsvector_entries(text)] == list(
        ts.tsvector_positions(text)
    )
    assert list(ts.tsvector_positions("")) == []


def test_estimated_documents_go_by_the_rarest_word():
    frequencies = {"報酬": 0.5, "未払い": 0.1}
    assert ts.estimated_documents(("報酬",), frequencies, 0.01, 1000) == 500
    assert ts.estimated_documents(("報酬", ts.SKIP, "未払い"), frequencies, 0.01, 1000) == 100
    assert ts.estimated_documents(("骨折",), frequencies, 0.01, 1000) == 5  # unlisted: half the least
    assert ts.estimated_documents((ts.SKIP,), frequencies, 0.01, 1000) == 0
