from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("2fa/", views.mfa_verify, name="mfa-verify"),
    path("2fa/setup/", views.mfa_enrol, name="mfa-enrol"),
    path("2fa/passkey/options/", views.mfa_passkey_options, name="mfa-passkey-options"),
    path("2fa/passkey/", views.mfa_passkey, name="mfa-passkey"),
    path("security/", views.security, name="security"),
    path("security/passkeys/options/", views.passkey_register_options, name="passkey-register-options"),
    path("security/passkeys/", views.passkey_register, name="passkey-register"),
    path("security/passkeys/<id:pk>/delete/", views.passkey_delete, name="passkey-delete"),
    path("password/", views.password_change, name="password_change"),
    path("logo/", views.organization_logo, name="organization-logo"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="accounts/password_reset.html",
            email_template_name="accounts/password_reset_email.txt",
            subject_template_name="accounts/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(template_name="accounts/password_reset_confirm.html"),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
]
