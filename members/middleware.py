from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect


class StaffMFAMiddleware:
    """Staff must set up two-factor authentication before using the admin."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.WORQ_STAFF_REQUIRE_MFA
            and request.path.startswith("/admin/")
            and request.user.is_authenticated
            and request.user.is_staff
        ):
            from allauth.mfa.utils import is_mfa_enabled

            if not is_mfa_enabled(request.user):
                messages.warning(
                    request,
                    "管理画面を使う前に、二段階認証（認証アプリ）を設定してください。",
                )
                return redirect("mfa_activate_totp")
        return self.get_response(request)
