"""A local HTTP server on 127.0.0.1 that speaks the parts of the Graph API (WhatsApp Cloud API), the Telegram
Bot API and the fake channel's API that Awn calls. Tests point inboxes at it through api_base_url."""

from __future__ import annotations

import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

WA_TOKEN = "wa-access-token"
TG_TOKEN = "123456:TEST-bot-token"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class ProviderState:
    requests: list[Recorded] = field(default_factory=list)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # id → (content, mime)
    updates: list[dict[str, Any]] = field(default_factory=list)  # served once by GET /fake/updates
    fail_next: int = 0  # answer the next N sends with HTTP 500
    fail_status: int = 500
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def sends(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST"]


class _Handler(BaseHTTPRequestHandler):
    state: ProviderState
    base: str

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _reply(
        self, status: int, payload: Any = None, raw: bytes | None = None, ctype: str = "application/json"
    ) -> None:
        body = raw if raw is not None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _record(self) -> Recorded:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        recorded = Recorded(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        self.state.requests.append(recorded)
        return recorded

    def do_GET(self) -> None:
        self._record()
        url = urlsplit(self.path)
        path = url.path
        if m := re.fullmatch(r"/wa/v21\.0/download/([\w.-]+)", path):
            return self._media(m.group(1), bearer=True)
        if m := re.fullmatch(r"/wa/v21\.0/([\w.-]+)", path):
            if self.headers.get("Authorization") != f"Bearer {WA_TOKEN}":
                return self._reply(401, {"error": {"message": "Invalid OAuth access token", "code": 190}})
            if m.group(1) not in self.state.media:
                return self._reply(404, {"error": {"message": "Unsupported get request", "code": 100}})
            _content, mime = self.state.media[m.group(1)]
            url_out = f"{self.base}/wa/v21.0/download/{m.group(1)}"
            return self._reply(
                200, {"url": url_out, "mime_type": mime, "id": m.group(1), "messaging_product": "whatsapp"}
            )
        if path == f"/tg/bot{TG_TOKEN}/getFile":
            file_id = parse_qs(url.query).get("file_id", [""])[0]
            if file_id not in self.state.media:
                return self._reply(
                    400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"}
                )
            return self._reply(
                200, {"ok": True, "result": {"file_id": file_id, "file_path": f"documents/{file_id}"}}
            )
        if m := re.fullmatch(rf"/tg/file/bot{re.escape(TG_TOKEN)}/documents/([\w.-]+)", path):
            return self._media(m.group(1), bearer=False)
        if path == "/fake/updates":
            events, self.state.updates[:] = list(self.state.updates), []
            return self._reply(200, {"events": events})
        if m := re.fullmatch(r"/fake/media/([\w.-]+)", path):
            return self._media(m.group(1), bearer=False)
        return self._reply(404, {"error": "not found"})

    def _media(self, media_id: str, *, bearer: bool) -> None:
        if bearer and self.headers.get("Authorization") != f"Bearer {WA_TOKEN}":
            return self._reply(401, {"error": "unauthorized"})
        if media_id not in self.state.media:
            return self._reply(404, {"error": "not found"})
        content, mime = self.state.media[media_id]
        return self._reply(200, raw=content, ctype=mime)

    def do_POST(self) -> None:
        recorded = self._record()
        path = urlsplit(self.path).path
        if self.state.fail_next > 0:
            self.state.fail_next -= 1
            return self._reply(self.state.fail_status, {"error": {"message": "temporarily unavailable"}})
        n = next(self.state.counter)
        if re.fullmatch(r"/wa/v21\.0/\d+/messages", path):
            if recorded.headers.get("authorization") != f"Bearer {WA_TOKEN}":
                return self._reply(401, {"error": {"message": "Invalid OAuth access token", "code": 190}})
            to = recorded.json().get("to", "")
            return self._reply(
                200,
                {
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": to, "wa_id": to}],
                    "messages": [{"id": f"wamid.OUT{n}"}],
                },
            )
        if re.fullmatch(r"/wa/v21\.0/\d+/media", path):
            return self._reply(200, {"id": f"MEDIA{n}"})
        if path in (f"/tg/bot{TG_TOKEN}/sendMessage", f"/tg/bot{TG_TOKEN}/sendDocument"):
            return self._reply(
                200, {"ok": True, "result": {"message_id": 1000 + n, "date": 1700000000, "chat": {"id": 1}}}
            )
        if path.startswith("/tg/bot"):
            return self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        if path == "/fake/messages":
            return self._reply(200, {"id": f"F{n}"})
        return self._reply(404, {"error": "not found"})


class ProviderServer:
    def __init__(self) -> None:
        self.state = ProviderState()
        handler = type("Handler", (_Handler,), {"state": self.state})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        handler.base = self.url  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> ProviderServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
