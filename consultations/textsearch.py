"""Japanese text for search: normalisation, tokenising, synonyms, snippets.

Pure: no ORM, request or settings. Both the index and the query go through
``tokens()`` so that spelling variants meet: Unicode NFKC (ＩＴ → IT, half-width
kana → full-width), lower case, then SudachiPy's ``normalized_form``
(シュミレーション → シミュレーション, 打切り → 打ち切る).

The index holds the long units (mode C, 業務委託) *and* their short parts
(mode A, 業務 / 委託), so a query typed either way matches. Synonyms come in
as data, never as code: the glossary's aliases (staff edit them) and the
shipped dictionary ``consultations/data/search_synonyms.tsv`` (versioned in git).
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import jaconv
from sudachipy import Dictionary, SplitMode

MAX_QUERY_CHARS = 200
MAX_QUERY_TOKENS = 12

# Parts of speech that carry no meaning for search (particles, auxiliaries,
# punctuation, whitespace) and light verbs such as する・ある・なる.
_SKIP_POS = {"助詞", "助動詞", "補助記号", "空白", "記号", "接続詞", "感動詞", "代名詞"}
_STOP_WORDS = {
    "こと",
    "もの",
    "ため",
    "よう",
    "とき",
    "ところ",
    "方",
    "さん",
    "の",
    "ん",
    "等",
    "みたい",
    "ほしい",
    "いい",
    "良い",
    "どう",
    "どうして",
    "なぜ",
    "何",
    "なに",
    "ない",
    "無い",
    "いう",
    "言う",
    "思う",
    "おもう",
    "くれる",
    "もらう",
    "貰う",
    "いただく",
    "頂く",
    "困る",
    "知る",
    "教える",
    "わかる",
    "分かる",
    "来る",
    "行く",
    "大丈夫",
    "場合",
    "今",
    "今回",
    "相談",
    "質問",
    "お願い",
    "侭",
    "まま",
}
# A negation (払われない, 振り込まれません) is indexed as this token right after
# its verb, so "not paid" and "paid" can be told apart as a phrase.
NEGATION = "ない"
_NEGATIONS = {"ない", "ず", "ぬ"}
# In a phrase, one index position taken by a short part (any token): the
# long unit 業務委託 is followed in the index by 業務 and 委託, so 業務委託 料
# is the phrase ("業務委託", SKIP, SKIP, "料").
SKIP = ""
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")

_local = threading.local()
_dictionary_lock = threading.Lock()
_dictionary: Dictionary | None = None


def _tokenizer():
    """One Sudachi tokenizer per thread (a tokenizer is not thread-safe)."""
    global _dictionary
    tok = getattr(_local, "tokenizer", None)
    if tok is None:
        with _dictionary_lock:
            if _dictionary is None:
                _dictionary = Dictionary(dict="core")
        tok = _local.tokenizer = _dictionary.tokenizer()
    return tok


def clean(text: str) -> str:
    """NFKC, control characters out, runs of space collapsed (for display)."""
    text = unicodedata.normalize("NFKC", text or "")
    return " ".join(_CONTROL.sub(" ", text).split())


def normalize(text: str) -> str:
    """``clean`` and lower case: the form every comparison uses."""
    return clean(text).lower()


def _is_negation(morpheme) -> bool:
    return morpheme.part_of_speech()[0] == "助動詞" and morpheme.normalized_form() in _NEGATIONS


def _keep(morpheme) -> bool:
    pos = morpheme.part_of_speech()
    if pos[0] in _SKIP_POS:
        return False
    if pos[0] in {"動詞", "形容詞"} and pos[1] == "非自立可能":
        return False
    return morpheme.normalized_form() not in _STOP_WORDS


def _clean_token(token: str) -> str:
    # The index formats (tsquery, FTS5) get only letters and digits.
    return "".join(ch for ch in normalize(token) if ch.isalnum() or ch in "ー々〆ヶ")


@dataclass(frozen=True)
class Term:
    """A word as the index holds it, with its reading (katakana) and its
    Sudachi synonym groups (words sharing a group mean the same thing)."""

    token: str
    reading: str = ""
    groups: tuple[int, ...] = ()


@dataclass(frozen=True)
class Unit:
    """One long unit (Sudachi mode C) with its short parts (mode A), e.g.
    業務委託 = (業務, 委託); ``begin``/``end`` index the normalised text."""

    token: str
    parts: tuple[str, ...]
    begin: int
    end: int
    terms: tuple[Term, ...] = ()  # the unit's own term first, then its parts'
    in_dictionary: bool = True  # Sudachi knows the word (ホスト): not a typo

    @property
    def groups(self) -> tuple[int, ...]:
        return self.terms[0].groups if self.terms else ()


def units(text: str) -> list[Unit]:
    """Meaningful units of already normalised ``text``, in order."""
    out = []
    for m in _tokenizer().tokenize(text, SplitMode.C):
        if _is_negation(m):
            if out and out[-1].token != NEGATION:
                out.append(Unit(NEGATION, (), m.begin(), m.end()))
            continue
        if not _keep(m):
            continue
        token = _clean_token(m.normalized_form())
        if not token:
            continue
        terms = [_term(token, m)]
        for part in m.split(SplitMode.A):
            part_token = _clean_token(part.normalized_form())
            if part_token:
                terms.append(_term(part_token, part))
        if len(terms) == 2:  # one part: the unit itself
            terms = terms[:1]
        parts = tuple(t.token for t in terms[1:])
        out.append(Unit(token, parts, m.begin(), m.end(), tuple(terms), not m.is_oov()))
    return out


def _term(token: str, morpheme) -> Term:
    return Term(token, katakana(morpheme.reading_form()), tuple(morpheme.synonym_group_ids()))


def index_terms(text: str) -> tuple[list[str], set[Term]]:
    """``index_tokens`` and the terms (reading, synonym groups) of ``text``."""
    tokens: list[str] = []
    terms: set[Term] = set()
    for unit in units(normalize(text)):
        tokens.append(unit.token)
        tokens.extend(unit.parts)
        terms.update(unit.terms)
    return tokens, terms


def index_tokens(text: str) -> list[str]:
    """Tokens to index: every long unit followed by its short parts, so that
    a query typed either way (業務委託 or 委託) matches."""
    out: list[str] = []
    for unit in units(normalize(text)):
        out.append(unit.token)
        out.extend(unit.parts)
    return out


def tokens(text: str) -> list[str]:
    """The long-unit tokens of ``text`` (what a query asks for)."""
    return [unit.token for unit in units(normalize(text)) if unit.token != NEGATION]


# --- Queries -----------------------------------------------------------------------
# A phrase is a run of tokens that must stand next to each other in the index
# (particles are not indexed, so 支払いが遅れ is the phrase 支払い 遅れ);
# SKIP marks a position taken by a short part. A one-token phrase is a word.
Phrase = tuple[str, ...]


def _phrase(found: list[Unit]) -> Phrase:
    """The phrase of consecutive long units, as they lie in the index."""
    out: list[str] = []
    for i, unit in enumerate(found):
        out.append(unit.token)
        if i < len(found) - 1:
            out.extend([SKIP] * len(unit.parts))
    return tuple(out)


def _covered(text: str, found: list[Unit]) -> bool:
    """Whether Sudachi read all of ``text`` as words. Besides the kept units,
    only a negated inflection after the first of them may be left out
    (入金されない, 払ってくれない: the negation is indexed); never a piece of a
    word Sudachi could not read (うちきり → うち + きり)."""
    kept = {(u.begin, u.end) for u in found}
    if sum(e - b for b, e in kept) == len(text.replace(" ", "")):
        return True
    if found[-1].token != NEGATION:
        return False
    for m in _tokenizer().tokenize(text, SplitMode.C):
        if (m.begin(), m.end()) in kept or m.surface().isspace():
            continue
        pos = m.part_of_speech()
        inflection = pos[0] in {"助動詞", "助詞"} or pos[1] == "非自立可能"
        if not inflection or m.begin() < found[0].end:
            return False
    return True


def _alternatives(text: str) -> tuple[list[Phrase], bool]:
    """How a word may appear in the index (as itself or as its short parts),
    and whether Sudachi read all of it."""
    text = normalize(text)
    found = units(text)
    if not found:
        return [], False
    covered = _covered(text, found)
    if len(found) == 1:
        unit = found[0]
        return ([(unit.token,), unit.parts] if unit.parts else [(unit.token,)]), covered
    return [_phrase(found)], covered


def build_synonyms(entries: Iterable[tuple[str, Iterable[str]]]) -> dict[str, list[Phrase]]:
    """``[(term, [alias, …])]`` → {normalised word: [phrases to search]}.

    A term and its aliases are one set of synonyms: whichever of them a person
    types (ギャラ, 報酬, 謝礼), the cases using any of them are found.
    """
    synonyms: dict[str, list[Phrase]] = {}
    for term, aliases in entries:
        words = [term, *aliases]
        spelt = {_reading(w) for w in words if not is_kana(w)}
        phrases: list[Phrase] = []
        for word in words:
            alternatives, covered = _alternatives(word)
            # A word Sudachi cannot read whole (うちきり → うち + きり) is
            # matched as typed but never searched as its pieces; nor is a
            # kana reading of a word of the set (せいきゅう is 請求, not 性急).
            reading = is_kana(word) and katakana(word) in spelt
            if (covered and not reading) or word == term:
                # A single character (未, 額) found through a synonym would
                # match far too much on its own; as part of a phrase it is fine.
                phrases.extend(p for p in alternatives if p not in phrases and (len(p) > 1 or len(p[0]) > 1))
        if not phrases:
            continue
        for word in words:
            key = normalize(word)
            if len(key) < 2:
                continue
            merged = synonyms.setdefault(key, [])
            merged.extend(p for p in phrases if p not in merged)
    return synonyms


SHIPPED_SYNONYMS = Path(__file__).parent / "data" / "search_synonyms.tsv"


@dataclass(frozen=True)
class SynonymSet:
    words: tuple[str, ...]
    note: str
    line: int


def read_synonym_sets(text: str) -> list[SynonymSet]:
    """The shipped dictionary's sets: one a line, ``語|語|語<TAB>意味のメモ``;
    blank lines and lines starting with ``#`` are comments."""
    sets = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        words, _, note = line.partition("\t")
        found = tuple(w.strip() for w in words.split("|") if w.strip())
        sets.append(SynonymSet(found, note.strip(), number))
    return sets


