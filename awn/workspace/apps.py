from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "awn.workspace"
    label = "workspace"
