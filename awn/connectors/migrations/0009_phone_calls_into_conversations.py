# Issue 11 item 4, step 2 of 3: every PhoneCall row becomes a Conversation of its voice inbox, its call id the
# conversation's external id; the conversations that existed get their ticket's creation time as their start.
#
# A ticket holds at most one conversation. A call's ticket that already has one (a customer answered the phone
# ticket's notification by email, which threaded the email into it) keeps that thread, where replies go; the call
# is then kept on the ticket's audit trail (action "phone_call", new value "<inbox id>:<call id>") so nothing is
# lost. The reverse step rebuilds the PhoneCall rows from both places.

from django.db import migrations
from django.db.models import OuterRef, Subquery

CALL_AUDIT_ACTION = "phone_call"


def calls_into_conversations(apps, schema_editor):
    Conversation = apps.get_model("connectors", "Conversation")
    PhoneCall = apps.get_model("connectors", "PhoneCall")
    Ticket = apps.get_model("tickets", "Ticket")
    AuditEntry = apps.get_model("tickets", "AuditEntry")

    Conversation.objects.update(
        created_at=Subquery(Ticket.objects.filter(pk=OuterRef("ticket_id")).values("created_at")[:1])
    )
    taken = set(Conversation.objects.values_list("ticket_id", flat=True))
    calls = PhoneCall.objects.select_related("ticket__requester").order_by("pk")
    new, audit = [], []
    for call in calls.iterator(chunk_size=2000):
        if call.ticket_id in taken:
            audit.append(
                AuditEntry(
                    ticket_id=call.ticket_id,
                    action=CALL_AUDIT_ACTION,
                    field="call_id",
                    new_value=f"{call.inbox_id}:{call.call_id}",
                )
            )
            audit[-1]._call_created_at = call.created_at
            continue
        requester = call.ticket.requester
        new.append(
            Conversation(
                ticket_id=call.ticket_id,
                inbox_id=call.inbox_id,
                # The caller's number: the call events' contact is the ticket's requester.
                address=(requester.phone or call.call_id)[:100],
                contact_id=requester.pk,
                external_id=call.call_id,
                last_inbound_at=call.created_at,
                created_at=call.created_at,
            )
        )
    Conversation.objects.bulk_create(new, batch_size=1000)
    for entry in audit:
        entry.save()
        # auto_now_add stamped the migration's time: the call's own start is what the trail should show.
        AuditEntry.objects.filter(pk=entry.pk).update(created_at=entry._call_created_at)


def conversations_into_calls(apps, schema_editor):
    Conversation = apps.get_model("connectors", "Conversation")
    PhoneCall = apps.get_model("connectors", "PhoneCall")
    AuditEntry = apps.get_model("tickets", "AuditEntry")

    calls = [
        PhoneCall(inbox_id=c.inbox_id, call_id=c.external_id, ticket_id=c.ticket_id, created_at=c.created_at)
        for c in Conversation.objects.exclude(external_id="").order_by("pk")
    ]
    for entry in AuditEntry.objects.filter(action=CALL_AUDIT_ACTION, field="call_id").order_by("pk"):
        inbox_id, _sep, call_id = entry.new_value.partition(":")
        calls.append(
            PhoneCall(inbox_id=int(inbox_id), call_id=call_id, ticket_id=entry.ticket_id, created_at=entry.created_at)
        )
    for call in calls:
        started = call.created_at
        call.save()  # auto_now_add stamps now: the call's own start is put back below
        PhoneCall.objects.filter(pk=call.pk).update(created_at=started)
    AuditEntry.objects.filter(action=CALL_AUDIT_ACTION, field="call_id").delete()
    Conversation.objects.exclude(external_id="").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("connectors", "0008_conversation_external_id"),
        ("tickets", "0007_channel_registered_not_enumerated"),
    ]

    operations = [migrations.RunPython(calls_into_conversations, conversations_into_calls)]
