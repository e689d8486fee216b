from django.conf import settings
from django.urls import reverse

from members.access import tier_of
from worq.demo_mode import demo_loaded
from worq.navigation import entry_points


def site(request):
    return {
        "site_name": "Wor-Q",
        "debug": settings.DEBUG,
        "user_tier": tier_of(request.user),
        "nav_entries": entry_points(request.path),
        "search_url": reverse("consultations:case-list"),
        "demo_mode": demo_loaded(),
    }
