from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "awn.knowledge"
    label = "knowledge"

    def ready(self) -> None:
        from awn.core.tasks import register_sweep

        register_sweep("awn.knowledge.tasks.expire_learned_questions")
