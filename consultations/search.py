"""Case search: the index and the ranking behind ``search_cases`` (INTERFACES.md).

Text is analysed in Python (``consultations.textsearch``) and the database only
stores and ranks the resulting tokens, so PostgreSQL and SQLite agree on what
matches:

- PostgreSQL: a weighted ``tsvector`` (title A, body B) and a title-only one,
  each with a GIN index, ranked by ``ts_rank`` (title matches first);
- SQLite: an FTS5 table (title, body), ranked by ``bm25`` with the title
  weighted higher.

A query first asks for every word (AND); when that finds fewer cases than
wanted, cases matching some of the words follow (OR), so a whole sentence
still finds its case.

With vectors, the lexical and the semantic rankings' candidates are then read
word by word in Python (``case_tokens``, ``weigh_words``): their lexical order
counts each query word once, and each fused score is scaled by the share of
the query's words the case holds (``consultations.fusion``).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import zlib
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from consultations import embeddings, fusion, textsearch
from consultations.models import Case, CaseEmbedding, CaseSearchDocument, GlossaryTerm, SearchTerm
from consultations.textsearch import Query, Term

log = logging.getLogger(__name__)

FTS_TABLE = "consultations_case_fts"
DOC_TABLE = CaseSearchDocument._meta.db_table
TITLE_WEIGHT = 4.0  # SQLite bm25 column weight; PostgreSQL uses weight A vs B.
MAX_POSITIONS = 16383
# How much more the words as typed weigh than their synonyms (ギャラ typed:
# a case saying ギャラ comes before one saying 報酬).
TYPED_WEIGHT = 1.0


@dataclass(frozen=True)
class Hit:
    case_id: int
    rank: float
    category: str
    occupations: str
    published_at: dt.datetime

    def has_occupation(self, occupation: str) -> bool:
        return f"|{occupation}|" in self.occupations


# --- Cache: a help, never a need --------------------------------------------------
# Search answers with no cache table and with Redis down: any cache error
# means "not cached" (a log line, no exception).
def cache_get(key: str):
    try:
        return cache.get(key)
    except Exception:
        log.warning("search cache unavailable", exc_info=True)
        return None


def cache_set(key: str, value, timeout: int) -> None:
    try:
        cache.set(key, value, timeout)
    except Exception:
        log.warning("search cache unavailable", exc_info=True)


# --- Synonyms (glossary aliases, staff-edited, and the shipped dictionary) ----------
def synonyms() -> dict:
    """The glossary's synonyms, then the shipped dictionary's
    (``consultations/data/search_synonyms.tsv``), kept in this process (see
    ``_Copy``). Both expand the query only; the index holds the words as written."""
    return _synonyms.get(
        lambda: GlossaryTerm.objects.aggregate(m=Max("updated_at"), n=Count("pk")),
        lambda: textsearch.merge_synonyms(
            textsearch.build_synonyms(
                (t, a or []) for t, a in GlossaryTerm.objects.values_list("term", "aliases")
            ),
            textsearch.shipped_synonyms(),
        ),
    )


def forget_synonyms() -> None:
    _synonyms.forget()


def parse(query: str, *, prefix: bool = False) -> Query:
    if not textsearch.normalize(query or ""):
        return Query()
    return textsearch.parse_query(query, synonyms(), prefix=prefix, vocabulary=vocabulary())


# --- Per-process copies of index data (vocabulary, vectors) ------------------------
# Each process keeps the vocabulary and the vector matrix in memory. A write in
# this process drops its copy at once; other processes (the Celery worker
# writes vectors) look at a cheap stamp at most every RECHECK_SECONDS.
RECHECK_SECONDS = 5.0
# From this many vectors a reload takes seconds (5 s at 100,000): it runs in a thread.
BACKGROUND_FROM = 20_000


class _Copy:
    """A per-process copy, reloaded when its stamp changes. A copy at least
    ``background_from`` rows large (the vectors at scale: seconds to load) is
    reloaded in a thread while searches go on with the old one, a few seconds
    stale, as a copy always is between checks; a write in this process still
    drops it at once (``forget``), and the next search loads it."""

    def __init__(self, *, background_from: int | None = None) -> None:
        self.lock = threading.Lock()
        self.value = None
        self.stamp = None
        self.checked = 0.0
        self.background_from = background_from
        self.loading = False
        self.generation = 0  # counts ``forget``: a reload begun before one is dropped

    def get(self, stamp_of, load):
        now = time.monotonic()
        value = self.value
        if value is not None and now - self.checked < RECHECK_SECONDS:
            return value
        stamp = stamp_of()
        self.checked = now
        if value is not None and stamp == self.stamp:
            return value
        if value is not None and self._large(value):
            self._reload_soon(stamp_of, load)
            return value
        with self.lock:
            self.value, self.stamp = load(), stamp
        return self.value

    def _large(self, value) -> bool:
        return self.background_from is not None and len(getattr(value, "ids", ())) >= self.background_from

    def _reload_soon(self, stamp_of, load) -> None:
        with self.lock:
            if self.loading:
                return
            self.loading = True
        generation = self.generation

        def run() -> None:
            try:
                stamp = stamp_of()
                value = load()
                with self.lock:
                    if self.generation == generation and self.value is not None:
                        self.value, self.stamp = value, stamp
            except Exception:
                log.warning("search copy not reloaded; the old one stays in use", exc_info=True)
            finally:
                self.loading = False
                connections.close_all()  # this thread's own connections

        threading.Thread(target=run, name="search-copy-reload", daemon=True).start()

    def forget(self) -> None:
        self.generation += 1
        self.value = None


_vocabulary = _Copy()
_vectors = _Copy(background_from=BACKGROUND_FROM)
_synonyms = _Copy()


def forget_copies() -> None:
    """Drop this process's copies (after switching databases, between tests)."""
    forget_phrase_documents()
    _vocabulary.forget()
    _vectors.forget()
    _synonyms.forget()


def vocabulary() -> textsearch.Vocabulary:
    return _vocabulary.get(
        lambda: SearchTerm.objects.aggregate(m=Max("pk"))["m"],
        lambda: textsearch.Vocabulary(
            (token, reading, _groups(groups))
            for token, reading, groups in SearchTerm.objects.values_list("token", "reading", "synonym_groups")
        ),
    )


def _groups(value: str) -> list[int]:
    return [int(g) for g in value.split("|") if g]


