from django import template

from members.access import TIER_NAMES
from members.access import has_tier as _has_tier

register = template.Library()


@register.filter
def has_tier(user, name: str) -> bool:
    """``{% if user|has_tier:"member" %}`` — names: visitor, registered, member."""
    return _has_tier(user, name)


@register.inclusion_tag("members/includes/unlock.html", takes_context=True)
def unlock_notice(context, name: str, feature: str = ""):
    """A friendly box saying what unlocks ``feature`` and the free next step."""
    request = context.get("request")
    return {
        "required": TIER_NAMES[name],
        "feature": feature,
        "user": context.get("user"),
        "next": request.get_full_path() if request else "",
    }
