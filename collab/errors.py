"""The one family of refusals services raise, translated error pages for people, the
API's error shape for programs, 503 (never a traceback) when the database is
unreachable, and 400 for text no database can store."""
from __future__ import annotations

import logging
from typing import Callable

from flask import abort, flash, g, make_response, render_template, request
from flask_login import AnonymousUserMixin
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, InterfaceError
from werkzeug.exceptions import HTTPException

from .extensions import db

logger = logging.getLogger("collab")

PAGE_STATUSES = (400, 403, 404, 405, 413, 429, 500, 503)


class ServiceError(Exception):
    """A refused action. ``message`` is translated (lazily), ``field`` names the input at
    fault (the API lists the message under it), ``status`` and ``code`` are what the web
    and API adapters answer with. Raising it leaves nothing saved: the unit of work
    rolls the transaction back."""

    status = 400
    code = "validation_error"

    def __init__(self, message, field: str | None = None, *, code: str | None = None, status: int | None = None):
        super().__init__(str(message))
        self.message, self.field = message, field
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class InvalidFields(ServiceError):
    """Several inputs at fault at once (a report's figures): ``fields`` maps each input's
    name to its translated messages; the form shows each beside its field, the API lists
    them all."""

    def __init__(self, fields: dict[str, list], message=None):
        from flask_babel import lazy_gettext as _l

        super().__init__(message or _l("Some figures need correcting."))
        self.fields = fields


class NotAllowed(ServiceError):
    status, code = 403, "forbidden"


class NotFound(ServiceError):
    status, code = 404, "not_found"


class WrongState(ServiceError):
    status, code = 409, "conflict"


def attempt(action: Callable[[], object], success_message=None) -> bool:
    """The web adapter: call a service; a refusal rolls back and is flashed (a 403 or 404
    aborts with its page), success flashes ``success_message``. The request's unit of
    work commits what the service flushed."""
    from .unit_of_work import rollback

    try:
        action()
    except ServiceError as error:
        rollback()
        if error.status in (403, 404):
            abort(error.status)
        flash(str(error.message), "danger")
        return False
    if success_message:
        flash(str(success_message), "success")
    return True


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _page(status: int, retry_after: int | None = None):
    template = f"errors/{status}.html" if status in (403, 404, 429, 503) else "errors/generic.html"
    response = render_template(template, status=status), status
    if retry_after:
        return response[0], status, {"Retry-After": str(retry_after)}
    return response


def storable(value) -> bool:
    """False for text no database column takes, anywhere inside ``value``: NUL (the
    PostgreSQL driver refuses it, docs/STACK.md) or a lone surrogate such as "\\ud800"
    (JSON can carry one; UTF-8 cannot encode it)."""
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(storable(key) and storable(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return all(storable(item) for item in value)
    return True


def guard_unstorable_input(app) -> None:
    """Refuse a URL or JSON body carrying unstorable text with 400 before any view runs.

    Without it, ``?q=%00`` reached a query and answered 500 on PostgreSQL only. Form
    fields are left to BaseForm, which explains the problem next to the field.
    """
    from .api.errors import api_error

    @app.before_request
    def refuse_unstorable_input():
        if not storable(request.path) or not storable(list(request.args.items(multi=True))):
            abort(400)
        if request.is_json:
            data = request.get_json(silent=True)
            if isinstance(data, dict) and _is_api():
                from flask_babel import gettext as _

                bad = [name for name, value in data.items() if not (storable(name) and storable(value))]
                if bad:
                    message = _("This text contains characters that are not allowed.")  # as the forms say
                    return api_error(400, "validation_error", fields={
                        name if storable(name) else repr(name): [message] for name in bad})
            elif not storable(data):
                abort(400)
        return None


def register_error_handlers(app) -> None:
    from .api.errors import api_error, code_for_status

    guard_unstorable_input(app)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        if _is_api():
            response = api_error(status, code_for_status(status))
        elif status not in PAGE_STATUSES:
            return error
        else:
            response = make_response(_page(status))
        # A 405 must name the allowed methods (RFC 9110): keep Werkzeug's Allow header.
        allow = dict(error.get_headers()).get("Allow")
        if allow:
            response.headers["Allow"] = allow
        return response

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

    @app.errorhandler(ServiceError)
    def service_refused(error: ServiceError):
        """A refusal no view caught: rolled back, answered with its status."""
        from .unit_of_work import rollback

        rollback()
        if _is_api():
            from .api.errors import service_error_response

            return service_error_response(error)
        if error.status in (403, 404):
            return _page(error.status)
        flash(str(error.message), "danger")
        return render_template("errors/generic.html", status=error.status, message=error.message), error.status

    @app.errorhandler(500)
    def server_error(error):
        if _is_api():
            return api_error(500, "server_error")
        g._login_user = AnonymousUserMixin()
        return _page(500)