def add_terms(terms: set[Term]) -> None:
    """Record words of indexed text (their readings and synonym groups)."""
    known = _vocabulary.value
    new = [t for t in terms if known is None or t.token not in known or t.reading not in known.by_reading]
    if not new:
        return
    SearchTerm.objects.bulk_create(
        [
            SearchTerm(
                token=t.token[:100],
                reading=t.reading[:200],
                synonym_groups="|" + "|".join(map(str, t.groups)) + "|" if t.groups else "",
            )
            for t in new
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    _vocabulary.forget()


# --- Index ---------------------------------------------------------------------------
def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _occupation_key(occupations: list[str]) -> str:
    return "|" + "|".join(occupations) + "|" if occupations else ""


def tsvector_literal(title_tokens: list[str], body_tokens: list[str]) -> str:
    """A tsvector in PostgreSQL's input syntax, with positions and weights."""
    positions: dict[str, list[str]] = {}
    for pos, (token, weight) in enumerate(
        [(t, "A") for t in title_tokens] + [(t, "B") for t in body_tokens], start=1
    ):
        slots = positions.setdefault(token, [])
        if len(slots) < 256:
            slots.append(f"{min(pos, MAX_POSITIONS)}{weight}")
    return " ".join(
        "'{}':{}".format(token.replace("\\", "\\\\").replace("'", "''"), ",".join(slots))
        for token, slots in positions.items()
    )


def document_tokens(case: Case) -> tuple[list[str], list[str], set[Term]]:
    title, title_terms = textsearch.index_terms(case.title)
    body, body_terms = textsearch.index_terms(f"{case.question}\n{case.answer}\n{case.memo}")
    return title, body, title_terms | body_terms


def index_case(case: Case) -> None:
    """Bring the index row of ``case`` in step: indexed if published, gone if not."""
    if not case.published:
        remove_case(case.pk)
        return
    title, body, terms = document_tokens(case)
    write_documents([(case, title, body)], terms=terms)


def write_documents(rows: list[tuple[Case, list[str], list[str]]], *, terms: set[Term] | None = None) -> None:
    """Write index rows for already tokenised, published cases (and their words)."""
    if terms:
        add_terms(terms)
    docs = [
        CaseSearchDocument(
            case_id=case.pk,
            category=case.category,
            occupations=_occupation_key(case.occupations),
            published_at=case.published_at,
            vector=tsvector_literal(title, body) if _is_postgres() else None,
            title_vector=tsvector_literal(title, []) if _is_postgres() else None,
            title_length=len(title),
            body_length=len(body),
        )
        for case, title, body in rows
    ]
    ids = [d.case_id for d in docs]
    CaseSearchDocument.objects.filter(case_id__in=ids).delete()
    CaseSearchDocument.objects.bulk_create(docs, batch_size=1000)
    _vectors.forget()  # the vector copy holds each indexed case's category and date
    if not _is_postgres():
        with connection.cursor() as cursor:
            cursor.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [(i,) for i in ids])
            cursor.executemany(
                f"INSERT INTO {FTS_TABLE} (rowid, title, body) VALUES (%s, %s, %s)",
                [(case.pk, " ".join(title), " ".join(body)) for case, title, body in rows],
            )


def remove_case(case_id: int) -> None:
    CaseSearchDocument.objects.filter(case_id=case_id).delete()
    _vectors.forget()
    if not _is_postgres():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [case_id])


def rebuild_index(*, batch_size: int = 500, progress=None) -> int:
    """Rebuild every index row from the stored cases. Returns the number indexed."""
    CaseSearchDocument.objects.all().delete()
    _vectors.forget()
    if not _is_postgres():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")
    count = 0
    batch: list = []
    terms: set[Term] = set()
    total = Case.objects.published().count()
    for case in Case.objects.published().order_by("pk").iterator(chunk_size=batch_size):
        title, body, case_terms = document_tokens(case)
        batch.append((case, title, body))
        terms |= case_terms
        if len(batch) >= batch_size:
            write_documents(batch, terms=terms)
            count += len(batch)
            batch, terms = [], set()
            if progress:
                progress(count, total)
    if batch:
        write_documents(batch, terms=terms)
        count += len(batch)
    if progress:
        progress(count, total)
    return count


# --- Query -----------------------------------------------------------------------------
def _tsquery_phrase(phrase: tuple[str, ...], prefix: bool) -> str:
    """``'a' <2> 'b'``: each token at its exact distance from the one before."""
    out, gap = [], 0
    for token in phrase:
        gap += 1
        if token == textsearch.SKIP:
            continue
        quoted = "'{}'".format(token.replace("\\", "\\\\").replace("'", "''"))
        if prefix:
            quoted += ":*"
        out.append(quoted if not out else f"<{gap}> {quoted}")
        gap = 0
    return "(" + " ".join(out) + ")"


def _tsquery(query: Query, joiner: str) -> str:
    groups = []
    for gi, group in enumerate(query.groups):
        last = query.prefix and gi == len(query.groups) - 1
        groups.append("(" + " | ".join(_tsquery_phrase(p, last) for p in group) + ")")
    return f" {joiner} ".join(groups)


def _fts_phrase(phrase: tuple[str, ...], prefix: bool) -> str:
    """A phrase for FTS5: next to each other, or (past short parts, which FTS5
    cannot skip exactly) within that many tokens."""
    words = ['"{}"'.format(t.replace('"', '""')) for t in phrase if t != textsearch.SKIP]
    if prefix:
        words = [w + "*" for w in words]
    if len(words) == 1:
        return words[0]
    skipped = len(phrase) - len(words)
    # NEAR's distance runs from the end of the first word to the start of the
    # last, so the words between count too.
    near = skipped + len(words) - 2
    return f"NEAR({' '.join(words)}, {near})" if skipped else "(" + " + ".join(words) + ")"


def _fts_match(query: Query, joiner: str) -> str:
    groups = []
    for gi, group in enumerate(query.groups):
        last = query.prefix and gi == len(query.groups) - 1
        groups.append("(" + " OR ".join(_fts_phrase(p, last) for p in group) + ")")
    return f" {joiner} ".join(groups)


def _typed(query: Query) -> Query:
    """The words as typed, any of them: what earns the extra weight."""
    return Query(groups=[query.typed or [p for g in query.groups for p in g]], prefix=False)


def _filters(category, occupation) -> tuple[str, list]:
    filters, params = [], []
    if category:
        filters.append("d.category = %s")
        params.append(category)
    if occupation:
        filters.append("d.occupations LIKE %s")
        params.append(f"%|{occupation}|%")
    return "".join(f" AND {f}" for f in filters), params


def _run(query: Query, *, any_word: bool, category, occupation, limit: int) -> list[Hit]:
    """SQLite: one ranking of ``query`` (every word, or any word)."""
    extra, params = _filters(category, occupation)
    # bm25 of the whole query, plus (weighted) bm25 of the words as typed.
    sql = (
        f"SELECT d.case_id, -bm25({FTS_TABLE}, {TITLE_WEIGHT}, 1.0)"
        f" + {TYPED_WEIGHT} * COALESCE(t.rank, 0) AS rank, d.category,"
        f" d.occupations, d.published_at FROM {FTS_TABLE} f"
        f" JOIN {DOC_TABLE} d ON d.case_id = f.rowid"
        f" LEFT JOIN (SELECT rowid, -bm25({FTS_TABLE}, {TITLE_WEIGHT}, 1.0) AS rank"
        f" FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s) t ON t.rowid = f.rowid"
        f" WHERE {FTS_TABLE} MATCH %s{extra} ORDER BY rank DESC, d.published_at DESC LIMIT %s"
    )
    typed = _fts_match(_typed(query), "OR")
    return _fetch(sql, [typed, _fts_match(query, "OR" if any_word else "AND"), *params, limit])