@functools.lru_cache(maxsize=1)
def shipped_synonyms() -> tuple[tuple[tuple[str, ...], tuple[Phrase, ...]], ...]:
    """The shipped dictionary's sets as (normalised words, phrases to search),
    read once per process."""
    sets = read_synonym_sets(SHIPPED_SYNONYMS.read_text(encoding="utf-8"))
    built = []
    for entry in sets:
        one = build_synonyms([(entry.words[0], entry.words[1:])])
        if one:
            built.append((tuple(one), tuple(next(iter(one.values())))))
    return tuple(built)


def merge_synonyms(
    glossary: Mapping[str, list[Phrase]], shipped: Iterable[tuple[Iterable[str], Iterable[Phrase]]]
) -> dict[str, list[Phrase]]:
    """The glossary's synonyms extended by the shipped sets. The glossary comes
    first: a shipped set that shares a word with the glossary joins the
    glossary's set for that word (キャンセル料 then also finds what staff
    listed for 違約金); its phrases come after the glossary's."""
    merged = {key: list(phrases) for key, phrases in glossary.items()}
    for keys, phrases in shipped:
        keys = list(keys)
        joined = [p for key in keys for p in glossary.get(key, [])]
        for key in keys:
            into = merged.setdefault(key, [])
            into.extend(p for p in [*joined, *phrases] if p not in into)
    return merged


