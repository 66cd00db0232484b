from django.urls import path

from . import views
from .views import admin_teams

app_name = "workspace"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("bulk/", views.bulk, name="bulk"),
    path("tickets/<id:pk>/", views.ticket_page, name="ticket"),
    path("tickets/<id:pk>/messages/", views.add_message, name="ticket-message"),
    path("tickets/<id:pk>/messages/new/", views.messages_fragment, name="ticket-messages"),
    path("tickets/<id:pk>/messages/<id:message_id>/", views.message_fragment, name="ticket-message-fragment"),
    path("tickets/<id:pk>/header/", views.header_fragment, name="ticket-header"),
    path("tickets/<id:pk>/watch/", views.watch, name="ticket-watch"),
    path("tickets/<id:pk>/update/", views.update, name="ticket-update"),
    path("tickets/<id:pk>/assign-me/", views.assign_to_me, name="ticket-assign-me"),
    path("tickets/<id:pk>/tags/", views.set_tags, name="ticket-tags"),
    path("tickets/<id:pk>/link-problem/", views.link_problem, name="ticket-link-problem"),
    path("tickets/<id:pk>/unlink-problem/", views.unlink_problem, name="ticket-unlink-problem"),
    path("tickets/<id:pk>/merge/", views.merge, name="ticket-merge"),
    path("tickets/<id:pk>/triage/", views.correct_triage, name="ticket-triage"),
    path("tickets/<id:pk>/triage/run/", views.run_triage, name="ticket-triage-run"),
    path("tickets/<id:pk>/canned/<id:canned_id>/", views.canned, name="ticket-canned"),
    path("tickets/<id:pk>/assist/", views.assist_card, name="ticket-assist"),
    path("tickets/<id:pk>/customer/", views.customer_fragment, name="ticket-customer"),
    path("tickets/<id:pk>/history/", views.history_fragment, name="ticket-history"),
    path(
        "tickets/<id:pk>/messages/<id:message_id>/to-article/",
        views.message_to_article,
        name="ticket-to-article",
    ),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notification_read, name="notifications-read"),
    path("top-problems/", views.top_problems_page, name="top-problems"),
    path("kb/", views.kb_list, name="kb"),
    path("kb/new/", views.kb_edit, name="kb-new"),
    path("kb/<id:pk>/", views.kb_edit, name="kb-edit"),
    path("contacts/", views.contact_list, name="contacts"),
    path("contacts/<id:pk>/", views.contact_detail, name="contact"),
    path("contacts/<id:pk>/merge/", views.contact_merge_view, name="contact-merge"),
    path("contacts/<id:pk>/unmask/", views.contact_unmask, name="contact-unmask"),
    path("contacts/<id:pk>/export.json", views.contact_export, name="contact-export"),
    path("contacts/<id:pk>/erase/", views.contact_erase_view, name="contact-erase"),
    path("admin/teams/", admin_teams.team_list, name="admin-teams"),
    path("admin/teams/new/", admin_teams.team_edit, name="admin-team-new"),
    path("admin/teams/<id:pk>/", admin_teams.team_edit, name="admin-team"),
    path("contacts/<id:pk>/guardian-links/<id:relation_id>/", views.guardian_link, name="guardian-link"),
]
