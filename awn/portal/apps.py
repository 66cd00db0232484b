from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "awn.portal"
    label = "portal"
