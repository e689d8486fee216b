from django import template
from django.utils.safestring import mark_safe

from worq.lib.markup import markdown_to_html

register = template.Library()


@register.filter
def markdown(text: str) -> str:
    """Staff-written Markdown, cleaned by nh3 before it is marked safe."""
    return mark_safe(markdown_to_html(text))
