from django.urls import path

from magazine import views
from magazine.feeds import ArticleFeed

app_name = "magazine"

urlpatterns = [
    path("", views.home, name="home"),
    path("feed/", ArticleFeed(), name="feed"),
    path("search/", views.search, name="search"),
    path("articles/<str:slug>/", views.article_detail, name="article"),
    path("features/<str:slug>/", views.feature_detail, name="feature"),
    path("categories/<str:slug>/", views.category_detail, name="category"),
    path("tags/<str:slug>/", views.tag_detail, name="tag"),
    path("archive/", views.archive_index, name="archive"),
    path("archive/<int:year>/<int:month>/", views.archive_month, name="archive-month"),
    path("letters/", views.letters_info, name="letters"),
    path("letters/subscribe/", views.letters_subscribe, name="letters-subscribe"),
    path("letters/stop/", views.letters_stop, name="letters-stop"),
    path("letters/confirm/<str:token>/", views.letters_confirm, name="letters-confirm"),
    path("letters/unsubscribe/<str:token>/", views.letters_unsubscribe, name="letters-unsubscribe"),
]
