from django.urls import path

from community import views

app_name = "community"

urlpatterns = [
    path("", views.index, name="index"),
    path("topics/<int:pk>/", views.topic_detail, name="topic-detail"),
    path("topics/<int:pk>/post/", views.post_create, name="post-create"),
    path("posts/<int:pk>/reply/", views.reply_create, name="reply-create"),
    path("posts/<int:pk>/edit/", views.post_edit, name="post-edit"),
    path("posts/<int:pk>/delete/", views.post_delete, name="post-delete"),
    path("posts/<int:pk>/react/", views.post_react, name="post-react"),
    path("posts/<int:pk>/report/", views.post_report, name="post-report"),
    path("<slug:slug>/", views.community_detail, name="community-detail"),
]
