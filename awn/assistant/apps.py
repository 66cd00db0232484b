from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "awn.assistant"
    label = "assistant"

    def ready(self) -> None:
        from awn.core.tasks import register_sweep

        register_sweep("awn.assistant.tasks.sweep_untriaged")
