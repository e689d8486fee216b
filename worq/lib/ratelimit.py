"""Rate limits for Wor-Q's own write paths, through allauth's limiter.

The rates are ``ACCOUNT_RATE_LIMITS["worq_..."]`` in settings: per client IP
(``TRUSTED_PROXY_COUNT`` decides which address that is) and per target
address (``key``). Counts live in the cache (Redis, or the database table
when Redis is down), so every process shares them.
"""

from collections.abc import Callable
from functools import wraps

from allauth.core import ratelimit


def target_address(request, field: str | None = None) -> str:
    """The e-mail address an action writes to: the posted one for visitors,
    the account's for signed-in people."""
    if request.user.is_authenticated:
        return request.user.email.lower()
    return (request.POST.get(field) or "").strip().lower() if field else ""


def rate_limited(action: str, *, address_field: str | None = None) -> Callable:
    """POSTs beyond the rate for ``action`` get the Japanese 429 page."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                key = target_address(request, address_field)
                if not ratelimit.consume(request, action=action, key=key):
                    return ratelimit.respond_429(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
