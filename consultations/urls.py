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
    path("ask/email/suggest/", views.request_suggest, name="request-suggest"),
    path("ask/email/thanks/", views.request_done, name="request-done"),
    path("ask/lawyer/", views.lawyer_referral_create, name="lawyer-referral-create"),
    path("links/", views.link_list, name="link-list"),
    path("freelance/", views.freelance_guide, name="freelance-guide"),
    path("freelance/payment-deadline/", views.freelance_deadline, name="freelance-deadline"),
    path("freelance/where-to-go/", views.freelance_where, name="freelance-where"),
    path("freelance/check/", views.terms_check, name="terms-check"),
]

urlpatterns += [
    path("records/", views.record_list, name="record-list"),
    path("records/new/", views.record_create, name="record-create"),
    path("records/<int:pk>/", views.record_detail, name="record-detail"),
    path("records/<int:pk>/edit/", views.record_edit, name="record-edit"),
    path("records/<int:pk>/delete/", views.record_delete, name="record-delete"),
    path("records/<int:pk>/paid/", views.record_paid, name="record-paid"),
    path("records/<int:pk>/terms/", views.record_terms, name="record-terms"),
    path("records/<int:pk>/summary.pdf", views.record_pdf, name="record-pdf"),
    path("records/<int:pk>/evidence/", views.evidence_add, name="record-evidence-add"),
    path("records/<int:pk>/evidence/<int:evidence_pk>/", views.evidence_download, name="record-evidence"),
    path(
        "records/<int:pk>/evidence/<int:evidence_pk>/delete/",
        views.evidence_remove,
        name="record-evidence-remove",
    ),
]
