"""The e5 model served by one local process per host; web workers (and Celery workers) call it.

Why: the model (its ONNX graph expanded to float32, ONNX Runtime's buffers) takes tens of megabytes in every
process that loads it; a web worker that shows the assistant's card loaded it too (issue 14: a web worker <= 120
MB, the model once per host). With AWN_ASSISTANT_SERVICE set (a unix socket path, or 127.0.0.1:port), the
processes of that deployment do not load the model: `default_embedder()` is a RemoteEmbedder that sends the texts
to `manage.py serve_assistant`, which holds the one model. Unset (the embedded default, `bin/awn up`), each
process embeds itself, as before.

Protocol, one request at a time on a kept connection: a length-prefixed JSON header {"op": "name" | "queries" |
"passages", "model": "" (the default) or a model's name, "texts": [...]}; the answer is a length-prefixed JSON
header ({"name"}, {"shape": [n, d]} or {"error"}) followed by a length-prefixed body (the float32 vectors).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import socketserver
import struct
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .vectors import DIMENSIONS, QueryMemo

logger = logging.getLogger(__name__)
LENGTH = struct.Struct("!I")
MAX_TEXTS = 1024  # one request's texts at most (a batch of passages is split by the caller)
MAX_MESSAGE = 16 * 1024 * 1024
TIMEOUT_SECONDS = 30.0


class ServiceError(OSError):
    """The assistant service cannot be reached or refused the request."""


def _send(sock: socket.socket, header: dict[str, Any], body: bytes = b"") -> None:
    raw = json.dumps(header, ensure_ascii=False).encode()
    sock.sendall(LENGTH.pack(len(raw)) + raw + LENGTH.pack(len(body)) + body)


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise ConnectionError("the connection was closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read(sock: socket.socket) -> tuple[dict[str, Any], bytes]:
    header_size = LENGTH.unpack(_read_exactly(sock, LENGTH.size))[0]
    if header_size > MAX_MESSAGE:
        raise ConnectionError("header too large")
    header = json.loads(_read_exactly(sock, header_size))
    body_size = LENGTH.unpack(_read_exactly(sock, LENGTH.size))[0]
    if body_size > MAX_MESSAGE:
        raise ConnectionError("body too large")
    return header, _read_exactly(sock, body_size)


def parse_address(address: str) -> tuple[int, Any]:
    """(socket family, address): "host:port" on TCP (127.0.0.1 only), anything else is a unix socket path."""
    host, _, port = address.rpartition(":")
    if host and port.isdigit() and "/" not in address:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the assistant service listens on this host only (127.0.0.1 or a unix socket)")
        return socket.AF_INET, (host, int(port))
    return socket.AF_UNIX, address


# ── the server ──────────────────────────────────────────────────────────────────────────────────────────────
class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        while True:
            try:
                header, _body = _read(self.request)
            except (ConnectionError, OSError, ValueError):
                return
            try:
                self._answer(header)
            except (ConnectionError, OSError):
                return

    def _answer(self, header: dict[str, Any]) -> None:
        try:
            embedder = self.server.embedder(str(header.get("model") or ""))
            if embedder is None:
                _send(self.request, {"error": "no such model here"})
                return
            op = header.get("op")
            if op == "name":
                _send(self.request, {"name": embedder.name})
                return
            texts = header.get("texts")
            if op not in ("queries", "passages") or not isinstance(texts, list) or len(texts) > MAX_TEXTS:
                _send(self.request, {"error": "bad request"})
                return
            texts = [str(text) for text in texts]
            vectors = embedder.queries(texts) if op == "queries" else embedder.passages(texts)
            matrix = np.ascontiguousarray(vectors, dtype=np.float32)
            _send(self.request, {"shape": list(matrix.shape)}, matrix.tobytes())
        except (ConnectionError, OSError):
            raise
        except Exception as exc:  # one bad request must not stop the service
            logger.exception("assistant service: request failed")
            _send(self.request, {"error": str(exc)[:200]})


class _Server(socketserver.ThreadingMixIn, socketserver.BaseServer):
    daemon_threads = True

    # Set by make_server: the model's name ("" = the default) -> the in-process embedder that holds it. Given by the
    # caller (serve_assistant), so this module never imports the engines it serves (embeddings.py imports it).
    embedder_for: Callable[[str], Any]

    def embedder(self, model: str) -> Any:
        return self.embedder_for(model)


class _UnixServer(_Server, socketserver.UnixStreamServer):
    pass


class _TcpServer(_Server, socketserver.TCPServer):
    allow_reuse_address = True


def make_server(address: str, embedder_for: Callable[[str], Any]) -> _Server:
    """The service on `address` (a unix socket path, replaced if stale, or 127.0.0.1:port; port 0 picks one),
    answering with the embedders `embedder_for(model name)` gives."""
    family, where = parse_address(address)
    if family == socket.AF_UNIX:
        path = Path(where)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_socket():
            path.unlink()
        server: _Server = _UnixServer(str(path), _Handler)
        os.chmod(path, 0o660)  # the deployment's user and group only
    else:
        server = _TcpServer(where, _Handler)
    server.embedder_for = embedder_for
    return server


# ── the client ──────────────────────────────────────────────────────────────────────────────────────────────
class RemoteEmbedder:
    """An Embedder whose vectors come from the assistant service (one kept connection per thread)."""

    def __init__(self, address: str, model: str = "") -> None:
        self.address, self.model = address, model
        self._local = threading.local()
        self.name = str(self._call({"op": "name"})[0]["name"])
        self.memo = QueryMemo(self.name)

    def _connect(self) -> socket.socket:
        family, where = parse_address(self.address)
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(TIMEOUT_SECONDS)
        try:
            sock.connect(where)
        except OSError:
            sock.close()
            raise
        return sock

    def _call(self, header: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
        header = {**header, "model": self.model}
        for attempt in (1, 2):  # a kept connection the service closed (a restart) is opened again, once
            sock = getattr(self._local, "sock", None)
            try:
                if sock is None:
                    sock = self._local.sock = self._connect()
                _send(sock, header)
                answer, body = _read(sock)
                break
            except (ConnectionError, OSError) as exc:
                if sock is not None:
                    sock.close()
                self._local.sock = None
                if attempt == 2:
                    raise ServiceError(f"assistant service at {self.address}: {exc}") from exc
        if "error" in answer:
            raise ServiceError(f"assistant service at {self.address}: {answer['error']}")
        return answer, body

    def _vectors(self, op: str, texts: Sequence[str]) -> np.ndarray:
        parts = [np.zeros((0, DIMENSIONS), dtype=np.float32)]
        for start in range(0, len(texts), MAX_TEXTS):
            answer, body = self._call({"op": op, "texts": list(texts[start : start + MAX_TEXTS])})
            parts.append(np.frombuffer(body, dtype=np.float32).reshape(answer["shape"]))
        return np.concatenate(parts) if len(parts) > 1 else parts[0]

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.memo.queries(texts, lambda missing: self._vectors("queries", missing))

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._vectors("passages", texts)
