"""The API's error shape: {"error": {"code", "message", "fields"}} in the caller's language."""
from __future__ import annotations

from flask import jsonify
from flask_babel import lazy_gettext as _l

MESSAGES = {
    "validation_error": _l("Some fields are not valid."),
    "bad_request": _l("The request could not be understood."),
    "csrf_failed": _l("The form expired; reload the page and try again."),
    "unauthorized": _l("Log in or send a valid token."),
    "invalid_credentials": _l("The e-mail or password is not right."),
    "forbidden": _l("You are not allowed to do this."),
    "not_found": _l("Nothing was found here."),
    "method_not_allowed": _l("This method is not allowed here."),
    "conflict": _l("This conflicts with the current state."),
    "payload_too_large": _l("The upload is too large."),
    "rate_limited": _l("Too many requests; wait a moment and try again."),
    "server_error": _l("Something went wrong on our side."),
    "service_unavailable": _l("The service is unavailable for a moment; try again shortly."),
}

_BY_STATUS = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
              429: "rate_limited", 500: "server_error", 503: "service_unavailable"}


def code_for_status(status: int) -> str:
    return _BY_STATUS.get(status, "server_error" if status >= 500 else "bad_request")


def api_error(status: int, code: str, message: str | None = None, fields: dict | None = None):
    body = {"code": code, "message": str(message or MESSAGES.get(code, MESSAGES["bad_request"]))}
    if fields:
        body["fields"] = {name: [str(m) for m in messages] for name, messages in fields.items()}
    response = jsonify(error=body)
    response.status_code = status
    return response


class ApiError(Exception):
    """Raise from an API view to answer with the error shape."""

    def __init__(self, status: int, code: str | None = None, message=None, fields=None):
        super().__init__(code)
        self.status, self.code = status, code or code_for_status(status)
        self.message, self.fields = message, fields


def service_error_response(error):
    """The API adapter: a service refusal as the error shape; a refusal about one field
    lists its message under that field."""
    message = str(error.message)
    fields = {error.field: [message]} if error.field else None
    if getattr(error, "fields", None):
        fields = {name: [str(m) for m in messages] for name, messages in error.fields.items()}
    if error.status == 400:
        return api_error(400, "validation_error", message, fields)
    return api_error(error.status, error.code or code_for_status(error.status), message, fields)
