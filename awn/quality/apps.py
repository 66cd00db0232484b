from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "awn.quality"
    label = "quality"
