"""A small HTTP client on the standard library for provider APIs (JSON in, JSON out, multipart uploads)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any

from .base import SendError

TIMEOUT = 15


RETRY_AFTER_MAX_SECONDS = 3600


def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header in seconds (the delay form; an HTTP date counts as absent), capped at an hour."""
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    if seconds != seconds or seconds < 0:  # NaN or negative
        return None
    return min(seconds, RETRY_AFTER_MAX_SECONDS)


def _build(
    url: str, *, data: bytes | None = None, method: str = "GET", headers: dict[str, str]
) -> urllib.request.Request:
    if not url.startswith(("http://", "https://")):
        raise SendError("unsupported URL scheme", retryable=False)
    return urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310 - scheme checked


def _open(request: urllib.request.Request) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 - scheme checked
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        body = exc.read()[:2000]
        # 4xx except 429: the request itself is wrong, retrying will not help.
        retryable = exc.code >= 500 or exc.code == 429
        raise SendError(
            f"HTTP {exc.code}: {body.decode('utf-8', 'replace')[:250]}",
            retryable=retryable,
            retry_after=retry_after_seconds(exc.headers.get("Retry-After") if exc.headers else None),
        ) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise SendError(f"unreachable: {exc}", retryable=True) from exc


def request_json(method: str, url: str, *, payload: Any = None, headers: dict[str, str] | None = None) -> Any:
    data = None if payload is None else json.dumps(payload).encode()
    all_headers = {"Accept": "application/json", **(headers or {})}
    if data is not None:
        all_headers["Content-Type"] = "application/json"
    status, body = _open(_build(url, data=data, method=method, headers=all_headers))
    try:
        return json.loads(body or b"null")
    except ValueError as exc:
        raise SendError(f"HTTP {status}: the answer is not JSON", retryable=True) from exc


def request_bytes(url: str, *, headers: dict[str, str] | None = None, limit: int) -> bytes:
    """GET a file, reading at most `limit` bytes (the attachment check then refuses an oversized file)."""
    request = _build(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 - scheme checked
            content: bytes = response.read(limit)
            return content
    except urllib.error.HTTPError as exc:
        raise SendError(f"HTTP {exc.code}", retryable=exc.code >= 500) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise SendError(f"unreachable: {exc}", retryable=True) from exc


def post_multipart(
    url: str,
    fields: dict[str, str],
    file_field: str,
    filename: str,
    content: bytes,
    content_type: str,
    headers: dict[str, str] | None = None,
) -> Any:
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    safe_name = filename.replace('"', "").replace("\r", "").replace("\n", "")
    parts.append(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{safe_name}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    request = _build(
        url,
        data=b"".join(parts),
        method="POST",
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Accept": "application/json",
            **(headers or {}),
        },
    )
    status, body = _open(request)
    try:
        return json.loads(body)
    except ValueError as exc:
        raise SendError(f"HTTP {status}: the answer is not JSON", retryable=True) from exc