def _reading(text: str) -> str:
    """The katakana reading of ``text`` as Sudachi reads it."""
    return "".join(katakana(m.reading_form()) for m in _tokenizer().tokenize(normalize(text), SplitMode.C))


def _boundaries(text: str) -> set[int]:
    edges = {0, len(text)}
    for m in _tokenizer().tokenize(text, SplitMode.C):
        edges.update((m.begin(), m.end()))
    return edges


@dataclass
class Query:
    """A parsed query: a case should match every group, and matches a group
    when it holds one of the group's phrases. ``typed`` are the phrases of the
    words as the person typed them (they weigh more than their synonyms).
    ``prefix`` marks the last token as a prefix while the person is still typing."""

    groups: list[list[Phrase]] = field(default_factory=list)
    typed: list[Phrase] = field(default_factory=list)
    prefix: bool = False
    suggestion: str = ""  # 「もしかして」: the query with typos and kana read as known words

    def __bool__(self) -> bool:
        return bool(self.groups)

    def all_tokens(self) -> set[str | Phrase]:
        """What to mark in a snippet: each word, and each phrase as a whole
        (遅れ alone is not marked for 支払い遅れ)."""
        return {p[0] if len(p) == 1 else p for group in self.groups for p in group}


def parse_query(
    raw: str,
    synonyms: Mapping[str, list[Phrase]] | None = None,
    *,
    prefix: bool = False,
    vocabulary: Vocabulary | None = None,
) -> Query:
    """Parse a query. With a ``vocabulary`` (the index's words), kana and
    romaji are read as the words they spell, each word also finds its Sudachi
    synonyms, and a word the index lacks also finds known words one typo away
    (``Query.suggestion`` then offers the corrected query: 「もしかして」)."""
    text = normalize(raw)[:MAX_QUERY_CHARS]
    rewritten = False
    if vocabulary:
        text, rewritten = _rewrite_chunks(text, vocabulary, synonyms or {})
    shown = text
    groups: list[list[Phrase]] = []
    typed: list[Phrase] = []
    if synonyms and text:
        # Synonyms first, longest first, where they stand as whole words
        # (契約 is not taken out of 契約書); what is left is analysed.
        edges = _boundaries(text)
        chars = list(text)
        for key in _whole_keys(synonyms):
            start = text.find(key)
            while start != -1:
                end = start + len(key)
                if start in edges and end in edges and all(c != "\0" for c in chars[start:end]):
                    chars[start:end] = ["\0"] * len(key)
                    if list(synonyms[key]) not in groups:
                        groups.append(list(synonyms[key]))
                    own = _alternatives(key)[0]
                    typed.extend(p for p in own if p in synonyms[key] and p not in typed)
                    break
                start = text.find(key, start + 1)
        text = "".join(" " if c == "\0" else c for c in chars)
    seen = {phrase for group in groups for phrase in group}
    corrections: list[tuple[int, int, str]] = []
    for unit in units(text):
        if unit.token == NEGATION:
            continue
        group = [(unit.token,), unit.parts] if unit.parts else [(unit.token,)]
        if group[0] in seen:
            continue
        seen.add(group[0])
        typed.extend(group)
        if vocabulary:
            # Typos inside a sentence: only katakana words (インボイズ); a
            # kanji or kana word one edit from another is usually another word.
            # A word Sudachi's dictionary holds is a word, not a typo (ホスト is not ホット).
            typo = not prefix and not unit.in_dictionary and _KATAKANA.match(unit.token)
            near = vocabulary.near(unit.token) if typo else []
            if near:
                corrections.append((unit.begin, unit.end, near[0]))
            for word in [*near, *vocabulary.synonyms(unit.token, unit.groups)]:
                if (word,) not in group:
                    group.append((word,))
        groups.append(group)
    if not groups:
        # Half a word while typing (ギャ) is not a word to Sudachi: keep it as typed.
        rest = _clean_token(text)
        if rest:
            groups.append([(rest,)])
            typed.append((rest,))
    groups = groups[:MAX_QUERY_TOKENS]
    kept = {phrase for group in groups for phrase in group}
    typed = [p for p in typed if p in kept]
    ends_open = bool(raw) and not raw[-1].isspace()
    last = groups[-1] if groups else []
    prefix = prefix and ends_open and len(last) == 1 and len(last[0]) == 1
    for begin, end, word in reversed(corrections):
        shown = shown[:begin] + word + shown[end:]
    suggestion = shown if (rewritten or corrections) and shown != normalize(raw) else ""
    return Query(groups=groups, typed=typed, prefix=prefix, suggestion=suggestion)


