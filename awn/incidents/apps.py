from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "awn.incidents"
    label = "incidents"
