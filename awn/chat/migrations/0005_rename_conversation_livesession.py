# Issue 11 item 4: the live chat's model is named for what it is, a session of the live widget on a ticket's
# channel thread (the thread is connectors.Conversation). Rows, ids (and so the visitors' tokens) are unchanged.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0004_drop_conversation_ticket_contact"),
        ("connectors", "0011_web_chats_into_conversations"),
        ("tickets", "0007_channel_registered_not_enumerated"),
    ]

    operations = [
        migrations.RenameModel(old_name="Conversation", new_name="LiveSession"),
        migrations.AlterField(
            model_name="livesession",
            name="thread",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="live_session",
                to="connectors.conversation",
            ),
        ),
    ]
