from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "awn.routing"
    label = "routing"