# Ranking reads each candidate's whole tsvector; above this many matches in the
# body only, the newest candidates are ranked (a title match always is).
BODY_CANDIDATES = 300
_COLUMNS = (
    "d.case_id, {rank} AS rank, d.category, d.occupations, d.published_at,"
    " d.title_length, d.body_length, {words} AS words"
)
# A tsvector cut down to some words (setweight marks them, ts_filter keeps them).
_WORDS_ONLY = "ts_filter(setweight({v}, 'C', %s::text[]), '{{C}}')::text"
# The whole query's rank plus, weighted, the rank of the words as typed.
_RANK = "ts_rank({v}, %s::tsquery, 1) + " + str(TYPED_WEIGHT) + " * ts_rank({v}, %s::tsquery, 1)"


def _postgres_sql(
    query: Query,
    filters: str,
    filter_params: list,
    *,
    limit: int,
    any_word: bool,
    words: list[str] | None = None,
) -> tuple[str, list]:
    """One statement for the whole lexical ranking on PostgreSQL, in tiers
    (each served by a GIN index), so a search costs one round trip:

    0. cases whose title holds every word (ranked on the small title vector);
    1. cases holding every word anywhere (the newest BODY_CANDIDATES ranked on
       the whole vector, title weighted A over body B) — only while tier 0
       has fewer than ``limit``;
    2. with ``any_word``: cases holding some of the words (ranked likewise) —
       only while tiers 0 and 1 have fewer than ``limit``.

    A tier that is not needed is never run: its condition on the tiers before
    it is a one-time filter. The tsqueries stand as constants where they are
    used, so the planner sees how many cases each word matches."""
    every, some, typed = _tsquery(query, "&"), _tsquery(query, "|"), _tsquery(_typed(query), "|")
    params: list = []
    # A hit's whole tsvector is carried through the tiers only when its words are asked for.
    vector = "d.vector" if words is not None else "NULL::tsvector"

    def body(tsquery: str, condition: str, not_title: bool) -> str:
        params.extend([tsquery, typed, tsquery])
        if not_title:
            params.append(tsquery)
        params.extend(filter_params)
        return (
            f"SELECT {_COLUMNS.format(rank=_RANK.format(v='d.vector'), words=vector)} FROM"
            f" (SELECT d.* FROM {DOC_TABLE} d WHERE d.vector @@ %s::tsquery"
            + (" AND NOT d.title_vector @@ %s::tsquery" if not_title else "")
            + f"{filters} AND {condition} ORDER BY d.published_at DESC LIMIT {BODY_CANDIDATES}) d"
            f" ORDER BY rank DESC, d.published_at DESC LIMIT {int(limit)}"
        )

    params.extend([every, typed, every, *filter_params])
    title = (
        f"t0 AS (SELECT {_COLUMNS.format(rank=_RANK.format(v='d.title_vector') + ' + 1', words=vector)}"
        f" FROM {DOC_TABLE} d WHERE d.title_vector @@ %s::tsquery{filters}"
        f" ORDER BY rank DESC, d.published_at DESC LIMIT {int(limit)})"
    )
    tiers = [title, f"t1 AS ({body(every, f'(SELECT count(*) FROM t0) < {int(limit)}', True)})"]
    if any_word:
        enough = f"(SELECT count(*) FROM t0) + (SELECT count(*) FROM t1) < {int(limit)}"
        tiers.append(f"t2 AS ({body(some, enough, False)})")
    # Each hit with its lengths and, with ``words``, the positions of those
    # words (what ``weigh_words`` reads): no second round trip for them.
    found = _WORDS_ONLY.format(v="words") if words is not None else "NULL::text"
    selects = []
    for tier in range(len(tiers)):
        if words is not None:
            params.append(words)
        selects.append(
            f"SELECT {tier}, case_id, rank, category, occupations, published_at, title_length, body_length,"
            f" {found} FROM t{tier}"
        )
    return "WITH " + ", ".join(tiers) + " " + " UNION ALL ".join(selects), params


