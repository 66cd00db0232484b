"""Administration pages of the workspace (/workspace/admin/): administrators only."""

from django.urls import path

from . import admin_views

app_name = "accounts_admin"
urlpatterns = [
    path("", admin_views.admin_home, name="home"),
    path("users/", admin_views.users_page, name="users"),
    path("users/invite/", admin_views.invite_page, name="invite"),
    path("users/<id:pk>/", admin_views.user_page, name="user"),
    path("users/<id:pk>/deactivate/", admin_views.user_deactivate_view, name="user-deactivate"),
    path("users/<id:pk>/reactivate/", admin_views.user_reactivate_view, name="user-reactivate"),
    path("users/<id:pk>/two-factor-reset/", admin_views.user_two_factor_reset, name="user-2fa-reset"),
    path("invitations/<id:pk>/revoke/", admin_views.invitation_revoke_view, name="invitation-revoke"),
    path("tokens/", admin_views.tokens_page, name="tokens"),
    path("tokens/new/", admin_views.token_new, name="token-new"),
    path("tokens/<id:pk>/revoke/", admin_views.token_revoke, name="token-revoke"),
    path("settings/", admin_views.settings_page, name="settings"),
    path("audit/", admin_views.audit_page, name="audit"),
]
