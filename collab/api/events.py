"""The JSON API of events beyond the shared content operations (collab/api/content.py
serves list, create, read, edit, delete, submit and transition): the listing's date
range and organisation filters, publish and cancel, registering and cancelling one's
own registration, and the event's calendar file. The organisers' registrations list,
attendance, wishes, schedule and agenda live in their own modules.

The listing's range: ``from`` and ``to`` are ISO 8601 instants with their offset, or
dates (midnight in ``tz``, by default the caller's zone); ``to`` given as a date takes
that whole day. An event is listed when it is on, at least in part, within [from, to):
it ends after ``from`` and starts before ``to``.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import Response, jsonify, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..content import services as content
from ..events import services
from ..events.calendar import event_ics
from ..events.kind import EVENTS
from ..events.models import Event, Registration
from ..i18n import current_lang, current_timezone, is_valid_timezone
from . import bp
from .auth import token_required
from .content import (KIND_APIS, MAX_ID, TYPE_MESSAGES, KindApi, _filters, _validated, get_visible, item_json,
                      parse_instant)
from .errors import ApiError
from .serializers import iso

INSTANT_MESSAGE = _l("Give an ISO 8601 time with its offset, such as 2026-12-01T10:00:00+06:00.")


# --- shapes ---------------------------------------------------------------------------

def registration_json(registration: Registration) -> dict:
    """A registration as its registrant sees it."""
    return {"id": registration.id, "event_id": registration.event_id, "user_id": registration.user_id,
            "status": registration.status, "waitlist_position": services.waitlist_position(registration),
            "sequence": registration.sequence, "created_at": iso(registration.created_at),
            "registered_at": iso(registration.registered_at), "cancelled_at": iso(registration.cancelled_at)}


# --- the listing's filters, the create defaults, the detail ---------------------------

def _zone() -> str:
    given = (request.args.get("tz") or "").strip()
    if not given:
        zone = current_timezone()
        return zone if is_valid_timezone(zone) else "Asia/Shanghai"
    if not is_valid_timezone(given):
        raise ApiError(400, "validation_error", fields={"tz": [_l("Choose a valid time zone, such as Asia/Urumqi.")]})
    return given


def _bound(name: str, zone: str, *, whole_day: bool = False) -> datetime | None:
    """``?from=`` or ``?to=``: an instant with its offset, or a date read in ``zone`` (for
    ``to``, the end of that day)."""
    text = (request.args.get(name) or "").strip()
    if not text:
        return None
    # An unescaped "+" of an offset arrives as a space ("…T10:00:00 06:00").
    if len(text) > 19 and text[-6] == " ":
        text = f"{text[:-6]}+{text[-5:]}"
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            if whole_day:
                day += timedelta(days=1)
            return datetime.combine(day, time(), ZoneInfo(zone)).astimezone(timezone.utc)
    except (ValueError, OverflowError):
        pass
    else:
        instant = parse_instant(text)
        if instant is not None:
            return instant.astimezone(timezone.utc)
    raise ApiError(400, "validation_error", fields={name: [INSTANT_MESSAGE]})


class EventApi(KindApi):
    def filters(self, kind):
        filters, conditions = _filters(kind), []
        organisation = filters.get("organisation")
        if organisation and organisation.isascii() and organisation.isdigit() and len(organisation) <= 10 \
                and int(organisation) <= MAX_ID:
            conditions.append(Event.organisation_id == int(organisation))  # an id; else a key (matching nothing)
            filters["organisation"] = None
        zone = _zone()
        start, end = _bound("from", zone), _bound("to", zone, whole_day=True)
        if start is not None and end is not None and end <= start:
            raise ApiError(400, "validation_error", fields={"to": [_l("The end must come after the start.")]})
        if start is not None:
            conditions.append(Event.ends_at > start)
        if end is not None:
            conditions.append(Event.starts_at < end)
        return filters, conditions

    def create_defaults(self, user) -> dict:
        # The host is the caller's organisation unless the request names one.
        return {"organisation_id": user.organisation_id} if user.organisation_id is not None else {}

    def detail_json(self, item, viewer) -> dict:
        registration = services.registration_of(item, viewer)
        return {"my_registration": registration_json(registration) if registration is not None else None,
                "ics_url": url_for("api.event_calendar", event_id=item.id)}


KIND_APIS[EVENTS.name] = EventApi()


# --- helpers ---------------------------------------------------------------------------

def _visible_event(event_id: int) -> Event:
    event = get_visible(EVENTS, event_id)
    if event is None:
        raise ApiError(404)
    return event


def _note() -> str | None:
    """The optional ``{"note": …}`` of a lifecycle step (no body is no note)."""
    data = request.get_json(silent=True) if request.content_length or request.is_json else None
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request")
    note = data.get("note")
    if note is not None and not isinstance(note, str):
        raise ApiError(400, "validation_error", fields={"note": [TYPE_MESSAGES[str]]})
    from ..content.views import TransitionForm

    return _validated(TransitionForm, {"to": "publish", "note": note}).note.data or None


def _step(event_id: int, name: str):
    """Publish or cancel: 404 when hidden, 403 for anyone but the organisers, 409 from
    the wrong status (registrants hear of a cancellation)."""
    event = _visible_event(event_id)
    if not content.party_of(event, current_user):
        raise ApiError(403)
    if name == "publish" and content.is_owner(event, current_user) and not current_user.can_publish:
        raise ApiError(403, message=_l("Your membership must be approved before you can publish."))
    note = _note()
    content.transition_item(event, name, current_user, note)
    return jsonify(item_json(event, current_user))


# --- lifecycle --------------------------------------------------------------------------

@bp.post("/events/<int:event_id>/publish")
@token_required
def publish_event(event_id: int):
    """Draft → published (organisers); the event must not have begun."""
    return _step(event_id, "publish")


@bp.post("/events/<int:event_id>/cancel")
@token_required
def cancel_event(event_id: int):
    """Published → cancelled (organisers); every registrant is told."""
    return _step(event_id, "cancel")


# --- the caller's registration -------------------------------------------------------------

@bp.post("/events/<int:event_id>/registrations")
@token_required
def register_for_event(event_id: int):
    """A place, or the end of the waiting list: 201; 409 when already registered
    (already_registered) or when registration is closed (registration_closed)."""
    event = _visible_event(event_id)
    registration = services.register(event, current_user)
    return jsonify(registration_json(registration)), 201


@bp.get("/events/<int:event_id>/registrations/me")
@token_required
def my_registration(event_id: int):
    """The caller's registration (a cancelled one too); 404 when they never registered."""
    event = _visible_event(event_id)
    registration = services.registration_of(event, current_user)
    if registration is None:
        raise ApiError(404)
    return jsonify(registration_json(registration))


@bp.delete("/events/<int:event_id>/registrations/me")
@token_required
def cancel_my_registration(event_id: int):
    """Give up one's place or leave the waiting list: 200 with the cancelled registration;
    the first waiting moves up and is told. 404 when not registered, 409 once begun."""
    event = _visible_event(event_id)
    registration = services.cancel_registration(event, current_user)
    return jsonify(registration_json(registration))


# --- calendar ----------------------------------------------------------------------------------

@bp.get("/events/<int:event_id>.ics")
def event_calendar(event_id: int):
    """The event as iCalendar in its own zone (METHOD CANCEL once cancelled)."""
    event = _visible_event(event_id)
    return Response(event_ics(event, current_lang()), mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="event-{event.id}.ics"'})
