from django import template

from kyosai import premiums

register = template.Library()


@register.filter
def yen(value) -> str:
    """1240 → 1,240円 (money is integer yen)."""
    if value is None or value == "":
        return ""
    return premiums.yen(int(value))


@register.inclusion_tag("kyosai/includes/rosai_compare.html")
def rosai_compare(*, compact: bool = False):
    """Which 労災特別加入 fits whom, what the freelance one pays and does not,
    from the table in force (its benefit lines carry their sources)."""
    from django.utils import timezone

    from worq.lib.pagecache import remember

    today = timezone.localdate()
    benefits = remember("kyosai-rosai-compare", (today,), lambda: _rosai_freelance_benefits(today))
    return {
        "compact": compact,
        "paid": [b for b in benefits if not b.is_exclusion],
        "not_paid": [b for b in benefits if b.is_exclusion],
    }


@register.filter
def kyugyo_daily(daily) -> int:
    """休業(補償)給付 per day from day 4: 60% plus the 20% 特別支給金 (FACTS.md §2)."""
    return premiums.kyugyo_daily(int(daily))


@register.filter
def exclusions(benefits) -> list:
    return [b for b in benefits if b.is_exclusion]


def _rosai_freelance_benefits(on) -> list:
    from kyosai.models import RateTable

    table = (
        RateTable.objects.in_force(on)
        .filter(product="rosai_freelance")
        .prefetch_related("benefits")
        .order_by("-valid_from")
        .first()
    )
    return list(table.benefits.all()) if table else []
