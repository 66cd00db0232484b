from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "awn.assistant"
    label = "assistant"