def _find_postgres(query: Query, *, limit: int, category, occupation, words=None, into=None) -> list[Hit]:
    filters, filter_params = _filters(category, occupation)
    sql, params = _postgres_sql(
        query,
        filters,
        filter_params,
        limit=limit,
        any_word=len(query.groups) > 1,
        words=sorted(words) if words is not None else None,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    tiers: list[list[Hit]] = [[], [], []]
    for row in rows:
        tiers[row[0]].append(Hit(row[1], float(row[2]), row[3], row[4], _aware(row[5])))
        if into is not None and words is not None:
            into[int(row[1])] = _sparse_tokens(row[6], row[7], row[8])
    # Every word (title first, then anywhere), then some of the words.
    hits = (tiers[0] + tiers[1])[:limit]
    seen = {h.case_id for h in hits}
    hits += [h for h in tiers[2] if h.case_id not in seen][: limit - len(hits)]
    return hits


def _fetch(sql: str, params: list) -> list[Hit]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [Hit(row[0], float(row[1]), row[2], row[3], _aware(row[4])) for row in rows]


def _aware(value) -> dt.datetime:
    if isinstance(value, str):  # SQLite raw cursors return text
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def find_lexical(
    query: Query,
    *,
    limit: int = 10,
    category: str | None = None,
    occupation: str | None = None,
    words: set[str] | None = None,
    into: dict | None = None,
) -> list[Hit]:
    """Lexical hits for a parsed query, best first: all words, then some of the
    words. With ``words`` and ``into``, PostgreSQL also puts each hit's
    ``case_tokens`` for those words into ``into`` (same statement)."""
    if not query:
        return []
    if _is_postgres():
        return _find_postgres(
            query, limit=limit, category=category, occupation=occupation, words=words, into=into
        )
    hits = _run(query, any_word=False, category=category, occupation=occupation, limit=limit)
    if len(hits) < limit and len(query.groups) > 1:
        seen = {h.case_id for h in hits}
        more = _run(query, any_word=True, category=category, occupation=occupation, limit=limit)
        hits += [h for h in more if h.case_id not in seen][: limit - len(hits)]
    return hits


# --- The fused candidates' words ---------------------------------------------------
def case_tokens(case_ids: list[int], words: Iterable[str] | None = None) -> dict[int, textsearch.CaseTokens]:
    """The index tokens of these cases (title and body), by key: SQLite keeps
    them in the FTS5 table, PostgreSQL in the tsvector's positions. With
    ``words``, PostgreSQL returns only those (and each case's lengths): a
    search needs no more, and reading whole tsvectors in Python cost 0.8 ms a
    case (80 ms a search at 100,000 cases) against 8 ms in all."""
    ids = sorted({int(i) for i in case_ids})
    if not ids:
        return {}
    id_list = ",".join(map(str, ids))  # ints only
    with connection.cursor() as cursor:
        if _is_postgres() and words is not None:
            return _postgres_case_words(cursor, id_list, sorted(set(words)))
        if _is_postgres():
            cursor.execute(
                f"SELECT d.case_id, d.vector::text FROM {DOC_TABLE} d WHERE d.case_id IN ({id_list})"
            )
            return {
                int(i): textsearch.CaseTokens(*textsearch.tsvector_tokens(text or ""))
                for i, text in cursor.fetchall()
            }
        cursor.execute(f"SELECT rowid, title, body FROM {FTS_TABLE} WHERE rowid IN ({id_list})")
        return {
            int(i): textsearch.CaseTokens(title.split(), body.split()) for i, title, body in cursor.fetchall()
        }


def _postgres_case_words(cursor, id_list: str, words: list[str]) -> dict[int, textsearch.SparseCaseTokens]:
    """Each case's positions of ``words`` and its lengths, in one statement:
    the tsvector cut down to those words in PostgreSQL (setweight marks them,
    ts_filter keeps them). Title tokens stand first (positions 1 to its length)."""
    cursor.execute(
        f"SELECT d.case_id, d.title_length, d.body_length, {_WORDS_ONLY.format(v='d.vector')}"
        f" FROM {DOC_TABLE} d WHERE d.case_id IN ({id_list})",
        [words],
    )
    return {int(case_id): _sparse_tokens(t, b, text) for case_id, t, b, text in cursor.fetchall()}


def _sparse_tokens(title_length: int, body_length: int, text: str | None) -> textsearch.SparseCaseTokens:
    """A case's tokens from its tsvector cut down to some words (title tokens
    stand first: positions 1 to its length)."""
    title: dict[int, str] = {}
    body: dict[int, str] = {}
    for token, positions in textsearch.tsvector_positions(text or ""):
        for position in positions:
            (title if position <= title_length else body)[position] = token
    return textsearch.SparseCaseTokens(title, body, title_length=title_length, body_length=body_length)


def query_words(query: Query) -> set[str]:
    """Every word of every phrase of ``query`` (what ``weigh_words`` reads)."""
    return {t for group in query.groups for p in group for t in p if t != textsearch.SKIP}


# How many cases hold a phrase: counted once per process and phrase (one
# statement for a query's new phrases), again after DF_TTL seconds; a count
# off by a few cases hardly moves an idf.
DF_TTL = 3600.0
MAX_DF_ENTRIES = 50_000
_df: dict[tuple[str, ...], tuple[int, float]] = {}
_df_lock = threading.Lock()
_TOTAL: tuple[str, ...] = ()  # the _df key of the number of indexed cases


# PostgreSQL counts a common word's cases slowly (hundreds of ms for a
# query's synonyms at 100,000 cases, every heap row visited): past this many
# cases, a phrase's count is estimated from the tsvector column's statistics
# (ANALYZE's most common words and their frequencies; a phrase is held about
# as often as its rarest word). SQLite counts from FTS5's index (a few ms).
EXACT_COUNTS_UP_TO = 20_000


def phrase_documents(phrases: list[tuple[str, ...]]) -> tuple[dict[tuple[str, ...], int], int]:
    """({phrase: cases holding it}, indexed cases)."""
    now = time.monotonic()
    if _TOTAL not in _df or now - _df[_TOTAL][1] > DF_TTL:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {DOC_TABLE}")
            _df[_TOTAL] = (int(cursor.fetchone()[0]), now)
    total = _df[_TOTAL][0]
    wanted = list(dict.fromkeys(phrases))
    missing = [p for p in wanted if p not in _df or now - _df[p][1] > DF_TTL]
    counts: dict[tuple[str, ...], int] = {}
    statistics = _word_frequencies() if missing and _is_postgres() and total > EXACT_COUNTS_UP_TO else None
    if statistics is not None:
        frequencies, least = statistics
        counts = {p: textsearch.estimated_documents(p, frequencies, least, total) for p in missing}
    elif missing:  # counted (PostgreSQL before its first ANALYZE too)
        if _is_postgres():
            each = f"(SELECT count(*) FROM {DOC_TABLE} d WHERE d.vector @@ %s::tsquery)"
            match = [_tsquery_phrase(p, False) for p in missing]
        else:
            each = f"(SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)"
            match = [_fts_phrase(p, False) for p in missing]
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join([each] * len(missing)), match)
            counts = dict(zip(missing, map(int, cursor.fetchone()), strict=True))
    if counts:
        with _df_lock:
            if len(_df) > MAX_DF_ENTRIES:
                _df.clear()
            _df.update({p: (n, now) for p, n in counts.items()})
    return {p: counts[p] if p in counts else _df.get(p, (0, now))[0] for p in wanted}, total


def forget_phrase_documents() -> None:
    _df.clear()
    _frequencies.forget()


_frequencies = _Copy()


def _word_frequencies() -> tuple[dict[str, float], float] | None:
    """({word: share of cases holding it}, the least share listed) from
    PostgreSQL's statistics of the index vectors (read again after
    RECHECK_SECONDS only when ANALYZE has run since); None before any ANALYZE."""

    def stamp():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT last_analyze, last_autoanalyze FROM pg_stat_user_tables WHERE relid = %s::regclass",
                [DOC_TABLE],
            )
            return tuple(cursor.fetchone() or ())

    def load():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats"
                " WHERE tablename = %s AND attname = 'vector'",
                [DOC_TABLE],
            )
            row = cursor.fetchone()
        if not row or not row[0] or not row[1]:
            return ()
        words, shares = row
        return dict(zip(words, shares[: len(words)], strict=True)), float(shares[len(words)])

    return _frequencies.get(stamp, load) or None


def weigh_words(query: Query, tokens: dict[int, textsearch.CaseTokens]) -> tuple[list[int], dict[int, float]]:
    """For the cases of ``tokens``: those holding some word of ``query``, best
    first by ``fusion.words_score`` (each word counted once, by its best
    phrase), and the share of the query's words each holds (0 left out)."""
    scores, coverage = word_scorer(query)(tokens, mean_length(tokens))
    return sorted(scores, key=lambda i: (-scores[i], i)), coverage


def _length(case: textsearch.CaseTokens) -> float:
    return fusion.TITLE_WEIGHT * case.title_length + case.body_length


def mean_length(tokens: dict[int, textsearch.CaseTokens]) -> float:
    """The average (title-weighted) length of these cases: bm25's yardstick."""
    return sum(map(_length, tokens.values())) / len(tokens) if tokens else 0.0


