"""API of the one-to-one meetings of a matchmaking day (docs/API.md, Events): wishes, the
schedule, moving and cancelling meetings, and the caller's agenda. Times are UTC.

    GET/PUT /api/v1/events/<id>/wishes                    registrant
    GET/POST /api/v1/events/<id>/schedule                 organisers
    POST /api/v1/events/<id>/meetings/<mid>/move          organisers  {"slot", "table"} (both from 1)
    POST /api/v1/events/<id>/meetings/<mid>/cancel        organisers
    GET /api/v1/events/<id>/agenda                        anyone signed in: their own meetings
"""
from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user

from ..content.services import get_visible, is_owner
from ..events import meetings
from ..events.kind import EVENTS
from . import bp
from .auth import token_required
from .errors import ApiError
from .routes import json_body
from .serializers import iso


def _event(event_id: int):
    event = get_visible(EVENTS, event_id, current_user) if 0 < event_id <= meetings.MAX_ID else None
    if event is None:
        raise ApiError(404)
    return event


def _organised(event_id: int):
    event = _event(event_id)
    if not is_owner(event, current_user):
        raise ApiError(403)
    return event


def _org(org) -> dict | None:
    return {"id": org.id, "key": org.key, "name_zh": org.name_zh, "name_en": org.name_en} if org else None


def meeting_json(meeting) -> dict:
    return {
        "id": meeting.id, "slot": meeting.slot + 1, "table": meeting.table_number,
        "starts_at": iso(meeting.starts_at), "ends_at": iso(meeting.ends_at),
        "project_id": meeting.project_id, "need_id": meeting.need_id, "participant_ids": meeting.participant_ids,
        "participant_id": meeting.participant_id, "host_id": meeting.host_id, "mutual": meeting.mutual,
        "score": round(meeting.score, 4), "status": meeting.status,
    }


def _schedule_json(event, scheduled, unmet: int) -> dict:
    return {"event_id": event.id, "generated_at": iso(event.schedule_generated_at), "timezone": event.timezone,
            "slots": meetings.slot_count(event), "tables": event.tables,
            "meetings": [meeting_json(m) for m in scheduled if m.status == "scheduled"], "unmet_wishes": unmet}


def _wishes_json(event) -> dict:
    wished = meetings.wishes_of(event, current_user)
    return {
        "project_ids": wished["project"], "need_ids": wished["need"], "open": meetings.wishes_open(event),
        "suggestions": [{
            "item_type": s.item_type, "item_id": s.item.id, "score": round(s.score, 4),
            "own_item_type": "need" if s.item_type == "project" else "project", "own_item_id": s.own_item.id,
            "reasons": s.match.reasons or {},
        } for s in meetings.suggestions_for(event, current_user)],
    }


def _id_list(data: dict, name: str, fields: dict) -> list[int]:
    value = data.get(name, [])
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        fields[name] = [_("A list of whole numbers is expected here.")]
        return []
    return value


def _registrant_event(event_id: int):
    event = _event(event_id)
    meetings.require_meetings(event)
    if not meetings.may_wish(event, current_user):
        raise ApiError(403, "forbidden", _("Register for the event to choose whom you want to meet."))
    return event


@bp.get("/events/<int:event_id>/wishes")
@token_required
def get_event_wishes(event_id: int):
    """The caller's wishes at the event and the platform's suggestions from their own matches."""
    return jsonify(_wishes_json(_registrant_event(event_id)))


@bp.put("/events/<int:event_id>/wishes")
@token_required
def put_event_wishes(event_id: int):
    """Replace the caller's wishes: ``{"project_ids": [...], "need_ids": [...]}`` (featured items only)."""
    event = _registrant_event(event_id)
    data = json_body()
    fields: dict = {}
    project_ids, need_ids = _id_list(data, "project_ids", fields), _id_list(data, "need_ids", fields)
    if not fields:
        fields = meetings.wish_errors(event, current_user, project_ids, need_ids)
    if fields:
        raise ApiError(400, "validation_error", fields=fields)
    meetings.set_wishes(event, current_user, project_ids, need_ids)
    return jsonify(_wishes_json(event))


@bp.get("/events/<int:event_id>/schedule")
@token_required
def get_event_schedule(event_id: int):
    """The event's scheduled meetings and how many wishes they leave unmet (organisers)."""
    event = _organised(event_id)
    meetings.require_meetings(event)
    scheduled = meetings.schedule_of(event)
    return jsonify(_schedule_json(event, scheduled, len(meetings.unmet_wishes(event, meetings=scheduled))))


@bp.post("/events/<int:event_id>/schedule")
@token_required
def post_event_schedule(event_id: int):
    """Generate (or regenerate) the schedule: every earlier meeting is replaced."""
    event = _organised(event_id)
    result = meetings.generate_schedule(event)
    return jsonify(_schedule_json(event, result.meetings, result.unmet_wishes))


def _whole(data: dict, name: str, fields: dict) -> int | None:
    value = data.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        fields[name] = [_("A whole number is expected here.")]
        return None
    return value


@bp.post("/events/<int:event_id>/meetings/<int:meeting_id>/move")
@token_required
def move_event_meeting(event_id: int, meeting_id: int):
    """Move a meeting: ``{"slot": 3, "table": 2}`` (both from 1); 409 when someone in it or the table is busy then."""
    event = _organised(event_id)
    meetings.meeting_of(event, meeting_id)
    data = json_body()
    fields: dict = {}
    slot, table = _whole(data, "slot", fields), _whole(data, "table", fields)
    if fields:
        raise ApiError(400, "validation_error", fields=fields)
    return jsonify(meeting_json(meetings.move_meeting(event, meeting_id, slot - 1, table)))


@bp.post("/events/<int:event_id>/meetings/<int:meeting_id>/cancel")
@token_required
def cancel_event_meeting(event_id: int, meeting_id: int):
    """Cancel a meeting."""
    event = _organised(event_id)
    return jsonify(meeting_json(meetings.cancel_meeting(event, meeting_id)))


@bp.get("/events/<int:event_id>/agenda")
@token_required
def get_event_agenda(event_id: int):
    """The caller's own scheduled meetings at the event, in time order, times in UTC."""
    event = _event(event_id)
    meetings.require_meetings(event)
    entries = meetings.agenda_of(event, current_user)
    return jsonify({
        "event_id": event.id, "timezone": event.timezone, "generated_at": iso(event.schedule_generated_at),
        "meetings": [{
            **meeting_json(e.meeting), "role": "presenter" if e.presenting else "visitor",
            "item": {"type": e.item_type, "id": e.item.id, "title_zh": e.item.title_zh, "title_en": e.item.title_en},
            "with": {"id": e.other.id, "display_name": e.other.display_name, "organisation": _org(e.other.organisation)},
        } for e in entries],
    })
