from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "awn.search"
    label = "search"