def word_scorer(query: Query):
    """``weigh_words``' scores and word shares as a function of (tokens,
    average length): the phrases' weights are worked out once, so a search
    can score its candidates in two parts (read at two moments) alike."""
    phrases = list(dict.fromkeys(p for group in query.groups for p in group))
    documents, total = phrase_documents(phrases) if phrases else ({}, 0)
    weight = {p: fusion.idf(documents.get(p, 0), max(total, 1)) for p in phrases}
    words = query_words(query)
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for p in phrases:
        if any(t != textsearch.SKIP for t in p):
            by_first.setdefault(next(t for t in p if t != textsearch.SKIP), []).append(p)
    in_groups: dict[tuple[str, ...], list[int]] = {}
    for g, group in enumerate(query.groups):
        for p in dict.fromkeys(group):
            in_groups.setdefault(p, []).append(g)

    def score(
        tokens: dict[int, textsearch.CaseTokens], average: float
    ) -> tuple[dict[int, float], dict[int, float]]:
        scores, coverage = {}, {}
        for i, case in tokens.items():
            # Only the phrases whose every word the case holds are counted.
            present = (case.counts[0].keys() | case.counts[1].keys()) & words
            groups: list[list[tuple[int, int, float]]] = [[] for _ in query.groups]
            for first in present:
                for p in by_first.get(first, ()):
                    if all(t == textsearch.SKIP or t in present for t in p):
                        title, body = case.count(p)
                        if title or body:
                            for g in in_groups[p]:
                                groups[g].append((title, body, weight[p]))
            held = sum(1 for group in groups if group)
            if held:
                scores[i] = fusion.words_score(groups, length=_length(case), average=average or 1.0)
                coverage[i] = held / len(query.groups)
        return scores, coverage

    return score


# --- Vectors ------------------------------------------------------------------------
MAX_MASKS = 64  # filter masks kept per copy (category x occupation in use)
# A store this large is scanned in two steps (see ``_top``). At 100,000
# vectors near 300 topics (tests/consultations/test_search_speed.py's store):
# full float32 scan 21.6 ms; 128 dimensions then 8,000 candidates 12.9 ms with
# the same top 30 for all 30 queries tried (64 dims or 2,000 candidates lose rows).
REDUCE_FROM = 20_000
REDUCED_DIM = 128
CANDIDATES_PER_RESULT = 40
MIN_CANDIDATES = 8_000


@dataclass
class Vectors:
    """The stored vectors of the current model for every indexed (published)
    case, as one matrix, with what filtering and the results page need of each
    case, so a semantic search asks the database nothing."""

    ids: np.ndarray  # case ids, int64
    matrix: np.ndarray  # (n, the backend's dim) float32, rows L2-normalised
    row_of: dict[int, int]
    categories: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    occupations: list[str] = field(default_factory=list)
    published: list[dt.datetime] = field(default_factory=list)
    masks: dict = field(default_factory=dict)
    # From REDUCE_FROM rows on: each row projected on the REDUCED_DIM main
    # directions of the stored vectors, for the first, coarse step of ``_top``.
    projection: np.ndarray | None = None  # (DIM, REDUCED_DIM) float32
    reduced: np.ndarray | None = None  # (n, REDUCED_DIM) float32

    def reduce(self) -> None:
        """Find the main directions of the stored vectors (uncentred: they
        keep inner products) and project every row on them."""
        if len(self.ids) < REDUCE_FROM:
            return
        gram = np.zeros((self.matrix.shape[1],) * 2, dtype=np.float64)
        for start in range(0, len(self.ids), 20_000):
            part = self.matrix[start : start + 20_000].astype(np.float64)
            gram += part.T @ part
        _, directions = np.linalg.eigh(gram)  # ascending
        self.projection = np.ascontiguousarray(directions[:, ::-1][:, :REDUCED_DIM], dtype=np.float32)
        self.reduced = np.ascontiguousarray(self.matrix @ self.projection)

    def hit(self, row: int) -> Hit:
        return Hit(int(self.ids[row]), 0.0, self.categories[row], self.occupations[row], self.published[row])

    def mask(self, category: str | None, occupation: str | None) -> np.ndarray | None:
        """Rows in ``category`` with ``occupation`` (None: every row)."""
        if not category and not occupation:
            return None
        key = (category or "", occupation or "")
        found = self.masks.get(key)
        if found is None:
            found = np.ones(len(self.ids), dtype=bool)
            if category:
                found &= self.categories == category
            if occupation:
                wanted = f"|{occupation}|"
                found &= np.fromiter((wanted in o for o in self.occupations), dtype=bool, count=len(self.ids))
            if len(self.masks) >= MAX_MASKS:
                self.masks.clear()
            self.masks[key] = found
        return found


def vectors() -> Vectors:
    def load() -> Vectors:
        rows = CaseEmbedding.objects.filter(
            digest__startswith=_model_prefix(), case__search_document__isnull=False
        ).values_list(
            "case_id",
            "vector",
            "case__search_document__category",
            "case__search_document__occupations",
            "case__search_document__published_at",
        )
        ids, data, categories, occupations, published = [], [], [], [], []
        for case_id, vector, category, occupation, published_at in rows.iterator(chunk_size=2000):
            ids.append(case_id)
            data.append(bytes(vector))
            categories.append(category)
            occupations.append(occupation)
            published.append(_aware(published_at))
        dim = embeddings.backend().dim
        matrix = (
            np.frombuffer(b"".join(data), dtype="<f4").reshape(len(ids), dim)
            if ids
            else np.zeros((0, dim), dtype=np.float32)
        )
        store = Vectors(
            np.array(ids, dtype=np.int64),
            matrix,
            {c: i for i, c in enumerate(ids)},
            np.array(categories, dtype=object),
            occupations,
            published,
        )
        store.reduce()
        return store

    return _vectors.get(_index_stamp, load)


def _index_stamp():
    """Changes whenever a vector is written or an index row is written or
    removed (by any process): one cheap query. On PostgreSQL the index rows'
    write counters stand for them (a count would read the whole table)."""
    vectors_table = CaseEmbedding._meta.db_table
    if _is_postgres():
        sql = (
            f"SELECT (SELECT max(updated_at) FROM {vectors_table}),"
            " (SELECT n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables"
            " WHERE relid = %s::regclass)"
        )
        params = [DOC_TABLE]
    else:
        sql = f"SELECT (SELECT max(updated_at) FROM {vectors_table}), (SELECT count(*) FROM {DOC_TABLE})"
        params = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return tuple(cursor.fetchone())


def _model_prefix() -> str:
    """Stored digests start with a short id of the model that made them."""
    return embeddings.digest("", embeddings.backend().model_id)[:8] + ":"


def _passage(case: Case) -> str:
    return embeddings.passage_text(title=case.title, question=case.question, answer=case.answer)


def _digest(case: Case) -> str:
    model_id = embeddings.backend().model_id
    return _model_prefix() + embeddings.digest(_passage(case), model_id)[:31]


