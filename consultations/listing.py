"""The search results page: ranked hits, facet counts, snippets, suggestions."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q

from consultations import search, textsearch
from consultations.models import Case, CaseSearchDocument, GlossaryTerm
from consultations.textsearch import Query, Segment
from worq.lib.pagecache import remember
from worq.lib.vocab import ConsultationCategory, Occupation

PER_PAGE = 10
MAX_HITS = 300  # the page ranks at most this many; nobody pages further
MEMBERS_PREVIEW_CHARS = 60


@dataclass
class ResultItem:
    case: Case
    title: list[Segment]
    snippet: list[Segment]


@dataclass
class Listing:
    query: Query
    page: Page
    items: list[ResultItem]
    total: int
    category_counts: dict[str, int] = field(default_factory=dict)
    occupation_counts: dict[str, int] = field(default_factory=dict)


def browse(
    *, text: str, category: str, occupation: str, sort: str, page_number, prefix: bool = False
) -> Listing:
    """The same for everyone who asks the same: kept until the content changes
    (``worq.lib.pagecache.remember``). The Listing returned is shared: read it only."""
    return remember(
        "case-listing",
        (text, category, occupation, sort, str(page_number), prefix),
        lambda: _browse(
            text=text,
            category=category,
            occupation=occupation,
            sort=sort,
            page_number=page_number,
            prefix=prefix,
        ),
    )


def _browse(*, text: str, category: str, occupation: str, sort: str, page_number, prefix: bool) -> Listing:
    early = None if prefix else search.semantic_early(text)
    query = search.parse(text, prefix=prefix)
    if query:
        hits = search.find(query, limit=MAX_HITS, text=text, early=early)
        in_occupation = [h for h in hits if not occupation or h.has_occupation(occupation)]
        in_category = [h for h in hits if not category or h.category == category]
        category_counts = dict(Counter(h.category for h in in_occupation))
        occupation_counts = {o: sum(h.has_occupation(o) for h in in_category) for o in Occupation.values}
        chosen = [h for h in in_category if not occupation or h.has_occupation(occupation)]
        if sort == "newest":
            chosen.sort(key=lambda h: h.published_at, reverse=True)
        page = Paginator([h.case_id for h in chosen], PER_PAGE).get_page(page_number)
        ids = list(page.object_list)
    else:
        docs = CaseSearchDocument.objects.all()
        by_occupation = docs.filter(occupations__contains=f"|{occupation}|") if occupation else docs
        by_category = docs.filter(category=category) if category else docs
        category_counts = dict(by_occupation.values_list("category").annotate(n=Count("pk")).order_by())
        occupation_counts = by_category.aggregate(
            **{o: Count("pk", filter=Q(occupations__contains=f"|{o}|")) for o in Occupation.values}
        )
        chosen_qs = by_category.filter(pk__in=by_occupation.values("pk")) if occupation else by_category
        page = Paginator(
            chosen_qs.order_by("-published_at", "-pk").values_list("pk", flat=True), PER_PAGE
        ).get_page(page_number)
        ids = list(page.object_list)
    cases = Case.objects.published().in_bulk(ids)  # never a case withdrawn since the copy was made
    wanted = query.all_tokens()
    items = [_item(cases[i], wanted) for i in ids if i in cases]
    return Listing(query, page, items, page.paginator.count, category_counts, occupation_counts)


def _item(case: Case, wanted: set[str]) -> ResultItem:
    answer = case.answer
    if case.members_only:
        # The search covers members-only cases; their answer shows only its start.
        answer = answer[:MEMBERS_PREVIEW_CHARS]
    snippet = textsearch.highlight(case.question, wanted)
    if wanted and not any(s.hit for s in snippet):
        in_answer = textsearch.highlight(answer, wanted)
        if any(s.hit for s in in_answer):
            snippet = in_answer
    return ResultItem(case, textsearch.highlight(case.title, wanted, width=200), snippet)


def category_choices(counts: dict[str, int]) -> list[tuple[str, str]]:
    return [(v, f"{v}（{counts.get(v, 0)}）") for v in ConsultationCategory.values]


def occupation_choices(counts: dict[str, int]) -> list[tuple[str, str]]:
    return [(v, f"{v}（{counts.get(v, 0)}）") for v in Occupation.values]


def suggest_terms(text: str, *, limit: int = 6) -> list[GlossaryTerm]:
    """Glossary terms that share a word with what was typed (for "no results")."""
    return remember("suggest-terms", (text, limit), lambda: _suggest_terms(text, limit=limit))


def _suggest_terms(text: str, *, limit: int) -> list[GlossaryTerm]:
    typed = set(textsearch.tokens(text))
    normalized = textsearch.normalize(text)
    if not typed and not normalized:
        return []
    found = []
    for term in GlossaryTerm.objects.order_by("reading"):
        words = [term.term, *(term.aliases or [])]
        if any(textsearch.normalize(w) in normalized or typed & set(textsearch.tokens(w)) for w in words):
            found.append(term)
            if len(found) >= limit:
                break
    return found


SUGGEST_MIN_CHARS = 6
SUGGEST_LIMIT = 3


def suggest_cases(text: str, *, limit: int = SUGGEST_LIMIT) -> list[Case] | None:
    """Published cases close to what someone is writing in the consultation
    form (its first few hundred characters); None while it is too short to tell."""
    text = textsearch.clean(text)[: textsearch.MAX_QUERY_CHARS]
    if len(text) < SUGGEST_MIN_CHARS:
        return None
    return search.search_cases(text, limit=limit)