_keys_of: tuple[object, list[str]] = (None, [])


def _whole_keys(synonyms: Mapping[str, list[Phrase]]) -> list[str]:
    """The synonym keys a query is searched for, longest first, worked out
    once per synonyms mapping (search keeps one per process): a compound key
    made of other keys (報酬未払い: 報酬 and 未払い) is left out, as if typed apart."""
    global _keys_of
    owner, keys = _keys_of
    if owner is not synonyms:
        keys = [k for k in sorted(synonyms, key=len, reverse=True) if not _splits_into_keys(k, synonyms)]
        _keys_of = (synonyms, keys)
    return keys


def _splits_into_keys(key: str, synonyms: Mapping[str, list[Phrase]]) -> bool:
    """A compound synonym key whose every word is a key itself (報酬未払い =
    報酬 + 未払い) is searched as those words, so that typing it with or
    without a space asks for the same thing."""
    spans = _word_spans(key)
    return (
        len(spans) > 1
        and sum(e - b for b, e in spans) == len(key)
        and all(key[b:e] in synonyms for b, e in spans)
    )


@functools.lru_cache(maxsize=8192)
def _word_spans(text: str) -> tuple[tuple[int, int], ...]:
    return tuple((u.begin, u.end) for u in units(text))


def _rewrite_chunks(
    text: str, vocabulary: Vocabulary, synonyms: Mapping[str, list[Phrase]]
) -> tuple[str, bool]:
    """Chunks (between spaces) as the index's words: kana and romaji read as
    the word they spell (ほうしゅう → 報酬, mibarai → 未払い), a misspelt
    word as the known word one typo away (違役金 → 違約金). Hiragana that
    spells a katakana word with synonyms (ぱわはら → パワハラ) is that word,
    though no case uses it."""
    out, changed = [], False
    for chunk in text.split(" "):
        word = _rewrite_chunk(chunk, vocabulary)
        spelt = katakana(chunk)
        # Only hiragana nothing else reads, and no word as typed (いじめ stays).
        unread = word == chunk and chunk not in synonyms and chunk not in vocabulary
        if unread and spelt != chunk and spelt in synonyms and spelt not in vocabulary:
            word = spelt
        if word.replace(" ", "") == chunk:
            word = chunk  # nothing read differently: no 「もしかして」 for a space
        changed = changed or (word != chunk)
        out.append(word)
    return " ".join(out), changed


