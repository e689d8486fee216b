from django import template

from kyosai import premiums

register = template.Library()


@register.filter
def yen(value) -> str:
    """1240 → 1,240円 (money is integer yen)."""
    if value is None or value == "":
        return ""
    return premiums.yen(int(value))
