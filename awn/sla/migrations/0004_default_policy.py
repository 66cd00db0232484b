"""The default SLA policy, so every ticket is promised something from the first day: business hours on the
default calendar; first reply and next reply within a working day for a normal ticket, an hour when urgent."""

from django.db import migrations

DEFAULT_NAME = "السياسة الافتراضية"


def _targets(first_reply, resolution):
    return {
        "first_reply": {"minutes": first_reply, "business": True},
        "next_reply": {"minutes": first_reply, "business": True},
        "resolution": {"minutes": resolution, "business": True},
    }


TARGETS = {
    "urgent": _targets(60, 4 * 60),
    "high": _targets(4 * 60, 16 * 60),
    "normal": _targets(8 * 60, 24 * 60),
    "low": _targets(16 * 60, 40 * 60),
}


def create_default_policy(apps, schema_editor):
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    if not SlaPolicy.objects.filter(is_default=True).exists():
        SlaPolicy.objects.create(
            name=DEFAULT_NAME, is_default=True, position=0, targets=TARGETS, pause_statuses=["pending"]
        )


class Migration(migrations.Migration):
    dependencies = [("sla", "0003_sla_policies_and_clocks")]

    operations = [migrations.RunPython(create_default_policy, migrations.RunPython.noop)]
