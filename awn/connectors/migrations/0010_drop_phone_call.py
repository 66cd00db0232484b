# Issue 11 item 4, step 3 of 3: a call id is unique per voice inbox, as PhoneCall's was; PhoneCall goes.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("connectors", "0009_phone_calls_into_conversations"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="conversation",
            constraint=models.UniqueConstraint(
                condition=models.Q(("external_id", ""), _negated=True),
                fields=("inbox", "external_id"),
                name="connectors_conv_external_unique",
            ),
        ),
        migrations.DeleteModel(name="PhoneCall"),
    ]