def _rewrite_chunk(chunk: str, vocabulary: Vocabulary) -> str:
    if not chunk or chunk in vocabulary:
        return chunk
    found = [u for u in units(chunk) if u.token != NEGATION]
    known = all(u.token in vocabulary for u in found)
    if is_kana(chunk) or (_ROMAJI.match(chunk) and not known):
        reading = romaji_to_katakana(chunk) or katakana(chunk)
        whole = vocabulary.spelled_whole(reading)
        if whole:
            return _written(whole, reading, chunk) or chunk
        if known and len(found) == 1 and not is_kana(found[0].token):
            # しはらい → 支払い; へった → 減った, not 減る
            return _written(found[0].token, reading, chunk) or chunk
        if not known:
            return vocabulary.rewrite_kana(chunk) or chunk
        return chunk
    if not known and 3 <= len(chunk) <= 8:
        # Words all in Sudachi's dictionary (スポーツ選手) are one typo at most
        # from what was meant (違役金 → 違約金), never two (not スポーツジム).
        most = 1 if all(u.in_dictionary for u in found) else None
        near = vocabulary.near(chunk, limit=1, most=most)
        # Not a typo when the known word is one of the chunk's own words: a
        # correction would only drop the rest (下請新法 is not 下請).
        if near and near[0] not in {u.token for u in found}:
            return near[0]
    return chunk


# --- Kana, romaji, vocabulary ---------------------------------------------------
_KANA = re.compile(r"^[\u3041-\u3096\u30a1-\u30fa\u30fc]+$")
_ROMAJI = re.compile(r"^[a-z]+$")
_KATAKANA = re.compile(r"^[\u30a1-\u30fa\u30fc]+$")


def katakana(text: str) -> str:
    """Hiragana → katakana (ほうしゅう → ホウシュウ); anything else unchanged."""
    return "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in text)


def is_kana(text: str) -> bool:
    return bool(_KANA.match(text))


def romaji_to_katakana(text: str) -> str:
    """``houshuu`` → ホウシュウ; "" when ``text`` is not romaji that converts whole."""
    if not _ROMAJI.match(text):
        return ""
    kana = jaconv.alphabet2kana(text)
    # Letters that are no romaji come back as small っ (qwrt → っっっっ).
    if not is_kana(kana) or "っっ" in kana or kana.endswith("っ"):
        return ""
    return katakana(kana)


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Levenshtein distance with adjacent swaps, or ``limit + 1`` once past ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def loose_reading(reading: str) -> str:
    """A reading without voicing marks, long vowels and small っ (ミバライ and
    ミハライ, シツギョ and シツギョウ meet): the romaji typed in a hurry."""
    plain = "".join(c for c in unicodedata.normalize("NFD", reading) if c not in "\u3099\u309a")
    plain = unicodedata.normalize("NFC", plain)
    out = []
    for c in plain:
        if c in "ーッ" or (c == "ウ" and out and out[-1] in _O_ROW):
            continue
        out.append(c)
    return "".join(out)


_O_ROW = set("オコソトノホモヨロヲゴゾドボポョ")


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _gapped(text: str) -> set[str]:
    """Pairs of characters one apart (違_金): the one thing a short word with
    its middle character mistyped (違役金) still shares with the right one."""
    return {f"{text[i]}_{text[i + 2]}" for i in range(len(text) - 2)}


