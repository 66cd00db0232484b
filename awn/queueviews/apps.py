from django.apps import AppConfig


class QueueViewsConfig(AppConfig):
    name = "awn.queueviews"
    label = "queueviews"
