from django.urls import path

from consultations import views

app_name = "consultations"

urlpatterns = [
    path("", views.case_list, name="case-list"),
    path("cases/<str:external_id>/", views.case_detail, name="case-detail"),
    path("glossary/", views.glossary_list, name="glossary-list"),
    path("glossary/<int:pk>/", views.glossary_detail, name="glossary-detail"),
    path("answers/", views.answer_list, name="answer-list"),
    path("ask/", views.ask, name="ask"),
    path("ask/email/", views.request_create, name="request-create"),
    path("ask/email/thanks/", views.request_done, name="request-done"),
    path("ask/lawyer/", views.lawyer_referral_create, name="lawyer-referral-create"),
    path("links/", views.link_list, name="link-list"),
    path("freelance/", views.freelance_guide, name="freelance-guide"),
    path("freelance/payment-deadline/", views.freelance_deadline, name="freelance-deadline"),
    path("freelance/where-to-go/", views.freelance_where, name="freelance-where"),
    path("freelance/check/", views.terms_check, name="terms-check"),
]