class Vocabulary:
    """The words the index holds, by reading, synonym group and spelling, so a
    query's words can be mapped to words the cases use."""

    MIN_TYPO_CHARS = 3

    def __init__(self, terms: Iterable[tuple[str, str, Iterable[int]]] = ()) -> None:
        self.tokens: set[str] = set()
        self.by_reading: dict[str, set[str]] = defaultdict(set)
        self.by_loose: dict[str, set[str]] = defaultdict(set)
        self.by_group: dict[int, set[str]] = defaultdict(set)
        self.by_bigram: dict[str, set[str]] = defaultdict(set)
        for token, reading, groups in terms:
            self.tokens.add(token)
            if reading:
                self.by_reading[reading].add(token)
                self.by_loose[loose_reading(reading)].add(token)
            for group in groups:
                self.by_group[group].add(token)
            if len(token) >= self.MIN_TYPO_CHARS:
                for gram in _bigrams(token) | _gapped(token):
                    self.by_bigram[gram].add(token)
        self.longest_reading = max((len(r) for r in self.by_reading), default=0)

    def __bool__(self) -> bool:
        return bool(self.tokens)

    def __contains__(self, token: str) -> bool:
        return token in self.tokens

    def spelled(self, reading: str) -> list[str]:
        """Words read ``reading`` (katakana), kanji before kana, shortest
        first; failing that, words read so give or take voicing and long vowels."""
        found = self.by_reading.get(reading) or self.by_loose.get(loose_reading(reading), ())
        return sorted(found, key=lambda t: (is_kana(t), len(t), t))

    def spelled_whole(self, reading: str) -> str:
        """The word a whole chunk's ``reading`` spells ("" for none). Two kana
        read too many ways to be taken for one word (タダ is not 立つ)."""
        found = self.spelled(reading) if len(reading) >= 3 else []
        return found[0] if found else ""

    def synonyms(self, token: str, groups: Iterable[int], *, limit: int = 6) -> list[str]:
        found: set[str] = set()
        for group in groups:
            found |= self.by_group.get(group, set())
        found.discard(token)
        return sorted(found, key=lambda t: (len(t), t))[:limit]

    def near(self, token: str, *, limit: int = 3, most: int | None = None) -> list[str]:
        """Known words one edit away (two for long words, at ``most`` edits if
        given): the typo's targets."""
        if len(token) < self.MIN_TYPO_CHARS or token in self.tokens:
            return []
        allowed = 1 if len(token) < 6 else 2
        if most is not None:
            allowed = min(allowed, most)
        shared: dict[str, int] = defaultdict(int)
        for gram in _bigrams(token) | _gapped(token):
            for other in self.by_bigram.get(gram, ()):
                shared[other] += 1
        # Each edit breaks at most two bigrams and three gapped pairs: fewer
        # shared ones cannot be near.
        need = max(1, 2 * len(token) - 3 - 5 * allowed)
        scored = []
        for other, count in shared.items():
            # A typo keeps the first character (違役金 → 違約金, not 転ける → かける).
            if count >= need and other[0] == token[0]:
                distance = edit_distance(token, other, allowed)
                if distance <= allowed:
                    scored.append((distance, abs(len(other) - len(token)), other))
        return [t for _, _, t in sorted(scored)[:limit]]

    def rewrite_kana(self, chunk: str) -> str:
        """A kana or romaji chunk as the words it reads (ほうしゅう → 報酬,
        みばらいのほうしゅう → 未払い 報酬); "" when no known word reads so.

        Longest known reading first, from the left; kana between known words
        (particles, one or two kana) are dropped. Three kana at least make a
        word; a longer stretch no known word reads (がバックレた in
        クライアントがバックレた) is kept as typed, never dropped."""
        romaji = romaji_to_katakana(chunk)
        reading = romaji or (katakana(chunk) if is_kana(chunk) else "")
        if not reading:
            return ""
        whole = self.spelled_whole(reading)
        if whole:
            return _written(whole, reading, reading)
        # A katakana word is one loanword or name (ネイリスト, ギグワーク): read
        # whole or not at all, never as the known words inside it (寝入り, ワーク).
        if not romaji and _KATAKANA.match(chunk):
            return ""
        # Kana keeps its length as katakana, so an unread stretch can be
        # given back as typed; romaji is given back in katakana.
        typed = chunk if not romaji and len(chunk) == len(reading) else reading
        words, i, unread, known = [], 0, 0, 0
        while i < len(reading):
            for j in range(min(len(reading), i + self.longest_reading), i + 2, -1):
                word = self.spelled(reading[i:j])[0] if reading[i:j] in self.by_reading else ""
                # A word of one character (9 for キュウ, 料 for リョウ) is
                # never what a stretch of kana inside a word means.
                if len(word) < 2:
                    continue
                # A verb or adjective inflected ends the chunk, written as typed.
                inflected = _written(word, reading[i:j], typed[i:])
                if inflected:
                    if i - unread > 2:
                        words.append(typed[unread:i])
                    words.append(inflected)
                    known += 1
                    i = unread = len(reading) if inflected != word else j
                    break
            else:
                i += 1
        if not known:
            return ""
        if len(reading) - unread > 2:
            words.append(typed[unread:])
        return " ".join(words)


@functools.lru_cache(maxsize=4096)
def _own_reading(word: str) -> str:
    return katakana("".join(m.reading_form() for m in _tokenizer().tokenize(word, SplitMode.C)))


def _inflected(word: str, reading: str) -> bool:
    """Whether ``reading`` spells ``word`` (a dictionary form) inflected:
    はらわ is 払う in はらわれない, where 「払う れない」 would read as nonsense."""
    return is_kana(word[-1]) and loose_reading(_own_reading(word)) != loose_reading(reading)


