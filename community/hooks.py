"""What the community adds to the home page, マイページ, export and deletion."""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from community import services
from community.models import Post, Reaction, Report, Suspension, Topic
from worq.lib.hooks import register_mypage_section, register_news_source, register_search_section

SEARCH_LIMIT = 5


def mypage_context(user) -> dict | None:
    now = timezone.now()
    posts = list(
        Post.objects.filter(author=user)
        .exclude(status=Post.Status.DELETED)
        .select_related("topic__community", "parent")
        .order_by("-created_at")[:10]
    )
    suspension = services.suspension_in_force(user=user, now=now)
    if not posts and suspension is None:
        return {"posts": [], "suspension": None, "total": 0}
    total = Post.objects.filter(author=user).exclude(status=Post.Status.DELETED).count()
    return {"posts": posts, "suspension": suspension, "total": total}


def export(user) -> dict:
    def iso(value):
        return value.isoformat() if value else None

    return {
        "community_posts": [
            {
                "topic": p.topic.title,
                "community": p.topic.community.name,
                "kind": p.get_kind_display() if p.kind else "返信",
                "body": p.body,
                "status": p.get_status_display(),
                "created_at": iso(p.created_at),
                "edited_at": iso(p.edited_at),
                "reply_to": p.parent_id,
            }
            for p in Post.objects.filter(author=user).select_related("topic__community")
        ],
        "community_reactions": [
            {"post": r.post_id, "kind": r.get_kind_display(), "created_at": iso(r.created_at)}
            for r in Reaction.objects.filter(user=user)
        ],
        "community_reports": [
            {
                "post": r.post_id,
                "reason": r.get_reason_display(),
                "note": r.note,
                "created_at": iso(r.created_at),
            }
            for r in Report.objects.filter(reporter=user)
        ],
        "community_suspensions": [
            {
                "reason": s.reason,
                "starts_at": iso(s.starts_at),
                "ends_at": iso(s.ends_at),
                "lifted_at": iso(s.lifted_at),
            }
            for s in Suspension.objects.filter(user=user)
        ],
    }


def blockers(user) -> list[str]:
    return []


def forget(*, user, now) -> None:
    services.personal_data_remove(user=user)


def search(query: str) -> dict | None:
    """Topics and visible posts whose words match, for the site search page."""
    query = " ".join((query or "").split())[:100]
    if len(query) < 2:
        return None
    topics = list(
        Topic.objects.listed()
        .filter(Q(title__icontains=query) | Q(prompt__icontains=query))
        .select_related("community")
        .order_by("-last_activity_at")[:SEARCH_LIMIT]
    )
    posts = list(
        Post.objects.filter(status=Post.Status.VISIBLE, body__icontains=query)
        .exclude(topic__status=Topic.Status.ARCHIVED)
        .filter(topic__community__is_active=True)
        .select_related("topic__community", "author")
        .order_by("-created_at")[:SEARCH_LIMIT]
    )
    items = [
        {"title": t.title, "url": t.get_absolute_url(), "note": t.community.name, "excerpt": ""}
        for t in topics
    ] + [
        {
            "title": p.topic.title,
            "url": p.get_absolute_url(),
            "note": f"{p.author.display_name} さんの{'返信' if p.parent_id else p.get_kind_display()}",
            "excerpt": p.body[:120],
        }
        for p in posts
    ]
    if not items:
        return None
    return {
        "title": "コミュニティの声",
        "template": "community/includes/search_results.html",
        "items": items,
        "more_url": reverse("community:index"),
    }


register_search_section(order=30, search=search)
register_mypage_section(order=40, template="community/includes/mypage.html", context=mypage_context)


def _news(limit: int) -> list[dict]:
    topics = Topic.objects.listed().order_by("-created_at", "-pk")[:limit]
    return [{"title": t.title, "url": t.get_absolute_url(), "date": t.created_at} for t in topics]


register_news_source(order=30, label="コミュニティのお題", items=_news)
