"""Structured logs: one JSON object a line (AWN_LOG_JSON=true), with the id of the request or job it belongs to.

Each line has `time` (UTC, ISO 8601), `level`, `logger`, `message`, `request_id` (empty outside a request or a job
it enqueued), `process`, and `exception` when there is one; whatever a call passes in `extra={...}` is added.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from awn.core import request_id

# The attributes every LogRecord has: anything else came from `extra` and is worth keeping.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id.get(),
            "process": record.process,
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in data:
                data[key] = value
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            data["stack"] = self.formatStack(record.stack_info)
        return json.dumps(data, ensure_ascii=False, default=str)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record, for plain-text formats (`%(request_id)s`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True
