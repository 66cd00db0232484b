# Issue 11 item 4, one thread model per ticket (step 2 of 3): every live session is linked to its ticket's channel
# thread, which from now on holds the session's ticket and contact.
#
# - The thread is the ticket's conversation, whatever its inbox: the web-chat one migration connectors 0011 made,
#   or the one the ticket already had (the visitor answered the emailed transcript).
# - A chat whose ticket has no thread (none is expected: 0011 and chat_start make one) gets one of the web-chat
#   inbox, as 0011 would have made it.
# - A chat whose contact is not its thread's keeps its contact on the ticket's audit trail (action "web_chat",
#   field "contact_id", old value = the chat's contact id, new value = the chat id); the reverse step restores it.

from django.db import migrations
from django.db.models import Max

KIND = "web_chat"
INBOX_NAME = "المحادثة المباشرة على الموقع"
AUDIT_ACTION = "web_chat"
AUDIT_FIELD = "contact_id"
BATCH = 1000


def _web_chat_inbox(apps):
    Inbox = apps.get_model("connectors", "Inbox")
    return Inbox.objects.filter(kind=KIND).order_by("pk").first() or Inbox.objects.create(
        name=INBOX_NAME, kind=KIND
    )


def _open_missing_threads(apps, Chat):
    Thread = apps.get_model("connectors", "Conversation")
    Line = apps.get_model("chat", "Line")
    orphans = list(Chat.objects.exclude(ticket_id__in=Thread.objects.values("ticket_id")).order_by("pk"))
    if not orphans:
        return
    inbox = _web_chat_inbox(apps)
    last_visitor_line = dict(
        Line.objects.filter(sender="visitor", conversation_id__in=[c.pk for c in orphans])
        .values("conversation_id")
        .annotate(last=Max("created_at"))
        .values_list("conversation_id", "last")
    )
    Thread.objects.bulk_create(
        [
            Thread(
                ticket_id=chat.ticket_id,
                inbox_id=inbox.pk,
                address=(chat.visitor_email or chat.visitor_phone)[:100],
                contact_id=chat.contact_id,
                external_id=str(chat.pk),
                last_inbound_at=last_visitor_line.get(chat.pk) or chat.created_at,
                created_at=chat.created_at,
            )
            for chat in orphans
        ],
        batch_size=BATCH,
    )


def sessions_onto_threads(apps, schema_editor):
    Chat = apps.get_model("chat", "Conversation")
    Thread = apps.get_model("connectors", "Conversation")
    AuditEntry = apps.get_model("tickets", "AuditEntry")

    _open_missing_threads(apps, Chat)
    pks = list(Chat.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), BATCH):
        _link(list(Chat.objects.filter(pk__in=pks[start : start + BATCH])), Chat, Thread, AuditEntry)


def _link(chats, Chat, Thread, AuditEntry):
    threads = {
        ticket_id: (pk, contact_id)
        for ticket_id, pk, contact_id in Thread.objects.filter(
            ticket_id__in=[c.ticket_id for c in chats]
        ).values_list("ticket_id", "pk", "contact_id")
    }
    for chat in chats:
        chat.thread_id, thread_contact = threads[chat.ticket_id]
        if thread_contact != chat.contact_id:
            entry = AuditEntry.objects.create(
                ticket_id=chat.ticket_id,
                action=AUDIT_ACTION,
                field=AUDIT_FIELD,
                old_value=str(chat.contact_id),
                new_value=str(chat.pk),
            )
            AuditEntry.objects.filter(pk=entry.pk).update(created_at=chat.created_at)
    Chat.objects.bulk_update(chats, ["thread"], batch_size=BATCH)


def threads_back_onto_sessions(apps, schema_editor):
    Chat = apps.get_model("chat", "Conversation")
    AuditEntry = apps.get_model("tickets", "AuditEntry")
    kept = AuditEntry.objects.filter(action=AUDIT_ACTION, field=AUDIT_FIELD)
    own_contact = {int(chat): int(contact) for contact, chat in kept.values_list("old_value", "new_value")}
    pks = list(Chat.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), BATCH):
        chats = list(Chat.objects.select_related("thread").filter(pk__in=pks[start : start + BATCH]))
        for chat in chats:
            chat.ticket_id = chat.thread.ticket_id
            chat.contact_id = own_contact.get(chat.pk, chat.thread.contact_id)
        Chat.objects.bulk_update(chats, ["ticket", "contact"])
    kept.delete()


class Migration(migrations.Migration):
    dependencies = [("chat", "0002_conversation_thread")]

    operations = [migrations.RunPython(sessions_onto_threads, threads_back_onto_sessions)]