def _written(word: str, reading: str, typed: str) -> str:
    """``word``, spelt ``reading``, as it should stand for ``typed``: itself,
    or when inflected, its kanji with the kana typed (``_as_typed``; "" when
    they cannot be joined)."""
    return _as_typed(word, typed) if _inflected(word, reading) else word


_TRAILING_KANA = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u30fc]+$")


def _as_typed(word: str, typed: str) -> str:
    """``word`` (a dictionary form) inflected as ``typed`` inflects it: its
    kanji, then the kana typed after their reading (払う, はらわれない →
    払われない; 減る, へった → 減った); "" when ``typed`` does not start with
    the kanji's reading."""
    stem = _TRAILING_KANA.sub("", word)
    if not stem or stem == word:
        return ""
    own = _own_reading(word)
    stem_reading = own[: len(own) - (len(word) - len(stem))]
    head = katakana(typed[: len(stem_reading)])
    if not stem_reading or loose_reading(head) != loose_reading(stem_reading):
        return ""
    return stem + jaconv.kata2hira(typed[len(stem_reading) :])


# --- Which query words a case holds ---------------------------------------------------
class CaseTokens:
    """A case's index tokens, title and body apart, with how often each stands
    in each (a search reads about a hundred cases: kept cheap to make)."""

    def __init__(self, title: list[str], body: list[str]) -> None:
        self.columns = (title, body)
        self.counts = (Counter(title), Counter(body))
        self.title_length, self.body_length = len(title), len(body)

    def count(self, phrase: Phrase) -> tuple[int, int]:
        """How often ``phrase`` stands in the title and in the body: its tokens
        next to each other in one column, a SKIP token standing for any one."""
        if len(phrase) == 1:  # most phrases: one word
            return self.counts[0][phrase[0]], self.counts[1][phrase[0]]
        return self._count(phrase, 0), self._count(phrase, 1)

    def _count(self, phrase: Phrase, column: int) -> int:
        counts = self.counts[column]
        if any(token != SKIP and not counts[token] for token in phrase):
            return 0
        first = next((k for k, token in enumerate(phrase) if token != SKIP), None)
        return 0 if first is None else self._count_from(phrase, column, first)

    def _count_from(self, phrase: Phrase, column: int, first: int) -> int:
        """Where ``phrase`` stands in ``column``, found by its word at ``first``."""
        tokens = self.columns[column]
        n, at = 0, -1
        while True:
            try:
                at = tokens.index(phrase[first], at + 1)
            except ValueError:
                return n
            start = at - first
            if start >= 0 and start + len(phrase) <= len(tokens):
                n += all(token == SKIP or tokens[start + k] == token for k, token in enumerate(phrase))


class SparseCaseTokens(CaseTokens):
    """Only some of a case's tokens, by position (the query's words, read
    from the index), with the case's whole lengths. A phrase counts where its
    words stand side by side; a SKIP token stands for any one."""

    def __init__(
        self, title: dict[int, str], body: dict[int, str], *, title_length: int, body_length: int
    ) -> None:
        self.positions = (title, body)
        self.counts = (Counter(title.values()), Counter(body.values()))
        self.title_length, self.body_length = title_length, body_length

    def _count_from(self, phrase: Phrase, column: int, first: int) -> int:
        at = self.positions[column]
        return sum(
            all(token == SKIP or at.get(position - first + k) == token for k, token in enumerate(phrase))
            for position, token in at.items()
            if token == phrase[first]
        )


def estimated_documents(phrase: Phrase, frequencies: Mapping[str, float], least: float, total: int) -> int:
    """How many of ``total`` cases hold ``phrase``, from the share of cases
    holding each word (``frequencies``; a word not listed is rarer than the
    ``least`` listed: half of it, as PostgreSQL's planner takes it): about as
    many as hold its rarest word."""
    words = [t for t in phrase if t != SKIP]
    if not words:
        return 0
    share = min(frequencies.get(w, least / 2) for w in words)
    return round(share * total)


_TSVECTOR_ENTRY = re.compile(r"'((?:[^'\\]|''|\\.)*)':([0-9A-D,]+)")


def tsvector_entries(text: str) -> Iterator[tuple[str, list[tuple[int, str]]]]:
    """(token, [(position, weight), ...]) of each entry of a tsvector's text
    (weight "A" to "D"; a position printed without one is D)."""
    for token, slots in _TSVECTOR_ENTRY.findall(text):
        yield (
            _unquoted(token),
            [(int(slot.rstrip("ABCD")), slot[-1] if slot[-1] in "ABC" else "D") for slot in slots.split(",")],
        )


_NO_WEIGHTS = str.maketrans("", "", "ABCD")


