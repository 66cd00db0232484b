# Issue 11 item 4, one thread model per ticket (step 1 of 3): the live session gains a link to its ticket's channel
# thread (connectors.Conversation); its own ticket and contact become optional until the data step has filled the
# link, and the last step drops them.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0001_initial"),
        ("connectors", "0011_web_chats_into_conversations"),
        ("crm", "0001_initial"),
        ("tickets", "0007_channel_registered_not_enumerated"),
    ]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="thread",
            field=models.OneToOneField(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="live_chat",
                to="connectors.conversation",
            ),
        ),
        migrations.AlterField(
            model_name="conversation",
            name="ticket",
            field=models.OneToOneField(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="tickets.ticket"
            ),
        ),
        migrations.AlterField(
            model_name="conversation",
            name="contact",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="crm.contact"
            ),
        ),
    ]
