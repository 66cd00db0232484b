# Issue 11 item 4, one thread model per ticket (step 3 of 3): the live session's ticket and contact are read
# through its thread; its own columns go, and the link is required.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("chat", "0003_sessions_onto_threads")]

    operations = [
        migrations.RemoveField(model_name="conversation", name="ticket"),
        migrations.RemoveField(model_name="conversation", name="contact"),
        migrations.AlterField(
            model_name="conversation",
            name="thread",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="live_chat",
                to="connectors.conversation",
            ),
        ),
    ]
