from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "awn.outreach"
    verbose_name = "Proactive outreach"
