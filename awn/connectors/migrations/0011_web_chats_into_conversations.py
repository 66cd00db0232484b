# Issue 11 item 4, web chat as a connector: the web-chat inbox is created (when there are chats; otherwise on
# first use, by connectors.services.web_chat_inbox), and every live chat's thread becomes a
# conversation of it (external id = the chat's id, address = the email or phone the visitor gave, started when the
# chat started, last inbound = the visitor's last line). The chat's live state (status, agent, lines) stays in
# chat.Conversation.
#
# A ticket holds at most one conversation. A chat's ticket that already has one (the visitor answered the emailed
# transcript, which threaded the email into it) keeps that thread, where replies go; the chat is then kept on the
# ticket's audit trail (action "web_chat", new value "<inbox id>:<chat id>"). The reverse step removes both.

from django.db import migrations
from django.db.models import Max

KIND = "web_chat"
INBOX_NAME = "المحادثة المباشرة على الموقع"
CHAT_AUDIT_ACTION = "web_chat"


def chats_into_conversations(apps, schema_editor):
    Inbox = apps.get_model("connectors", "Inbox")
    Conversation = apps.get_model("connectors", "Conversation")
    Chat = apps.get_model("chat", "Conversation")
    Line = apps.get_model("chat", "Line")
    AuditEntry = apps.get_model("tickets", "AuditEntry")

    if not Chat.objects.exists():
        return
    inbox = Inbox.objects.filter(kind=KIND).order_by("pk").first() or Inbox.objects.create(
        name=INBOX_NAME, kind=KIND
    )
    taken = set(Conversation.objects.values_list("ticket_id", flat=True))
    last_visitor_line = dict(
        Line.objects.filter(sender="visitor")
        .values("conversation_id")
        .annotate(last=Max("created_at"))
        .values_list("conversation_id", "last")
    )
    new, audit = [], []
    for chat in Chat.objects.order_by("pk").iterator(chunk_size=2000):
        if chat.ticket_id in taken:
            entry = AuditEntry(
                ticket_id=chat.ticket_id, action=CHAT_AUDIT_ACTION, field="chat_id", new_value=f"{inbox.pk}:{chat.pk}"
            )
            audit.append((entry, chat.created_at))
            continue
        new.append(
            Conversation(
                ticket_id=chat.ticket_id,
                inbox_id=inbox.pk,
                address=(chat.visitor_email or chat.visitor_phone)[:100],
                contact_id=chat.contact_id,
                external_id=str(chat.pk),
                last_inbound_at=last_visitor_line.get(chat.pk) or chat.created_at,
                created_at=chat.created_at,
            )
        )
    Conversation.objects.bulk_create(new, batch_size=1000)
    for entry, started in audit:
        entry.save()
        AuditEntry.objects.filter(pk=entry.pk).update(created_at=started)  # the chat's start, not the migration's


def conversations_out(apps, schema_editor):
    Inbox = apps.get_model("connectors", "Inbox")
    Conversation = apps.get_model("connectors", "Conversation")
    AuditEntry = apps.get_model("tickets", "AuditEntry")
    inboxes = Inbox.objects.filter(kind=KIND)
    Conversation.objects.filter(inbox__in=inboxes).delete()
    AuditEntry.objects.filter(action=CHAT_AUDIT_ACTION, field="chat_id").delete()
    inboxes.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("connectors", "0010_drop_phone_call"),
        ("chat", "0001_initial"),
        ("tickets", "0007_channel_registered_not_enumerated"),
    ]

    operations = [migrations.RunPython(chats_into_conversations, conversations_out)]