def tsvector_positions(text: str) -> Iterator[tuple[str, list[int]]]:
    """(token, [position, ...]) of each entry of a tsvector's text, weights
    left out (a search's candidates are read this way: about a hundred a search)."""
    for token, slots in _TSVECTOR_ENTRY.findall(text):
        yield _unquoted(token), list(map(int, slots.translate(_NO_WEIGHTS).split(",")))


def _unquoted(token: str) -> str:
    if "\\" in token or "''" in token:
        return re.sub(r"\\(.)", r"\1", token.replace("''", "'"))
    return token


def tsvector_tokens(text: str) -> tuple[list[str], list[str]]:
    """Title and body tokens back from a tsvector's text as search writes it
    (title tokens weighted A, body B; a position for each occurrence)."""
    title: dict[int, str] = {}
    body: dict[int, str] = {}
    for token, slots in tsvector_entries(text):
        for position, weight in slots:
            (title if weight == "A" else body)[position] = token
    return [title[i] for i in sorted(title)], _with_gaps(body)


def _with_gaps(tokens: dict[int, str]) -> list[str]:
    """Tokens in position order; a position no token holds (a token past its
    256 stored positions) stays a gap, so phrases do not join across it."""
    if not tokens:
        return []
    first, last = min(tokens), max(tokens)
    return [tokens.get(i, "\0") for i in range(first, last + 1)]


# --- Snippets --------------------------------------------------------------------
@dataclass(frozen=True)
class Segment:
    text: str
    hit: bool


def highlight(text: str, wanted: set[str | Phrase], *, width: int = 90) -> list[Segment]:
    """A window of ``text`` around the first hit, split into plain and hit parts.

    Hits are found by token (so シュミレーション in the query marks
    シミュレーション in the text) and phrases where their tokens stand as in
    the index (Query.all_tokens); ``width`` is in characters.
    """
    text = clean(text)
    if not text:
        return []
    spans: list[tuple[int, int]] = []
    if wanted:
        found = units(text)
        words = {w for w in wanted if isinstance(w, str)}
        for unit in found:
            if unit.token in words or words.intersection(unit.parts):
                spans.append((unit.begin, unit.end))
        phrases = [w for w in wanted if not isinstance(w, str)]
        if phrases:
            spans.extend(_phrase_spans(found, phrases))
    spans = _merge(sorted(spans))
    start = 0
    if spans and len(text) > width:
        start = max(0, min(spans[0][0] - width // 4, len(text) - width))
    stop = min(len(text), start + width)
    segments: list[Segment] = []
    if start > 0:
        segments.append(Segment("…", False))
    cursor = start
    for b, e in spans:
        if e <= start or b >= stop:
            continue
        b, e = max(b, start), min(e, stop)
        if b > cursor:
            segments.append(Segment(text[cursor:b], False))
        segments.append(Segment(text[b:e], True))
        cursor = e
    if cursor < stop:
        segments.append(Segment(text[cursor:stop], False))
    if stop < len(text):
        segments.append(Segment("…", False))
    return segments


def _phrase_spans(found: list[Unit], phrases: list[Phrase]) -> list[tuple[int, int]]:
    # Lay the units out as the index does (a long unit, then its short parts).
    layout = [(token, i) for i, u in enumerate(found) for token in (u.token, *u.parts)]
    spans = []
    for phrase in phrases:
        n = len(phrase)
        for start in range(len(layout) - n + 1):
            if all(t == SKIP or layout[start + k][0] == t for k, t in enumerate(phrase)):
                spans.append((found[layout[start][1]].begin, found[layout[start + n - 1][1]].end))
    return spans


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for b, e in spans:
        if merged and b <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((b, e))
    return merged


# --- 50音 rows --------------------------------------------------------------------
KANA_ROWS = ["あ", "か", "さ", "た", "な", "は", "ま", "や", "ら", "わ"]
_ROW_STARTS = "あかさたなはまやらわ"
_ROW_MEMBERS = [
    "ぁあぃいぅうゔぇえぉお",
    "かがきぎくぐけげこご",
    "さざしじすずせぜそぞ",
    "ただちぢっつづてでとど",
    "なにぬねの",
    "はばぱひびぴふぶぷへべぺほぼぽ",
    "まみむめも",
    "ゃやゅゆょよ",
    "らりるれろ",
    "ゎわゐゑをん",
]


def kana_row(reading: str) -> str:
    """The 50音 row (あ…わ) of a reading; "" when it does not start with kana."""
    text = unicodedata.normalize("NFKC", reading or "").strip()
    if not text:
        return ""
    ch = text[0]
    if "ァ" <= ch <= "ヶ":
        ch = chr(ord(ch) - 0x60)
    for row, members in zip(_ROW_STARTS, _ROW_MEMBERS, strict=True):
        if ch in members:
            return row
    return ""
