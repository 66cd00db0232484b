from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "awn.knowledge"
    label = "knowledge"
