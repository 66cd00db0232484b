from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "awn.notifications"
    label = "notifications"
