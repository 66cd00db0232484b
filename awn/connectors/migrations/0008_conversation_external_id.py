# Issue 11 item 4, step 1 of 3: the conversation gets the provider's own thread id (a PBX call id) and its start,
# so a phone call can be a conversation (0009 copies the calls, 0010 drops PhoneCall).

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("connectors", "0007_kinds_registered_not_enumerated"),
    ]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="external_id",
            field=models.CharField(blank=True, max_length=100, default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="conversation",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
    ]
