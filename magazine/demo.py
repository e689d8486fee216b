"""Demo magazine: the article files in magazine/demo/, and one sent Letters issue.

Idempotent: articles are keyed by slug, features by slug, the campaign by
subject; running it twice changes nothing.
"""

import datetime as dt
import json
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify

from magazine import frontmatter
from magazine.models import (
    Article,
    Campaign,
    Category,
    Delivery,
    Feature,
    Subscription,
    Tag,
)
from members.models import User

DEMO_DIR = Path(__file__).resolve().parent / "demo"
SUBSCRIBERS = ["sakura@example.jp", "kenta@example.jp", "mika@example.jp"]
STAFF_EMAIL = "staff@worq.example.jp"


def _slug(name: str) -> str:
    return slugify(name, allow_unicode=True) or name


def _upsert(model, *, lookup: dict, values: dict):
    """Create, or update only the fields that differ, so a second run writes nothing."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **values)
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    if changed:
        for key in changed:
            setattr(obj, key, values[key])
        obj.save()
    return obj


def _features() -> dict[str, Feature]:
    features = {}
    for item in json.loads((DEMO_DIR / "features.json").read_text(encoding="utf-8")):
        year, month = (int(x) for x in item["month"].split("-")[:2])
        feature, _ = Feature.objects.update_or_create(
            slug=item["slug"],
            defaults={
                "title": item["title"],
                "month": dt.date(year, month, 1),
                "lead": item.get("theme_lead") or item.get("lead", ""),
            },
        )
        features[feature.slug] = feature
    return features


def _article(path: Path, features: dict[str, Feature], order: dict[str, int]) -> Article:
    meta, body = frontmatter.parse(path.read_text(encoding="utf-8"))
    category, _ = Category.objects.get_or_create(
        name=meta["category"],
        defaults={"slug": _slug(meta["category"]), "order": order.setdefault(meta["category"], len(order))},
    )
    published_at = parse_datetime(meta["published_at"])
    if published_at is None:
        raise frontmatter.FrontMatterError(f"{path.name}: published_at の日時が読めません。")
    article = _upsert(
        Article,
        lookup={"slug": meta["slug"]},
        values={
            "title": meta["title"],
            "lead": meta["lead"],
            "body": body,
            "category": category,
            "feature": features.get(meta.get("feature", "")),
            "author_byline": meta.get("author") or "Wor-Q編集部",
            "published_at": published_at,
            "related_terms": meta.get("related_terms", []),
            "related_case_ids": meta.get("related_cases", []),
        },
    )
    article.full_clean()
    tags = [
        Tag.objects.get_or_create(name=name, defaults={"slug": _slug(name)})[0]
        for name in meta.get("tags", [])
    ]
    article.tags.set(tags)
    return article


def _newsletter(now: dt.datetime) -> Campaign | None:
    path = DEMO_DIR / "newsletter.md"
    if not path.exists():
        return None
    meta, body = frontmatter.parse(path.read_text(encoding="utf-8"))
    sent_at = parse_datetime(meta.get("sent_at", "")) or now
    staff = User.objects.filter(email=STAFF_EMAIL).first()
    campaign, created = Campaign.objects.get_or_create(
        subject=meta["subject"],
        defaults={
            "body": body,
            "audience": Campaign.Audience.MEMBERS,
            "status": Campaign.Status.SENT,
            "created_by": staff,
            "test_sent_at": sent_at,
            "started_at": sent_at,
            "recipients_built_at": sent_at,
            "finished_at": sent_at,
        },
    )
    if not created:
        return campaign
    for email in SUBSCRIBERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            continue
        subscription, _ = Subscription.objects.get_or_create(
            user=user,
            defaults={
                "status": Subscription.Status.CONFIRMED,
                "requested_at": sent_at,
                "confirmed_at": sent_at,
                "source": "demo",
            },
        )
        User.objects.filter(pk=user.pk).update(newsletter_opt_in=True)
        # The demo records the issue as already delivered; nothing is mailed.
        Delivery.objects.get_or_create(
            campaign=campaign,
            subscription=subscription,
            defaults={"email": user.email, "status": Delivery.Status.SENT, "sent_at": sent_at, "attempts": 1},
        )
    return campaign


def load(*, stdout) -> str:

    with transaction.atomic():
        features = _features()
        order: dict[str, int] = {}
        articles = [_article(p, features, order) for p in sorted((DEMO_DIR / "articles").glob("*.md"))]
        campaign = _newsletter(timezone.now())
    summary = f"マガジン: 特集 {len(features)} 件、記事 {len(articles)} 本"
    if campaign:
        summary += f"、Wor-Q Letters 送信済み 1 通（{campaign.deliveries.count()} 人）"
    return summary