def embed_cases(
    *,
    case_ids: list[int] | None = None,
    force: bool = False,
    batch_size: int = 32,
    progress=None,
    neighbours: bool = True,
) -> int:
    """Make the vectors of published cases that lack a current one (all cases
    when ``case_ids`` is None), then (``neighbours``) the similar-case lists
    they change. Safe to run twice: a current vector is kept. Returns the
    number of vectors written."""
    cases = Case.objects.published().order_by("pk")
    if case_ids is not None:
        cases = cases.filter(pk__in=case_ids)
    try:
        backend = embeddings.backend()
        current = dict(CaseEmbedding.objects.filter(case__in=cases).values_list("case_id", "digest"))
    except embeddings.EmbeddingsUnavailable:
        log.warning("embeddings unavailable: cases stay lexical-only", exc_info=True)
        return 0
    todo = [
        c for c in cases.only("pk", "title", "question", "answer") if force or current.get(c.pk) != _digest(c)
    ]
    written = 0
    made: list[int] = []
    for start in range(0, len(todo), batch_size):
        batch = todo[start : start + batch_size]
        matrix = embeddings.normalise(backend.passages([_passage(c) for c in batch]))
        now = timezone.now()
        rows = [
            CaseEmbedding(case_id=c.pk, digest=_digest(c), vector=embeddings.to_bytes(v), updated_at=now)
            for c, v in zip(batch, matrix, strict=True)
        ]
        # One statement, safe beside another process embedding the same case
        # (a save's task and the catch-up task): the last write stays. The
        # similar-case list starts again (refresh_neighbours, below).
        CaseEmbedding.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["case"],
            update_fields=["digest", "vector", "updated_at", "neighbours", "neighbour_floor"],
        )
        written += len(rows)
        made += [c.pk for c in batch]
        _vectors.forget()
        if progress:
            progress(start + len(batch), len(todo))
    if made and neighbours:
        refresh_neighbours(made)
    return written


STALE_BATCH = 500  # cases per catch-up run: about 2 minutes of embedding here


