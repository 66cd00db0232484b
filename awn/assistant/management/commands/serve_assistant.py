"""Serve the e5 model to this host's processes (AWN_ASSISTANT_SERVICE in theirs): one copy of the model per host."""

from __future__ import annotations

import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from awn.assistant.embedding_service import make_server
from awn.assistant.embeddings import local_default_embedder, local_embedder_named


class Command(BaseCommand):
    help = (
        "Serve the assistant's e5 model on a unix socket (or 127.0.0.1:port) to this host's web and workers."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--listen",
            default="",
            help="A unix socket path or 127.0.0.1:port (default: AWN_ASSISTANT_SERVICE).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        address = options["listen"] or getattr(settings, "AWN_ASSISTANT_SERVICE", "")
        if not address:
            raise CommandError(
                "Give --listen or set AWN_ASSISTANT_SERVICE (a unix socket path or 127.0.0.1:port)."
            )
        embedder = local_default_embedder()  # loaded before the first caller waits for it
        if embedder is None:
            raise CommandError("The e5 model cannot be loaded here (AWN_ASSISTANT_DENSE=false or no wheel).")
        embedder.queries(["warm up"])
        server = make_server(address, _embedder_for)
        signal.signal(signal.SIGTERM, _stop)
        where = server.server_address
        self.stdout.write(f"assistant service: {embedder.name} on {where}", ending="\n")
        self.stdout.flush()
        try:
            server.serve_forever()
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            server.server_close()


def _stop(*_: Any) -> None:
    # Out of serve_forever, in its own thread (shutdown() from here would wait for itself).
    raise SystemExit(0)


def _embedder_for(model: str) -> Any:
    return local_default_embedder() if not model else local_embedder_named(model)
