from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "awn.privacy"
    label = "privacy"