def embed_stale(*, limit: int | None = None) -> int:
    """Vectors for published cases that have none of the current model (new
    since a task was lost, or every case after the model changed), oldest
    first, at most ``limit`` (``STALE_BATCH``) per call, then their
    similar-case lists. The beat task ``embed_stale_cases`` calls it, so after
    a deploy that changes the model, meaning comes back on its own while
    search answers by words. (A case whose text changed is re-embedded by the
    task its save queued.)"""
    try:
        prefix = _model_prefix()
    except embeddings.EmbeddingsUnavailable:
        return 0
    limit = STALE_BATCH if limit is None else limit
    ids = list(
        Case.objects.published()
        .exclude(embedding__digest__startswith=prefix)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    return embed_cases(case_ids=ids) if ids else 0


_pending = threading.local()
# Commands that make the vectors themselves (eval_search, bench_search) turn
# the per-save task off.
EMBED_ON_SAVE = True


def queue_embedding(case_id: int) -> None:
    """Embed ``case_id`` in a Celery task once the transaction commits; the
    cases saved in one transaction (an import) go in a few batched tasks."""
    if not EMBED_ON_SAVE:
        return
    pending = getattr(_pending, "ids", None)
    if pending is None:
        pending = _pending.ids = set()
    pending.add(case_id)
    transaction.on_commit(_send_pending)


def _send_pending() -> None:
    from consultations.tasks import embed_cases as task

    ids, _pending.ids = sorted(getattr(_pending, "ids", None) or ()), set()
    for start in range(0, len(ids), EMBED_TASK_BATCH):
        task.delay(ids[start : start + EMBED_TASK_BATCH])


EMBED_TASK_BATCH = 64


def _top(
    store: Vectors, vector: np.ndarray, depth: int, *, mask=None, exclude=None
) -> list[tuple[int, float]]:
    """(row, cosine) of the ``depth`` rows closest to ``vector`` among ``mask``.

    A large store is scanned in two steps: every row in its reduced form
    (``Vectors.reduced``, a quarter of the bytes), then the best
    ``_candidates(depth)`` rows exactly. The cosines returned are exact; a row
    can only be missed if its reduced score falls below thousands of others."""
    if not len(store.ids) or depth <= 0:
        return []
    rows, _, scores = _shortlist(store, vector, depth, mask=mask, exclude=exclude)
    return _best(rows, scores, depth)


def _shortlist(
    store: Vectors, vector: np.ndarray, depth: int, *, mask=None, exclude=None
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """(rows, block, scores) of ``_top``'s exact step: the rows it reads
    (None: every row), their vectors and their cosines to ``vector`` (-inf for
    a row masked or excluded)."""
    if store.reduced is not None:
        coarse = store.reduced @ (vector @ store.projection)
        if exclude is not None and exclude in store.row_of:
            coarse[store.row_of[exclude]] = -np.inf
        # Only the rows in the mask are partitioned: tens of thousands of
        # equal -inf scores make argpartition three times slower.
        pool = None if mask is None else np.flatnonzero(mask)
        values = coarse if pool is None else coarse[pool]
        keep = min(_candidates(depth), len(values))
        best = (
            np.argpartition(values, len(values) - keep)[len(values) - keep :]
            if keep
            else np.zeros(0, np.intp)
        )
        rows = best if pool is None else pool[best]  # the best, with no negated copy
        rows = np.sort(rows[coarse[rows] > -np.inf])  # in storage order: a faster gather
        block = np.take(store.matrix, rows, axis=0)
        return rows, block, block @ vector
    return None, store.matrix, _masked(store.matrix @ vector, store, mask, exclude)


def _best(rows: np.ndarray | None, scores: np.ndarray, depth: int) -> list[tuple[int, float]]:
    """(row, score) of the ``depth`` best scores, best first (-inf: never)."""
    depth = min(depth, len(scores))
    if not depth:
        return []
    top = np.argpartition(-scores, depth - 1)[:depth]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(int(i if rows is None else rows[i]), float(scores[i])) for i in top if scores[i] > -np.inf]


def _masked(scores: np.ndarray, store: Vectors, mask, exclude) -> np.ndarray:
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    if exclude is not None and exclude in store.row_of:
        scores[store.row_of[exclude]] = -np.inf
    return scores


def _candidates(depth: int) -> int:
    return max(depth * CANDIDATES_PER_RESULT, MIN_CANDIDATES)


def nearest(vector: np.ndarray, *, depth: int, exclude: int | None = None) -> list[tuple[int, float]]:
    """(case id, cosine) of the ``depth`` indexed cases closest to ``vector``."""
    store = vectors()
    return [(int(store.ids[row]), score) for row, score in _top(store, vector, depth, exclude=exclude)]


# The semantic ranking (the query's vector, then the scan of every case
# vector) runs in a thread while the database ranks the words: the model and
# numpy run in C without the GIL, so the two overlap.
_worker: ThreadPoolExecutor | None = None
_worker_lock = threading.Lock()


@dataclass
class Semantic:
    """The semantic ranking of one query: the cases closest to its vector
    (``hits``) and, asked for short queries only, those closest to it moved
    toward its first few (``refined``, fusion.refine)."""

    store: Vectors
    limit: int
    vector: np.ndarray | None = None
    # _shortlist's rows, their vectors and their cosines to the query.
    rows: np.ndarray | None = None
    block: np.ndarray | None = None
    scores: np.ndarray | None = None
    found: list[tuple[int, float]] = field(default_factory=list)  # (row, cosine), best first

    @classmethod
    def scan(cls, store: Vectors, vector: np.ndarray, limit: int, *, mask=None) -> Semantic:
        if limit <= 0:
            return cls(store, limit, vector)
        rows, block, scores = _shortlist(store, vector, limit, mask=mask)
        return cls(store, limit, vector, rows, block, scores, _best(rows, scores, limit))

    def hits(self) -> list[tuple[Hit, float]]:
        return [(self.store.hit(row), score) for row, score in self.found]

    def refined(self) -> list[tuple[Hit, float]]:
        """The ranking by the query moved toward its FEEDBACK_CASES nearest
        cases, among the rows the query's own scan read exactly (on a large
        store, its thousands of candidates: a second scan of every row would
        cost as much as the first). Each case keeps its cosine to the query
        itself: the floor (fusion.floor_for) measures closeness to what was
        asked."""
        nearest = [row for row, _ in self.found[: fusion.FEEDBACK_CASES]]
        if not nearest:
            return self.hits()
        moved = fusion.refine(self.vector, self.store.matrix[nearest])
        again = np.where(self.scores > -np.inf, self.block @ moved, -np.inf)
        order = _best(None, again, self.limit)
        return [
            (self.store.hit(int(i if self.rows is None else self.rows[i])), float(self.scores[i]))
            for i, _ in order
        ]


def _semantic(
    text: str, store: Vectors, *, limit: int, category: str | None, occupation: str | None
) -> Semantic:
    try:
        vector = embeddings.query_vector(text)
    except embeddings.EmbeddingsUnavailable:
        return Semantic(store, limit)
    return Semantic.scan(store, vector, limit, mask=store.mask(category, occupation))


def _semantic_soon(
    text: str, *, limit: int, category: str | None = None, occupation: str | None = None
) -> Future | None:
    """``find_semantic`` started in a thread; None when there is nothing to
    look for (no text, no vectors)."""
    global _worker
    text = textsearch.clean(text)
    store = vectors() if text else None
    if store is None or not len(store.ids):
        return None
    if _worker is None:
        with _worker_lock:
            if _worker is None:
                _worker = ThreadPoolExecutor(max_workers=2, thread_name_prefix="semantic-search")
    return _worker.submit(_semantic, text, store, limit=limit, category=category, occupation=occupation)


def semantic_early(text: str, *, category: str | None = None, occupation: str | None = None) -> Future | None:
    """The semantic ranking of ``text`` as typed, started in a thread before
    the query is parsed (the embedding is the slowest step). ``find`` uses it
    unless parsing corrects the query (「もしかして」), then it is wasted."""
    return _semantic_soon(text or "", limit=FUSION_DEPTH, category=category, occupation=occupation)


def find_semantic(
    text: str, *, limit: int, category: str | None = None, occupation: str | None = None
) -> list[tuple[Hit, float]]:
    """Published cases whose vector is closest to the query's, with the cosine."""
    pending = _semantic_soon(text, limit=limit, category=category, occupation=occupation)
    return pending.result().hits() if pending is not None else []


# --- Fusion ------------------------------------------------------------------------
FUSION_DEPTH = fusion.DEPTH


def find(
    query: Query,
    *,
    limit: int = 10,
    category: str | None = None,
    occupation: str | None = None,
    text: str = "",
    early: Future | None = None,
) -> list[Hit]:
    """Hits, best first: the lexical ranking of ``query`` fused with the
    semantic ranking of ``text`` (the query as typed) where vectors exist.
    ``early`` is that semantic ranking started before the query was parsed
    (``semantic_early``), used unless parsing corrected the query."""
    # The vectors read the query as the index's words (mibarai → 未払い); they
    # are searched while the database ranks the words.
    if not text or query.prefix:
        pending = None
    elif early is not None and not query.suggestion:
        pending = early
    else:
        pending = _semantic_soon(
            query.suggestion or text, limit=FUSION_DEPTH, category=category, occupation=occupation
        )
    words = query_words(query) if pending is not None else None
    tokens: dict = {}
    lexical = find_lexical(
        query,
        limit=max(limit, FUSION_DEPTH),
        category=category,
        occupation=occupation,
        words=words,
        into=tokens,
    )
    if pending is None:
        return lexical[:limit]
    # The lexical candidates' words (read with them on PostgreSQL) are weighed
    # while the semantic side still runs; bm25's average length is theirs.
    wanted = [h.case_id for h in lexical[: fusion.DEPTH]]
    tokens = {i: tokens[i] for i in wanted if i in tokens}
    tokens.update(case_tokens([i for i in wanted if i not in tokens], words))
    average = mean_length(tokens)
    score = word_scorer(query)
    scores, coverage = score(tokens, average)
    ranking = pending.result()
    if not ranking.found:
        return lexical[:limit]
    semantic = ranking.refined() if fusion.uses_feedback(len(query.groups)) else ranking.hits()
    by_id = {h.case_id: h for h in lexical}
    by_id.update({h.case_id: h for h, _ in semantic if h.case_id not in by_id})
    floor = fusion.floor_for(embeddings.backend().model_id)
    lexical_ids, semantic_ids = [h.case_id for h in lexical], [(h.case_id, s) for h, s in semantic]
    # The candidates' own words: their lexical order word by word, and how
    # much of the query each holds (fusion.words_score, fusion.covered).
    pool = fusion.candidates(lexical_ids, semantic_ids, floor=floor)
    more = case_tokens([i for i in pool if i not in tokens], words)
    more_scores, more_coverage = score(more, average or mean_length(more))
    scores.update(more_scores)
    coverage.update(more_coverage)
    in_pool = set(pool)
    ranked = sorted((i for i in scores if i in in_pool), key=lambda i: (-scores[i], i))
    coverage = {i: share for i, share in coverage.items() if i in in_pool}
    first = set(ranked)
    order = fusion.fuse(
        ranked + [i for i in lexical_ids if i not in first],
        semantic_ids,
        floor=floor,
        weight=fusion.semantic_weight(len(query.groups)),
        coverage=coverage,
    )
    return [by_id[c] for c in order[:limit]]


def search_cases(
    query: str, *, limit: int = 10, category: str | None = None, occupation: str | None = None
) -> list[Case]:
    """Published cases for ``query``, best first (INTERFACES.md)."""
    limit = max(1, min(int(limit), 1000))
    early = semantic_early(query, category=category, occupation=occupation)
    hits = find(
        parse(query), limit=limit, category=category, occupation=occupation, text=query or "", early=early
    )
    # published(): a copy a few seconds stale must not bring back a case just withdrawn.
    cases = Case.objects.published().in_bulk([h.case_id for h in hits])
    return [cases[h.case_id] for h in hits if h.case_id in cases]


# --- Similar cases -------------------------------------------------------------------
# Each case's nearest cases are worked out when vectors are written (the
# embedding task, rebuild_search_index), not when its page is shown: a case
# page reads one stored list (CaseEmbedding.neighbours).
NEIGHBOURS = 10  # kept per case; more than a page shows, so unpublished ones can drop out
NEIGHBOUR_BLOCK = 128  # rows per matrix product (128 x 100,000 cosines = 51 MB)
NO_FLOOR = -2.0  # a list that holds every other case: any new case enters it
SIMILAR_TTL = 3600


def neighbour_lists(store: Vectors, rows: np.ndarray, progress=None) -> list[list[list]]:
    """The exact ``NEIGHBOURS`` nearest cases of each of ``rows``, best first,
    as [[case id, cosine], ...] (the case itself left out)."""
    out: list[list[list]] = []
    k = min(NEIGHBOURS, len(store.ids) - 1)
    for start in range(0, len(rows), NEIGHBOUR_BLOCK):
        block = np.asarray(rows[start : start + NEIGHBOUR_BLOCK], dtype=np.int64)
        if k <= 0:
            out.extend([] for _ in block)
            continue
        scores = store.matrix[block] @ store.matrix.T
        scores[np.arange(len(block)), block] = -np.inf
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        for i in range(len(block)):
            best = top[i][np.argsort(-scores[i, top[i]], kind="stable")]
            out.append([[int(store.ids[j]), round(float(scores[i, j]), 6)] for j in best])
        if progress:
            progress(len(out), len(rows))
    return out


def merge_neighbours(old: list, new: list, *, changed: set[int]) -> list[list]:
    """``old`` (a stored list) with the cases in ``changed`` taken out and
    ``new`` ([[case id, cosine], ...] of those cases) put in, best first."""
    kept = [pair for pair in old if pair[0] not in changed]
    return sorted(kept + new, key=lambda pair: -pair[1])[:NEIGHBOURS]


def _floor(pairs: list) -> float:
    return pairs[-1][1] if len(pairs) >= NEIGHBOURS else NO_FLOOR


def refresh_neighbours(case_ids: list[int] | None = None, *, progress=None) -> int:
    """Work out the stored nearest cases: of every indexed case (None, or
    when most cases changed), or of ``case_ids`` (new or changed vectors) and
    of each case with a list that one of them now enters. Returns the number
    of lists written. A case with no list yet keeps none (its page scans the
    vectors) until the next full run (``rebuild_search_index``, the nightly
    ``tasks.refresh_similar_cases``)."""
    store = vectors()
    total = len(store.ids)
    if case_ids is None:
        rows = np.arange(total)
    else:
        rows = np.array(sorted({store.row_of[c] for c in case_ids if c in store.row_of}), dtype=np.int64)
        if 2 * len(rows) > total:
            rows = np.arange(total)
    if not len(rows):
        return 0
    lists = dict(zip(store.ids[rows].tolist(), neighbour_lists(store, rows, progress), strict=True))
    if len(rows) < total:
        _merge_into_others(store, rows, lists)
    found = {e.case_id: e for e in CaseEmbedding.objects.filter(case_id__in=list(lists)).only("case_id")}
    for case_id, pairs in lists.items():
        if case_id in found:
            found[case_id].neighbours = pairs
            found[case_id].neighbour_floor = _floor(pairs)
    CaseEmbedding.objects.bulk_update(list(found.values()), ["neighbours", "neighbour_floor"], batch_size=500)
    return len(found)


def _merge_into_others(store: Vectors, rows: np.ndarray, lists: dict[int, list]) -> None:
    """Add to ``lists`` the other cases whose stored list one of ``rows`` now
    enters (closer than the list's last), with those rows merged in."""
    floors = np.full(len(store.ids), np.inf)  # no list: nothing to merge into
    for case_id, floor in CaseEmbedding.objects.filter(neighbour_floor__isnull=False).values_list(
        "case_id", "neighbour_floor"
    ):
        row = store.row_of.get(case_id)
        if row is not None:
            floors[row] = floor
    floors[rows] = np.inf
    for start in range(0, len(rows), NEIGHBOUR_BLOCK):
        block = rows[start : start + NEIGHBOUR_BLOCK]
        scores = store.matrix[block] @ store.matrix.T  # (block, every case)
        entering = np.nonzero(scores.max(axis=0) > floors)[0]
        targets = [int(store.ids[r]) for r in entering]
        stored = dict(CaseEmbedding.objects.filter(case_id__in=targets).values_list("case_id", "neighbours"))
        changed = {int(store.ids[b]) for b in block}
        for row, case_id in zip(entering, targets, strict=True):
            new = [[int(store.ids[b]), round(float(scores[i, row]), 6)] for i, b in enumerate(block)]
            pairs = merge_neighbours(lists.get(case_id, stored.get(case_id, [])), new, changed=changed)
            lists[case_id] = pairs
            floors[row] = _floor(pairs)


def similar_cases(case: Case, *, limit: int = 3) -> list[Case]:
    """Published cases whose vectors lie closest to ``case``'s: its stored
    list (``refresh_neighbours``), or, until that exists, a scan of the
    vector copy (cached per vector state); [] while the case has no vector."""
    stored = (
        CaseEmbedding.objects.filter(case_id=case.pk, neighbour_floor__isnull=False)
        .values_list("neighbours", flat=True)
        .first()
    )
    if stored is not None:
        ids = [int(pair[0]) for pair in stored]
    else:
        ids = _similar_now(case, limit)
    cases = Case.objects.published().in_bulk(ids)
    return [cases[i] for i in ids if i in cases][:limit]


def _similar_now(case: Case, limit: int) -> list[int]:
    try:
        store = vectors()
    except embeddings.EmbeddingsUnavailable:
        return []
    row = store.row_of.get(case.pk)
    if row is None:
        return []
    stamp = zlib.crc32(repr(_vectors.stamp).encode())
    key = f"consultations:similar:{case.pk}:{limit}:{len(store.ids)}:{stamp}"
    ids = cache_get(key)
    if ids is None:
        # The copy holds indexed (published) cases only.
        ids = [int(store.ids[r]) for r, _ in _top(store, store.matrix[row], limit, exclude=case.pk)]
        cache_set(key, ids, SIMILAR_TTL)
    return ids


def naive_search(query: str, *, limit: int = 10) -> list[Case]:
    """The baseline the quality and speed tests compare against: every
    space-separated word as ``icontains`` over title, question and answer."""
    words = (query or "").split()
    if not words:
        return []
    qs = Case.objects.published()
    for word in words[:12]:
        qs = qs.filter(Q(title__icontains=word) | Q(question__icontains=word) | Q(answer__icontains=word))
    return list(qs.order_by("-published_at")[:limit])
