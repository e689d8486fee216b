from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("mypage/", views.mypage, name="mypage"),
    path("join/", views.membership_create, name="membership-create"),
    path("membership/edit/", views.membership_edit, name="membership-edit"),
    path("membership/card.pdf", views.membership_card, name="membership-card"),
    path("profile/", views.profile_edit, name="profile-edit"),
    path("data/export/", views.data_export, name="data-export"),
    path("delete/", views.account_delete, name="account-delete"),
    path("coupons/", views.coupon_list, name="coupon-list"),
    path("coupons/<int:pk>/reveal/", views.coupon_reveal, name="coupon-reveal"),
]
