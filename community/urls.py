from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "community"
urlpatterns = [
    path("conditions/<slug:slug>/community/", views.community_detail, name="detail"),
    path("conditions/<slug:slug>/join/", views.join, name="join"),
    path("conditions/<slug:slug>/leave/", views.leave, name="leave"),
    path("conditions/<slug:slug>/follow/", views.follow, name="follow"),
    path("conditions/<slug:slug>/stories/new/", views.story_new, name="story-new"),
    path("conditions/<slug:slug>/stories/<int:pk>/edit/", views.story_edit, name="story-edit"),
    path("conditions/<slug:slug>/stories/<int:pk>/withdraw/", views.story_withdraw, name="story-withdraw"),
    path("conditions/<slug:slug>/stories/<int:pk>/report/", views.story_report, name="story-report"),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/signup/sent/", views.signup_sent, name="signup-sent"),
    path("accounts/confirm/<uidb64>/<token>/", views.signup_confirm, name="signup-confirm"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/me/", views.me, name="me"),
    path("accounts/me/export/", views.me_export, name="me-export"),
    path("accounts/me/consent/", views.me_consent, name="me-consent"),
    path("accounts/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("privacy/", views.privacy, name="privacy"),
    path("accounts/me/delete/", views.me_delete, name="me-delete"),
    path("accounts/password-reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password-reset-done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password-reset-complete"),
]
