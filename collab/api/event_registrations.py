"""API of an event's registrations for its organisers (docs/API.md, Events): the
attendee list as JSON, CSV or XLSX, and attendance. The same permissions as the
pages: 404 when the event is hidden from the caller, 403 when they do not organise it."""
from __future__ import annotations

from flask import jsonify, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..content.services import get_visible
from ..events import exports, organisers
from ..events.kind import EVENTS
from ..events.models import REGISTRATION_STATUSES
from . import bp
from .auth import token_required
from .errors import ApiError
from .routes import json_body, listing, page_args
from .serializers import iso

FORMATS = ("json", "csv", "xlsx")


def registration_json(attendee) -> dict:
    """One registration as organisers see it (times in UTC)."""
    registration, user, org = attendee.registration, attendee.user, attendee.organisation
    return {
        "id": registration.id, "event_id": registration.event_id, "user_id": user.id,
        "display_name": user.display_name, "email": user.email,
        "organisation": ({"id": org.id, "key": org.key, "name_zh": org.name_zh, "name_en": org.name_en}
                         if org else None),
        "status": registration.status, "sequence": registration.sequence,
        "waitlist_position": attendee.waitlist_position,
        "created_at": iso(registration.created_at), "registered_at": iso(registration.registered_at),
        "cancelled_at": iso(registration.cancelled_at), "attended": registration.attended,
    }


def _organised(event_id: int):
    event = get_visible(EVENTS, event_id, current_user)
    if event is None:
        raise ApiError(404)
    if not EVENTS.owns(event, current_user):
        raise ApiError(403)
    return event


def _choice(name: str, allowed, default: str | None = None) -> str | None:
    value = (request.args.get(name) or "").strip() or default
    if value is not None and value not in allowed:
        raise ApiError(400, "validation_error", fields={
            name: [_l("Choose one of: %(choices)s.", choices=", ".join(allowed))]})
    return value


@bp.get("/events/<int:event_id>/registrations")
@token_required
def event_registrations(event_id: int):
    """The attendee list (organisers): registered, then the waiting list, in order;
    ``?format=csv`` or ``?format=xlsx`` for the export files, ``?status=`` to narrow."""
    event = _organised(event_id)
    fmt = _choice("format", FORMATS, "json")
    if fmt != "json":
        return exports.download(event, fmt)
    status = _choice("status", REGISTRATION_STATUSES)
    page, per_page = page_args()
    if status == "cancelled":
        rows = organisers.cancelled(event)
    else:
        rows = [row for row in organisers.attendees(event) if status is None or row.registration.status == status]
    start = (page - 1) * per_page
    return listing([registration_json(row) for row in rows[start:start + per_page]], page, per_page, len(rows))


@bp.post("/events/<int:event_id>/registrations/<int:registration_id>/attendance")
@token_required
def event_attendance(event_id: int, registration_id: int):
    """Mark attendance (organisers, once the event has begun): ``{"attended": true|false|null}``."""
    event = _organised(event_id)
    data = json_body()
    attended = data.get("attended", ...)
    if attended is not None and not isinstance(attended, bool):
        raise ApiError(400, "validation_error", fields={"attended": [_l("Give true, false or null.")]})
    registration = organisers.mark_attendance(event, registration_id, attended, current_user)
    return jsonify(registration_json(organisers.attendee_of(registration)))
