from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "community"
urlpatterns = [
    path("conditions/<slug:slug>/community/", views.community_detail, name="detail"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/me/", views.me, name="me"),
]
