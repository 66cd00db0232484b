from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "awn.ops"
    label = "ops"
