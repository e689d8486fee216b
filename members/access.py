"""The one place that decides what a person may use.

Three tiers: a visitor reads public content; a registered user (verified
e-mail and a nickname) may post and ask; a 連合ネットワーク会員 unlocks
everything. Views use ``tier_required``; templates use the ``tiers`` tags.
"""

from enum import IntEnum
from functools import wraps

from allauth.account.models import EmailAddress
from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

from members.models import NetworkMembership


class Tier(IntEnum):
    VISITOR = 0
    REGISTERED = 1
    MEMBER = 2

    @property
    def label(self) -> str:
        return {0: "ゲスト", 1: "登録ユーザー", 2: "連合ネットワーク会員"}[self.value]


TIER_NAMES = {"visitor": Tier.VISITOR, "registered": Tier.REGISTERED, "member": Tier.MEMBER}


def tier_of(user) -> Tier:
    if user is None or not user.is_authenticated or not user.is_active:
        return Tier.VISITOR
    cached = getattr(user, "_worq_tier", None)
    if cached is not None:
        return cached

    tier = Tier.VISITOR
    if user.nickname and EmailAddress.objects.filter(user=user, verified=True).exists():
        tier = Tier.REGISTERED
        if NetworkMembership.objects.active().filter(user=user).exists():
            tier = Tier.MEMBER
    user._worq_tier = tier
    return tier


def has_tier(user, tier: Tier | str) -> bool:
    if isinstance(tier, str):
        tier = TIER_NAMES[tier]
    return tier_of(user) >= tier


def needs_second_factor(user) -> bool:
    """True for a signed-in account that holds staff powers (staff or
    superuser) but has no authenticator yet. Such an account may use nothing
    but its own account pages until it sets one up: allauth asks for the
    second factor at every later login, so a staff session is then always a
    two-factor session."""
    if not (user.is_authenticated and (user.is_staff or user.is_superuser)):
        return False

    return not is_mfa_enabled(user)


def forget_tier(user) -> None:
    """Call after a change that moves the user between tiers in this request."""
    if hasattr(user, "_worq_tier"):
        del user._worq_tier


def tier_required(tier: Tier, *, feature: str = ""):
    """Anonymous people are sent to log in; signed-in people below ``tier``
    see what the feature is and how to unlock it free (never a bare 403)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            current = tier_of(request.user)
            if current >= tier:
                return view(request, *args, **kwargs)
            return render(
                request,
                "members/gate.html",
                {"required": tier, "current": current, "feature": feature, "next": request.get_full_path()},
                status=403,
            )

        return wrapped

    return decorator


registered_required = tier_required(Tier.REGISTERED)
member_required = tier_required(Tier.MEMBER)
