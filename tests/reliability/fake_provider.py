"""A scripted provider API on 127.0.0.1 for fault tests: each POST takes the next step of a script
(an HTTP status, a stall longer than the client's timeout, or success), then success for ever."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

OK = ("ok", 0.0)


def status(code: int) -> tuple[str, float]:
    return ("status", float(code))


def throttle(retry_after: float) -> tuple[str, float]:
    """HTTP 429 with `Retry-After: <seconds>`."""
    return ("throttle", retry_after)


def stall(seconds: float) -> tuple[str, float]:
    return ("stall", seconds)


class ScriptedProvider:
    def __init__(self, script: list[tuple[str, float]] | None = None) -> None:
        self.script: deque[tuple[str, float]] = deque(script or [])
        self.received: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self._ids = itertools.count(1)
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
                with provider.lock:
                    step = provider.script.popleft() if provider.script else OK
                    provider.received.append(
                        {"path": self.path, "body": json.loads(body or b"null"), "step": step}
                    )
                kind, value = step
                if kind == "stall":
                    time.sleep(value)
                if kind == "status":
                    self._answer(int(value), {"error": "scripted failure"})
                    return
                if kind == "throttle":
                    self._answer(429, {"error": "slow down"}, retry_after=value)
                    return
                self._answer(200, {"id": f"fake-{next(provider._ids)}"})

            def _answer(self, code: int, payload: dict[str, Any], retry_after: float | None = None) -> None:
                raw = json.dumps(payload).encode()
                try:
                    self.send_response(code)
                    if retry_after is not None:
                        self.send_header("Retry-After", f"{retry_after:g}")
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except OSError:
                    pass  # the client gave up (a timeout step)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ScriptedProvider:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
