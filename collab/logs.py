"""Structured logging: one JSON object per line, with a request id for every request."""
from __future__ import annotations

import json
import logging
import secrets
import sys
import time

from flask import g, request, has_request_context


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            entry["request_id"] = g.get("request_id")
        for key in ("method", "path", "status", "duration_ms", "user_id", "job"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(app) -> None:
    """JSON lines on stderr; an access line per request with its duration."""
    handler = logging.StreamHandler(sys.stderr)
    if app.config["LOG_JSON"]:
        handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("collab")
    logger.handlers[:] = [handler]
    logger.setLevel(app.config["LOG_LEVEL"])
    logger.propagate = False
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(app.config["LOG_LEVEL"])

    @app.before_request
    def start_timer():
        g.request_id = request.headers.get("X-Request-Id") or secrets.token_hex(8)
        g.started_at = time.perf_counter()

    @app.after_request
    def log_request(response):
        duration = (time.perf_counter() - g.get("started_at", time.perf_counter())) * 1000
        response.headers["X-Request-Id"] = g.get("request_id", "")
        logger.info("request", extra={
            "method": request.method, "path": request.path,
            "status": response.status_code, "duration_ms": round(duration, 2),
        })
        return response
