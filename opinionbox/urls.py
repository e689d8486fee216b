from django.urls import path

from opinionbox import views

app_name = "opinionbox"

urlpatterns = [
    path("", views.index, name="index"),
    path("themes/<int:pk>/", views.theme_detail, name="theme-detail"),
    path("themes/<int:pk>/send/", views.opinion_create, name="opinion-create"),
    path("themes/<int:pk>/results/", views.theme_results, name="theme-results"),
    path("mine/", views.my_opinions, name="my-opinions"),
    path("opinions/<int:pk>/", views.opinion_detail, name="opinion-detail"),
    path("opinions/<int:pk>/withdraw/", views.opinion_withdraw, name="opinion-withdraw"),
    path("opinions/<int:pk>/support/", views.support, name="support"),
]
