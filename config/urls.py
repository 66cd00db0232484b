from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import include, path, register_converter
from django.views import defaults
from django.views.generic import RedirectView
from django.views.i18n import set_language

from awn.accounts import views as account_views
from awn.chat import views as chat_views
from awn.core.ids import IdConverter
from awn.tickets import views as tickets_views

from .api import api, bad_request_for_machines, is_machine_path, not_found_for_machines

# `<id:pk>` in every urls.py: an impossible id is a 404, never a database error.
register_converter(IdConverter, "id")

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("awn.accounts.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/digits/", account_views.set_digits, name="set_digits"),
    path("api/v1/", api.urls),
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False), name="api-docs"),
    path("portal/kb/", include("awn.knowledge.urls")),
    path("portal/account/", include("awn.portal.sign_in_urls")),  # customers: one-time codes, sign-up, SSO
    path("portal/", include("awn.portal.urls")),
    path("workspace/admin/", include("awn.accounts.admin_urls")),
    path("workspace/inboxes/", include("awn.connectors.urls_admin")),
    path("workspace/chats/", chat_views.agent_panel, name="chat-agents"),
    path("workspace/calendars/", include("awn.sla.urls")),
    path("workspace/sla/", include("awn.sla.urls_policies")),
    path("workspace/analytics/", include("awn.analytics.urls")),
    path("workspace/routing/", include("awn.routing.urls")),
    path("workspace/privacy/", include("awn.privacy.urls")),
    path("workspace/automation/", include("awn.automation.urls")),
    path("workspace/wallboard/", include("awn.analytics.wallboard_urls")),
    path("workspace/surveys/", include("awn.surveys.staff_urls")),
    path("workspace/quality/", include("awn.quality.urls")),
    path("workspace/my-reviews/", include("awn.quality.mine_urls")),
    path("workspace/incidents/", include("awn.incidents.urls")),
    path("workspace/outreach/", include("awn.outreach.urls")),
    path("workspace/", include("awn.workspace.urls")),
    path("chat/", include("awn.chat.urls")),
    path("survey/", include("awn.surveys.urls")),
    path("hooks/", include("awn.connectors.urls")),
    path("", include("awn.ops.urls")),  # /health, /ready, /metrics and the operations page
    path("attachments/<id:pk>/", tickets_views.attachment_download, name="attachment-download"),
]


def handler404(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_machine_path(request.path):
        return not_found_for_machines(request)
    return defaults.page_not_found(request, exception)


def handler400(request: HttpRequest, exception: Any = None) -> HttpResponse:
    if is_machine_path(request.path):
        return bad_request_for_machines(request, exception)
    return defaults.bad_request(request, exception)
