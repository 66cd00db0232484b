"""Agent workspace pages: transport only; reads go through selectors, writes through services."""

from .assist import assist_card, message_to_article
from .contacts import contact_detail, contact_list, contact_merge_view, contact_unmask
from .knowledge import kb_edit, kb_list
from .notifications import notification_list, notification_read
from .privacy import contact_erase_view, contact_export, contact_export_pdf, guardian_link
from .problems import new_problems_page, top_problems_page
from .queue import bulk, queue
from .saved_views import saved_view_delete, saved_view_open, saved_view_save, saved_views_bar
from .ticket import (
    add_message,
    assign_to_me,
    canned,
    customer_fragment,
    header_fragment,
    history_fragment,
    link_problem,
    merge,
    message_fragment,
    messages_fragment,
    set_tags,
    ticket_page,
    unlink_problem,
    update,
    watch,
)
from .triage import correct_triage, run_triage

__all__ = [
    "add_message",
    "assign_to_me",
    "assist_card",
    "bulk",
    "canned",
    "contact_detail",
    "contact_erase_view",
    "contact_export",
    "contact_export_pdf",
    "contact_list",
    "contact_merge_view",
    "contact_unmask",
    "correct_triage",
    "customer_fragment",
    "guardian_link",
    "header_fragment",
    "history_fragment",
    "kb_edit",
    "kb_list",
    "link_problem",
    "merge",
    "message_fragment",
    "message_to_article",
    "messages_fragment",
    "new_problems_page",
    "notification_list",
    "notification_read",
    "queue",
    "run_triage",
    "saved_view_delete",
    "saved_view_open",
    "saved_view_save",
    "saved_views_bar",
    "set_tags",
    "ticket_page",
    "top_problems_page",
    "unlink_problem",
    "update",
    "watch",
]
