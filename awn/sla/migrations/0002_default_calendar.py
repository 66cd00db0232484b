"""The default business calendar: Sunday to Thursday, 08:00–16:00 (Asia/Riyadh), so every team has hours."""

from django.db import migrations

DEFAULT_NAME = "ساعات العمل الرسمية"
EIGHT_TO_FOUR = [[8 * 3600, 16 * 3600]]


def create_default_calendar(apps, schema_editor):
    BusinessCalendar = apps.get_model("sla", "BusinessCalendar")
    if not BusinessCalendar.objects.filter(is_default=True).exists():
        BusinessCalendar.objects.create(
            name=DEFAULT_NAME,
            is_default=True,
            weekly_hours={day: EIGHT_TO_FOUR for day in ("sun", "mon", "tue", "wed", "thu")},
        )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]

    operations = [migrations.RunPython(create_default_calendar, migrations.RunPython.noop)]
