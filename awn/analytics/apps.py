from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "awn.analytics"
    label = "analytics"
