"""Read-side helpers for the magazine pages (published articles only)."""

import datetime as dt

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.utils import timezone

from consultations.models import Case, GlossaryTerm
from magazine.models import Article, Category, Feature
from worq.lib.pagecache import remember

PER_PAGE = 12


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


def related_cases(article: Article) -> list[Case]:
    """Published consultation cases named by external_id; a case removed or
    unpublished since the article was written is simply left out."""
    if not article.related_case_ids:
        return []
    by_id = {
        case.external_id: case
        for case in Case.objects.published().filter(external_id__in=article.related_case_ids)
    }
    return [by_id[i] for i in article.related_case_ids if i in by_id]


def related_terms(article: Article) -> list[dict]:
    """Glossary terms with a link when the glossary knows them, plain words otherwise."""
    if not article.related_terms:
        return []
    known = {t.term: t for t in GlossaryTerm.objects.filter(term__in=article.related_terms)}
    return [
        {"name": name, "url": known[name].get_absolute_url() if name in known else None}
        for name in article.related_terms
    ]


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


def front_page(page_number) -> dict:
    """The Magazine home: this month's feature, the latest articles (one page),
    the archive and the categories. Kept until the content changes or the
    data cache's time bound passes (an article scheduled for later appears
    within it)."""
    return dict(remember("magazine-front-page", (str(page_number),), lambda: _front_page(page_number)))


def _front_page(page_number) -> dict:
    feature = current_feature()
    articles = published_articles()
    feature_articles = list(articles.filter(feature=feature)[:6]) if feature else []
    latest = articles.exclude(pk__in=[a.pk for a in feature_articles])
    page = Paginator(latest, PER_PAGE).get_page(page_number)
    page.object_list = list(page.object_list)
    return {
        "feature": feature,
        "feature_articles": feature_articles,
        "page_obj": page,
        "months": archive_months()[:12],
        "categories": list(Category.objects.all()),
    }
