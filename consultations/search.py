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
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.db.models import Q

from consultations import textsearch
from consultations.models import Case, CaseSearchDocument, GlossaryTerm
from consultations.textsearch import Query

SYNONYMS_CACHE_KEY = "consultations:synonyms:v2"
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


# --- Synonyms (glossary aliases, staff-edited data) ----------------------------------
def synonyms() -> dict:
    data = cache.get(SYNONYMS_CACHE_KEY)
    if data is None:
        entries = GlossaryTerm.objects.values_list("term", "aliases")
        data = textsearch.build_synonyms((t, a or []) for t, a in entries)
        cache.set(SYNONYMS_CACHE_KEY, data, 3600)
    return data


def forget_synonyms() -> None:
    cache.delete(SYNONYMS_CACHE_KEY)


def parse(query: str, *, prefix: bool = False) -> Query:
    if not textsearch.normalize(query or ""):
        return Query()
    return textsearch.parse_query(query, synonyms(), prefix=prefix)


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


def document_tokens(case: Case) -> tuple[list[str], list[str]]:
    title = textsearch.index_tokens(case.title)
    body = textsearch.index_tokens(f"{case.question}\n{case.answer}\n{case.memo}")
    return title, body


def index_case(case: Case) -> None:
    """Bring the index row of ``case`` in step: indexed if published, gone if not."""
    if not case.published:
        remove_case(case.pk)
        return
    title, body = document_tokens(case)
    write_documents([(case, title, body)])


def write_documents(rows: list[tuple[Case, list[str], list[str]]]) -> None:
    """Write index rows for already tokenised, published cases."""
    docs = [
        CaseSearchDocument(
            case_id=case.pk,
            category=case.category,
            occupations=_occupation_key(case.occupations),
            published_at=case.published_at,
            vector=tsvector_literal(title, body) if _is_postgres() else None,
            title_vector=tsvector_literal(title, []) if _is_postgres() else None,
        )
        for case, title, body in rows
    ]
    ids = [d.case_id for d in docs]
    CaseSearchDocument.objects.filter(case_id__in=ids).delete()
    CaseSearchDocument.objects.bulk_create(docs, batch_size=1000)
    if not _is_postgres():
        with connection.cursor() as cursor:
            cursor.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [(i,) for i in ids])
            cursor.executemany(
                f"INSERT INTO {FTS_TABLE} (rowid, title, body) VALUES (%s, %s, %s)",
                [(case.pk, " ".join(title), " ".join(body)) for case, title, body in rows],
            )


def remove_case(case_id: int) -> None:
    CaseSearchDocument.objects.filter(case_id=case_id).delete()
    if not _is_postgres():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [case_id])


def rebuild_index(*, batch_size: int = 500) -> int:
    """Rebuild every index row from the stored cases. Returns the number indexed."""
    CaseSearchDocument.objects.all().delete()
    if not _is_postgres():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")
    count = 0
    batch: list = []
    for case in Case.objects.published().order_by("pk").iterator(chunk_size=batch_size):
        batch.append((case, *document_tokens(case)))
        if len(batch) >= batch_size:
            write_documents(batch)
            count += len(batch)
            batch = []
    if batch:
        write_documents(batch)
        count += len(batch)
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
    return f"NEAR({' '.join(words)}, {skipped})" if skipped else "(" + " + ".join(words) + ")"


def _fts_match(query: Query, joiner: str) -> str:
    groups = []
    for gi, group in enumerate(query.groups):
        last = query.prefix and gi == len(query.groups) - 1
        groups.append("(" + " OR ".join(_fts_phrase(p, last) for p in group) + ")")
    return f" {joiner} ".join(groups)


def _typed(query: Query) -> Query:
    """The words as typed, any of them: what earns the extra weight."""
    return Query(groups=[query.typed or [p for g in query.groups for p in g]], prefix=False)


def _run(query: Query, *, any_word: bool, category, occupation, limit: int) -> list[Hit]:
    filters, params = [], []
    if category:
        filters.append("d.category = %s")
        params.append(category)
    if occupation:
        filters.append("d.occupations LIKE %s")
        params.append(f"%|{occupation}|%")
    extra = "".join(f" AND {f}" for f in filters)
    if _is_postgres():
        queries = [_tsquery(query, "|" if any_word else "&"), _tsquery(_typed(query), "|")]
        return _run_postgres(queries, extra, params, limit, title_first=not any_word)
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
_COLUMNS = "d.case_id, {rank} AS rank, d.category, d.occupations, d.published_at"
# The whole query's rank plus, weighted, the rank of the words as typed.
_RANK = "ts_rank({v}, q.q, 1) + " + str(TYPED_WEIGHT) + " * ts_rank({v}, q.t, 1)"
_QUERIES = "(SELECT %s::tsquery AS q, %s::tsquery AS t) q"


def _run_postgres(
    queries: list[str], extra: str, params: list, limit: int, *, title_first: bool
) -> list[Hit]:
    """Two tiers, both served by GIN indexes: cases whose title holds every
    word (ranked on the small title vector), then cases holding them anywhere
    (ranked on the whole vector, title weighted A over body B)."""
    if not title_first:
        return _fetch(_body_sql(extra, exclude_title=False), [queries[0], *params, *queries, limit])
    title_sql = (
        f"SELECT {_COLUMNS.format(rank=_RANK.format(v='d.title_vector') + ' + 1')}"
        f" FROM {DOC_TABLE} d, {_QUERIES}"
        f" WHERE d.title_vector @@ q.q{extra} ORDER BY rank DESC, d.published_at DESC LIMIT %s"
    )
    hits = _fetch(title_sql, [*queries, *params, limit])
    if len(hits) >= limit:
        return hits
    more = _fetch(_body_sql(extra, exclude_title=True), [queries[0], *params, *queries, limit - len(hits)])
    return hits + more


def _body_sql(extra: str, *, exclude_title: bool) -> str:
    not_title = " AND NOT d.title_vector @@ q.q" if exclude_title else ""
    return (
        f"SELECT {_COLUMNS.format(rank=_RANK.format(v='d.vector'))} FROM"
        f" (SELECT d.* FROM {DOC_TABLE} d, (SELECT %s::tsquery AS q) q WHERE d.vector @@ q.q{extra}"
        f"{not_title} ORDER BY d.published_at DESC LIMIT {BODY_CANDIDATES}) d,"
        f" {_QUERIES} ORDER BY rank DESC, d.published_at DESC LIMIT %s"
    )


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


def find(
    query: Query, *, limit: int = 10, category: str | None = None, occupation: str | None = None
) -> list[Hit]:
    """Hits for a parsed query, best first: all words, then some of the words."""
    if not query:
        return []
    hits = _run(query, any_word=False, category=category, occupation=occupation, limit=limit)
    if len(hits) < limit and len(query.groups) > 1:
        seen = {h.case_id for h in hits}
        more = _run(query, any_word=True, category=category, occupation=occupation, limit=limit)
        hits += [h for h in more if h.case_id not in seen][: limit - len(hits)]
    return hits


def search_cases(
    query: str, *, limit: int = 10, category: str | None = None, occupation: str | None = None
) -> list[Case]:
    """Published cases for ``query``, best first (INTERFACES.md)."""
    limit = max(1, min(int(limit), 1000))
    hits = find(parse(query), limit=limit, category=category, occupation=occupation)
    cases = Case.objects.in_bulk([h.case_id for h in hits])
    return [cases[h.case_id] for h in hits if h.case_id in cases]


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
