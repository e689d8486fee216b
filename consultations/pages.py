"""Context for the case and glossary pages (reading only, no changes)."""

from itertools import groupby

from django.utils.safestring import mark_safe

from consultations.glossary_links import link_terms
from consultations.listing import MEMBERS_PREVIEW_CHARS
from consultations.models import Case, GlossaryTerm
from consultations.search import search_cases, similar_cases
from worq.lib.markup import markdown_to_html
from worq.lib.pagecache import remember
from worq.lib.vocab import ConsultationCategory


def grouped(items, attribute: str) -> list[tuple[str, list]]:
    return [(key, list(group)) for key, group in groupby(items, key=lambda i: getattr(i, attribute))]


def answers_by_category(entries) -> list[tuple[str, list]]:
    """相談回答集 grouped by category, in the vocabulary's order (not the alphabet's)."""
    order = {value: index for index, value in enumerate(ConsultationCategory.values)}
    ordered = sorted(entries, key=lambda e: (order.get(e.category, len(order)), e.order, e.pk))
    return grouped(ordered, "category")


def _paragraphs(text: str) -> str:
    return markdown_to_html(text)


def case_page(case: Case, *, can_read: bool) -> dict:
    """Kept per case and per ``can_read`` until the content changes (the
    glossary linking, the related and similar cases): the same for everyone
    who may read as much."""
    return dict(remember("case-page", (case.pk, can_read), lambda: _case_page(case, can_read=can_read)))


def _case_page(case: Case, *, can_read: bool) -> dict:
    answer = case.answer if can_read else case.answer[:MEMBERS_PREVIEW_CHARS].rstrip() + "…"
    urls = {t.term: t.get_absolute_url() for t in GlossaryTerm.objects.only("pk", "term")}
    parts, linked = link_terms(
        [_paragraphs(case.memo), _paragraphs(case.question), _paragraphs(answer)], urls
    )
    memo_html, question_html, answer_html = (mark_safe(p) for p in parts)  # nh3-cleaned by markdown_to_html
    terms = list(case.related_terms.all())
    terms += [t for t in GlossaryTerm.objects.filter(term__in=linked) if t not in terms]
    related = list(case.related_cases.published()[:5])
    similar = [c for c in similar_cases(case, limit=3 + len(related)) if c not in related][:3]
    if not related and not similar:
        related = [c for c in search_cases(case.title, limit=4) if c.pk != case.pk][:3]
    return {
        "case": case,
        "can_read": can_read,
        "memo_html": memo_html,
        "question_html": question_html,
        "answer_html": answer_html,
        "terms": terms,
        "related_cases": related,
        "similar_cases": similar,
    }


def term_page(term: GlossaryTerm) -> dict:
    cases = list(term.cases.published()[:5]) or search_cases(term.term, limit=5)
    return {
        "term": term,
        "definition_html": mark_safe(markdown_to_html(term.definition)),  # nh3-cleaned
        "related": term.related.all(),
        "cases": cases,
    }


def search_sections(query: str, registry) -> list[dict]:
    """Extra result sections other apps register (e.g. magazine articles),
    kept until the content changes."""
    return remember("search-sections", (query,), lambda: _search_sections(query, registry))


def _search_sections(query: str, registry) -> list[dict]:
    sections = []
    for section in registry.search_sections:
        found = section.search(query)
        if found and found.get("items"):
            sections.append(found)
    return sections
