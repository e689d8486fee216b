from django import template
from django.utils.html import format_html

from worq.lib.forms import FIELD, form_token_new

register = template.Library()


@register.simple_tag
def form_once() -> str:
    """The hidden one-time token for a form whose view is ``@submitted_once``."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, form_token_new())
