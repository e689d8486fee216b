from django.urls import path

from kyosai import views

app_name = "kyosai"

urlpatterns = [
    path("", views.index, name="index"),
    path("simulator/", views.simulator, name="simulator"),
    path("quote-request/", views.quote_request, name="quote-request"),
    path("apply/", views.apply, name="apply"),
    path("apply/club/", views.apply_club, name="apply-club"),
    path("apply/options/", views.apply_options, name="apply-options"),
    path("apply/details/", views.apply_details, name="apply-details"),
    path("apply/documents/", views.apply_documents, name="apply-documents"),
    path("apply/review/", views.apply_review, name="apply-review"),
    path("applications/<int:pk>/", views.application_detail, name="application-detail"),
    path("enrolments/<int:pk>/cancel/", views.enrolment_cancel, name="enrolment-cancel"),
    path("policies/<int:pk>/certificate/", views.certificate_download, name="certificate"),
    path("documents/<int:pk>/", views.document_download, name="document"),
    path("verify/<str:token>/", views.verify, name="verify"),
]

# 共済金・保険金の請求
urlpatterns += [
    path("claims/", views.claim_list, name="claim-list"),
    path("claims/new/", views.claim_new, name="claim-new"),
    path("claims/family/", views.claim_family, name="claim-family"),
    path("claims/rosai/", views.rosai_claim_guide, name="claim-rosai"),
    path("claims/<int:pk>/", views.claim_detail, name="claim-detail"),
    path("claims/<int:pk>/kind/", views.claim_kind, name="claim-kind"),
    path("claims/<int:pk>/details/", views.claim_details, name="claim-details"),
    path("claims/<int:pk>/documents/", views.claim_documents, name="claim-documents"),
    path("claims/<int:pk>/confirm/", views.claim_confirm, name="claim-confirm"),
    path("claims/<int:pk>/add-documents/", views.claim_add_documents, name="claim-add-documents"),
    path("claims/documents/<int:pk>/", views.claim_document_download, name="claim-document"),
    path("claims/documents/<int:pk>/remove/", views.claim_document_remove, name="claim-document-remove"),
]
