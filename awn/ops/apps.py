from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "awn.ops"
    label = "ops"

    def ready(self) -> None:
        from django.core.signals import got_request_exception

        from .unavailable import note_database_failure

        # A database outage answers 503 (awn/ops/unavailable.py), not Django's 500.
        got_request_exception.connect(note_database_failure, dispatch_uid="awn-ops-database-down")
