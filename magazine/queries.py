"""Read-side helpers for the magazine pages (published articles only)."""

import datetime as dt

from django.apps import apps
from django.db.models import Q, QuerySet
from django.utils import timezone

from magazine.models import Article, Feature


def published_articles(now: dt.datetime | None = None) -> QuerySet[Article]:
    return Article.objects.published(now).for_list()


def get_published_article(slug: str, now: dt.datetime | None = None) -> Article:
    """Raises Article.DoesNotExist for drafts and articles scheduled for later."""
    return published_articles(now).get(slug=slug)


def current_feature(now: dt.datetime | None = None) -> Feature | None:
    """This month's feature, or the latest one with published articles."""
    now = now or timezone.now()
    visible = Feature.objects.filter(
        articles__published_at__isnull=False,
        articles__published_at__lte=now,
        month__lte=timezone.localdate(now),
    ).distinct()
    return visible.order_by("-month").first()


def related_articles(article: Article, *, limit: int = 3) -> list[Article]:
    """Same feature first, then shared tags, then same category."""
    others = published_articles().exclude(pk=article.pk)
    tag_ids = list(article.tags.values_list("pk", flat=True))
    picked: list[Article] = []
    for qs in (
        others.filter(feature=article.feature) if article.feature_id else others.none(),
        others.filter(tags__in=tag_ids).distinct() if tag_ids else others.none(),
        others.filter(category=article.category_id),
    ):
        for item in qs[:limit]:
            if item not in picked:
                picked.append(item)
        if len(picked) >= limit:
            break
    return picked[:limit]


def related_cases(article: Article) -> list:
    """Published consultation cases named by external_id, if that app provides them.

    The consultations app is built separately; a missing model or a case that
    was removed simply shows nothing rather than breaking the article.
    """
    if not article.related_case_ids:
        return []
    try:
        case_model = apps.get_model("consultations", "Case")
    except LookupError:
        return []
    fields = {f.name for f in case_model._meta.get_fields()}
    qs = case_model._default_manager.filter(external_id__in=article.related_case_ids)
    if "published" in fields:
        qs = qs.filter(published=True)
    by_id = {case.external_id: case for case in qs}
    return [by_id[i] for i in article.related_case_ids if i in by_id]


def related_terms(article: Article) -> list[dict]:
    """Glossary terms with a link when the glossary knows them, plain words otherwise."""
    if not article.related_terms:
        return []
    known: dict[str, object] = {}
    try:
        term_model = apps.get_model("consultations", "GlossaryTerm")
    except LookupError:
        term_model = None
    if term_model is not None:
        known = {t.term: t for t in term_model._default_manager.filter(term__in=article.related_terms)}
    result = []
    for name in article.related_terms:
        term = known.get(name)
        url = term.get_absolute_url() if term is not None and hasattr(term, "get_absolute_url") else None
        result.append({"name": name, "url": url})
    return result


def search_articles(query: str) -> QuerySet[Article]:
    """Published articles containing every word (title, lead or body)."""
    words = [w for w in query.split() if w][:5]
    qs = published_articles()
    if not words:
        return qs.none()
    for word in words:
        qs = qs.filter(Q(title__icontains=word) | Q(lead__icontains=word) | Q(body__icontains=word))
    return qs


def archive_months(now: dt.datetime | None = None) -> list[dt.date]:
    months = Article.objects.published(now).datetimes("published_at", "month", order="DESC")
    return [m.date() for m in months]
