from django.urls import path

from . import views

app_name = "workspace"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("bulk/", views.bulk, name="bulk"),
    path("tickets/<int:pk>/", views.ticket_page, name="ticket"),
    path("tickets/<int:pk>/messages/", views.add_message, name="ticket-message"),
    path("tickets/<int:pk>/messages/new/", views.messages_fragment, name="ticket-messages"),
    path(
        "tickets/<int:pk>/messages/<int:message_id>/", views.message_fragment, name="ticket-message-fragment"
    ),
    path("tickets/<int:pk>/header/", views.header_fragment, name="ticket-header"),
    path("tickets/<int:pk>/watch/", views.watch, name="ticket-watch"),
    path("tickets/<int:pk>/update/", views.update, name="ticket-update"),
    path("tickets/<int:pk>/assign-me/", views.assign_to_me, name="ticket-assign-me"),
    path("tickets/<int:pk>/tags/", views.set_tags, name="ticket-tags"),
    path("tickets/<int:pk>/link-problem/", views.link_problem, name="ticket-link-problem"),
    path("tickets/<int:pk>/unlink-problem/", views.unlink_problem, name="ticket-unlink-problem"),
    path("tickets/<int:pk>/merge/", views.merge, name="ticket-merge"),
    path("tickets/<int:pk>/triage/", views.correct_triage, name="ticket-triage"),
    path("tickets/<int:pk>/triage/run/", views.run_triage, name="ticket-triage-run"),
    path("tickets/<int:pk>/canned/<int:canned_id>/", views.canned, name="ticket-canned"),
    path("tickets/<int:pk>/assist/", views.assist_card, name="ticket-assist"),
    path(
        "tickets/<int:pk>/messages/<int:message_id>/to-article/",
        views.message_to_article,
        name="ticket-to-article",
    ),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notification_read, name="notifications-read"),
    path("top-problems/", views.top_problems_page, name="top-problems"),
    path("kb/", views.kb_list, name="kb"),
    path("kb/new/", views.kb_edit, name="kb-new"),
    path("kb/<int:pk>/", views.kb_edit, name="kb-edit"),
    path("contacts/", views.contact_list, name="contacts"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact"),
    path("contacts/<int:pk>/merge/", views.contact_merge_view, name="contact-merge"),
]
