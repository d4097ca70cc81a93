"""Structured logs: one line per event, plain ``key=value`` or JSON, with the request id.

Callers log ``event(name, **fields)``; nothing here ever receives a password or a token (the
auth module passes user names and addresses only), and fields named like secrets are masked
as a second line of defence.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
from typing import Any

LOGGER_NAME = "acero.server"
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "acero_request_id", default=None
)
_SECRET_KEYS = frozenset({"password", "token", "authorization", "secret", "password_hash"})

log = logging.getLogger(LOGGER_NAME)


def event(name: str, *, level: int = logging.INFO, **fields: Any) -> None:
    """Log one event; ``fields`` become key=value pairs (or JSON keys)."""
    if not log.isEnabledFor(level):
        return
    rid = request_id_var.get()
    if rid is not None:
        fields.setdefault("rid", rid)
    log.log(level, name, extra={"acero_fields": fields})


class _Formatter(logging.Formatter):
    def __init__(self, as_json: bool) -> None:
        super().__init__()
        self.as_json = as_json

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = dict(getattr(record, "acero_fields", {}))
        for key in list(fields):
            if key.lower() in _SECRET_KEYS:
                fields[key] = "***"
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        ts += f".{int(record.msecs):03d}Z"
        message = record.getMessage()
        if self.as_json:
            data = {"ts": ts, "level": record.levelname.lower(), "logger": record.name}
            data["event"] = message
            data.update(fields)
            if record.exc_info:
                data["exc"] = self.formatException(record.exc_info)
            return json.dumps(data, default=str)
        parts = [ts, record.levelname, message]
        parts += [f"{k}={_plain(v)}" for k, v in fields.items()]
        line = " ".join(parts)
        if record.exc_info:
            line += " exc=" + json.dumps(self.formatException(record.exc_info))
        return line


def _plain(value: Any) -> str:
    text = str(value)
    if not text or any(c in text for c in ' "=\n'):
        return json.dumps(text)
    return text


def configure(*, as_json: bool = False, level: str = "INFO") -> None:
    """Send every log line (ours, uvicorn's, SQLAlchemy's warnings) to stderr, one per event."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter(as_json))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # uvicorn's access log would duplicate ours (and print query strings); keep its errors.
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("alembic").setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
