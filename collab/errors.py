"""Translated error pages for people, the API's error shape for programs, and 503
(never a traceback) when the database is unreachable."""
from __future__ import annotations

import logging

from flask import g, render_template, request
from flask_login import AnonymousUserMixin
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, InterfaceError
from werkzeug.exceptions import HTTPException

from .extensions import db

logger = logging.getLogger("collab")

PAGE_STATUSES = (400, 403, 404, 405, 413, 429, 500, 503)


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _page(status: int, retry_after: int | None = None):
    template = f"errors/{status}.html" if status in (403, 404, 429, 503) else "errors/generic.html"
    response = render_template(template, status=status), status
    if retry_after:
        return response[0], status, {"Retry-After": str(retry_after)}
    return response


def register_error_handlers(app) -> None:
    from .api.errors import api_error, code_for_status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        if _is_api():
            return api_error(status, code_for_status(status))
        if status not in PAGE_STATUSES:
            return error
        return _page(status)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        if _is_api():
            return api_error(400, "csrf_failed")
        return _page(400)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(error):
        logger.error("database unavailable: %s", error.__class__.__name__)
        try:
            db.session.rollback()
        except Exception:  # the connection may be gone altogether
            pass
        # The page must not touch the database again, so no user is loaded.
        g._login_user = AnonymousUserMixin()
        if _is_api():
            response = api_error(503, "service_unavailable")
            response.headers["Retry-After"] = "30"
            return response
        return _page(503, retry_after=30)

    @app.errorhandler(500)
    def server_error(error):
        if _is_api():
            return api_error(500, "server_error")
        g._login_user = AnonymousUserMixin()
        return _page(500)
