from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect

from members.access import needs_second_factor

# Paths a staff account without a second factor may still use: allauth's own
# pages (log out, set up the authenticator, re-authenticate, manage its own
# e-mail and password), static files and the health check. None of them holds
# a staff capability.
_OPEN_PREFIXES = ("/accounts/", "/healthz")


class StaffMFAMiddleware:
    """Staff powers need a second factor, wherever their URL is.

    A signed-in staff account (or superuser) with no authenticator is sent to
    set one up before any other page: the admin, but also the private file
    downloads and every other view that trusts ``is_staff`` or a permission.
    The rule itself is ``members.access.needs_second_factor``.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.open_prefixes = (*_OPEN_PREFIXES, settings.STATIC_URL)

    def __call__(self, request):
        if (
            settings.WORQ_STAFF_REQUIRE_MFA
            and not request.path.startswith(self.open_prefixes)
            and needs_second_factor(request.user)
        ):
            messages.warning(
                request,
                "スタッフのアカウントは、二段階認証（認証アプリ）を設定してからご利用ください。",
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
