from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectorsConfig(AppConfig):
    name = "awn.connectors"
    label = "connectors"
    verbose_name = _("Channels")

    def ready(self) -> None:
        from .kinds import register_connector_kinds

        register_connector_kinds()
