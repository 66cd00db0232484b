from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "awn.automation"
    label = "automation"
