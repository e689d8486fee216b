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
