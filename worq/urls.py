from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from worq import views

admin.site.site_header = "Wor-Q 管理画面"
admin.site.site_title = "Wor-Q 管理"
admin.site.index_title = "運営メニュー"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("support/", views.support, name="support"),
    path("contact/", views.contact, name="contact"),
    path("pages/<slug:slug>/", views.page, name="page"),
    # Staff sign in through allauth (with their second factor), never the
    # admin's own password-only form.
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
    ),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("members/", include("members.urls")),
    path("consultations/", include("consultations.urls")),
    path("kyosai/", include("kyosai.urls")),
    path("community/", include("community.urls")),
    path("magazine/", include("magazine.urls")),
    path("opinionbox/", include("opinionbox.urls")),
]

# 403, 404 and 500 are Django's own handlers with the Japanese
# templates/<code>.html (500 renders without the request or the database).
# 400 and 429 render without them too: an unknown Host fails before the user exists.
handler400 = "worq.views.error_400"
handler429 = "worq.views.error_429"  # allauth's and Wor-Q's rate limits

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
