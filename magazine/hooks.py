from urllib.parse import urlencode

from django.urls import reverse

from magazine import queries, services
from magazine.models import Article, Delivery, Subscription
from worq.lib.hooks import register_mypage_section, register_news_source, register_search_section


def _mypage_context(user) -> dict:
    return {"subscription": Subscription.objects.filter(user=user).first()}


SEARCH_LIMIT = 5


def _search(query: str) -> dict | None:
    items = list(queries.search_articles(query)[: SEARCH_LIMIT + 1])
    if not items:
        return None
    more = len(items) > SEARCH_LIMIT
    return {
        "title": "Wor-Q Magazine の記事",
        "template": "magazine/includes/search_results.html",
        "items": items[:SEARCH_LIMIT],
        "more_url": f"{reverse('magazine:search')}?{urlencode({'q': query})}" if more else None,
    }


def export(user) -> dict:
    subscription = Subscription.objects.filter(user=user).first()
    if subscription is None:
        return {}
    return {
        "wor_q_letters": {
            "status": subscription.status,
            "requested_at": subscription.requested_at.isoformat(),
            "confirmed_at": subscription.confirmed_at.isoformat() if subscription.confirmed_at else None,
            "unsubscribed_at": (
                subscription.unsubscribed_at.isoformat() if subscription.unsubscribed_at else None
            ),
            "deliveries": [
                {
                    "subject": d.campaign.subject,
                    "status": d.status,
                    "sent_at": d.sent_at.isoformat() if d.sent_at else None,
                }
                for d in Delivery.objects.filter(subscription=subscription).select_related("campaign")
            ],
        }
    }


def blockers(user) -> list[str]:
    return []


def forget(*, user, now) -> None:
    services.subscription_delete_for_user(user)


register_mypage_section(order=60, template="magazine/includes/mypage_letters.html", context=_mypage_context)
register_search_section(order=20, search=_search)


def _news(limit: int) -> list[dict]:

    articles = Article.objects.published().order_by("-published_at", "-pk")[:limit]
    return [{"title": a.title, "url": a.get_absolute_url(), "date": a.published_at} for a in articles]


register_news_source(order=10, label="マガジン", items=_news)
