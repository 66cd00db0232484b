from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "awn.sla"
    label = "sla"
