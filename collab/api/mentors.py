"""API endpoints of mentors and bookings (docs/API.md): the directory, availability,
free slots in any zone, bookings and their actions, and the .ics."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from flask import Response, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from ..db import paginate, utcnow
from ..extensions import db
from ..i18n import is_valid_timezone
from ..unit_of_work import rollback
from ..mentors import bookings as booking_services
from ..mentors import services
from ..mentors.calendar import booking_ics, has_calendar
from ..mentors.labels import LANGUAGE_LABELS
from ..mentors.models import BOOKING_STATUSES, MODES, Booking, MentorProfile
from ..mentors.slots import zone
from ..mentors.timefmt import format_range, iso_in, viewer_timezone
from . import bp
from .auth import token_required
from .errors import ApiError
from .routes import json_body, listing, page_args
from .serializers import iso

MAX_SLOT_RANGE = timedelta(days=62)


# --- shapes ---------------------------------------------------------------------

def _org(org) -> dict | None:
    return {"id": org.id, "key": org.key, "name_zh": org.name_zh, "name_en": org.name_en} if org else None


def slot_json(slot, tz: str | None = None) -> dict:
    if tz:
        return {"start": iso_in(slot.start, tz), "end": iso_in(slot.end, tz)}
    return {"start": iso(slot.start), "end": iso(slot.end)}


def mentor_json(profile: MentorProfile, next_slots=None) -> dict:
    data = {
        "id": profile.id, "user_id": profile.user_id, "display_name": profile.display_name,
        "headline_zh": profile.headline_zh, "headline_en": profile.headline_en,
        "bio_zh": profile.bio_zh, "bio_en": profile.bio_en,
        "organisation": _org(profile.organisation), "city_zh": profile.city_zh, "city_en": profile.city_en,
        "timezone": profile.timezone, "sectors": [s.code for s in profile.sectors],
        "languages": profile.language_list, "modes": profile.modes, "base": _org(profile.base),
        "session_minutes": profile.session_minutes, "buffer_minutes": profile.buffer_minutes,
        "min_notice_hours": profile.min_notice_hours, "horizon_days": profile.horizon_days,
        "monthly_cap": profile.monthly_cap, "auto_confirm": profile.auto_confirm, "is_active": profile.is_active,
    }
    if next_slots is not None:
        data["next_free_slots"] = [slot_json(s) for s in next_slots]
    return data


def booking_json(booking: Booking, viewer, tz: str | None = None) -> dict:
    """A booking for one of its parties (or an admin): UTC times, plus the viewer's zone."""
    tz = tz or viewer_timezone()
    is_mentor = viewer.id == booking.mentor.user_id
    mentor = booking.mentor
    data = {
        "id": booking.id, "uid": booking.uid, "status": booking.status,
        "mentor_id": booking.mentor_id, "mentor_name": mentor.display_name,
        "booker_id": booking.booker_id, "booker_name": booking.booker.display_name,
        "start": iso(booking.start_at), "end": iso(booking.end_at), "minutes": booking.minutes,
        "timezone": tz, "start_local": iso_in(booking.start_at, tz), "end_local": iso_in(booking.end_at, tz),
        "display": format_range(booking.start_at, booking.end_at, tz),
        "mentor_timezone": booking.timezone,
        "topic": booking.topic, "language": booking.language, "mode": booking.mode,
        "sequence": booking.sequence, "rescheduled_from_id": booking.rescheduled_from_id,
        "decision_note": booking.decision_note, "cancelled_by_id": booking.cancelled_by_id,
        "cancel_reason": booking.cancel_reason, "rating": booking.rating, "feedback": booking.feedback,
        "follow_up": booking.follow_up, "created_at": iso(booking.created_at),
        "meeting_link": mentor.meeting_link if booking.status == "confirmed" and booking.mode == "online" else None,
        "place": _org(mentor.base) if booking.mode == "in_person" else None,
        "ics_url": f"/api/v1/bookings/{booking.id}.ics" if has_calendar(booking) else None,
    }
    if is_mentor:
        data["mentor_notes"] = booking.mentor_notes
    return data


# --- helpers ----------------------------------------------------------------------

def _zone_arg(default: str | None = None) -> str:
    given = (request.args.get("tz") or "").strip()
    if not given:
        return default or viewer_timezone()
    if not is_valid_timezone(given):
        raise ApiError(400, "validation_error",
                       fields={"tz": [_("Choose a valid time zone, such as Asia/Urumqi.")]})
    return given


def _instant(value, name: str, tz: str) -> datetime:
    """An ISO 8601 instant with offset, or a date (midnight in ``tz``)."""
    if isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            if len(text) == 10:
                return datetime.combine(date.fromisoformat(text), time(), zone(tz)).astimezone(timezone.utc)
            parsed = datetime.fromisoformat(text)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed.astimezone(timezone.utc)
    raise ApiError(400, "validation_error", fields={name: [
        _("Give an ISO 8601 time with its offset, such as 2026-12-01T10:00:00+06:00.")]})


def _mentor(mentor_id: int) -> MentorProfile:
    profile = db.session.get(MentorProfile, mentor_id)
    if profile is None or not profile.user.is_enabled or not (
            profile.is_active or (current_user.is_authenticated and current_user.id == profile.user_id)):
        raise ApiError(404)
    return profile


def _booking(booking_id: int) -> Booking:
    booking = booking_services.visible_booking(booking_id, current_user)
    if booking is None:
        raise ApiError(404)
    return booking


def _own_profile() -> MentorProfile:
    if not current_user.has_role("mentor"):
        raise ApiError(403, message=_("Only mentors have availability."))
    return services.ensure_profile(current_user)


# --- mentors ----------------------------------------------------------------------

@bp.get("/mentors")
def mentors():
    """Active mentors, filtered by sector, language, city and mode, with their next free slots."""
    page, per_page = page_args()
    mode = request.args.get("mode") or None
    language = request.args.get("language") or None
    fields = {}
    if mode and mode not in MODES:
        fields["mode"] = [_("Choose one of: %(choices)s.", choices=", ".join(MODES))]
    if language and language not in LANGUAGE_LABELS:
        fields["language"] = [_("Choose one of: %(choices)s.", choices=", ".join(LANGUAGE_LABELS))]
    free = request.args.get("free_within_days")
    if free is not None and (not free.isdigit() or not 1 <= int(free) <= 60):
        fields["free_within_days"] = [_("Enter a whole number from 1 to %(max)s.", max=60)]
    if fields:
        raise ApiError(400, "validation_error", fields=fields)
    profiles, total, next_slots = services.directory(
        sector=request.args.get("sector") or None, language=language, city=request.args.get("city") or None,
        mode=mode, free_within_days=int(free) if free else None, page=page, per_page=per_page)
    return listing([mentor_json(p, next_slots.get(p.id, [])) for p in profiles], page, per_page, total)


@bp.get("/mentors/<int:mentor_id>")
def mentor(mentor_id: int):
    """One mentor with the next free slots."""
    profile = _mentor(mentor_id)
    return jsonify(mentor_json(profile, services.next_free_slots([profile])[profile.id]))


@bp.get("/mentors/me/availability")
@token_required
def my_availability():
    """The caller's availability rules (mentors only)."""
    profile = _own_profile()  # the unit of work keeps a profile created on the first call
    return jsonify(services.availability_json(profile))


@bp.put("/mentors/me/availability")
@token_required
def set_my_availability():
    """Replace the caller's weekly windows and exceptions and set the rules (all or nothing)."""
    profile = _own_profile()
    data = json_body()
    allowed = {"timezone", "weekly", "exceptions", "auto_confirm", *services.RULE_LIMITS}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ApiError(400, "validation_error", fields={name: [_("Unknown field.")] for name in unknown})
    auto_confirm = data.get("auto_confirm")
    if auto_confirm is not None and not isinstance(auto_confirm, bool):
        raise ApiError(400, "validation_error", fields={"auto_confirm": [_("true or false.")]})
    rules = {name: data[name] for name in services.RULE_LIMITS if name in data}
    try:
        services.set_availability(profile, current_user, timezone=data.get("timezone"), weekly=data.get("weekly"),
                                  exceptions=data.get("exceptions"), **rules)
    except services.InvalidInput as error:
        rollback()
        raise ApiError(400, "validation_error", fields=error.fields) from None
    if auto_confirm is not None:
        profile.auto_confirm = auto_confirm
    return jsonify(services.availability_json(profile))


@bp.get("/mentors/<int:mentor_id>/slots")
def mentor_slots(mentor_id: int):
    """Free slots in [from, to) as [{"start", "end"}] with the offset of ``tz``."""
    profile = _mentor(mentor_id)
    tz = _zone_arg()
    now = utcnow()
    start = _instant(request.args["from"], "from", tz) if request.args.get("from") else now
    end = _instant(request.args["to"], "to", tz) if request.args.get("to") else start + timedelta(days=14)
    if end <= start or end - start > MAX_SLOT_RANGE:
        raise ApiError(400, "validation_error", fields={"to": [
            _("Give a range of at most %(days)s days that ends after it starts.", days=MAX_SLOT_RANGE.days)]})
    minutes = request.args.get("minutes", type=int)
    viewer = current_user if current_user.is_authenticated else None
    slots = services.mentor_slots(profile, start, end, now=now, minutes=minutes, viewer=viewer)
    response = jsonify([slot_json(s, tz) for s in slots])
    response.headers["X-Collab-Timezone"] = tz
    return response


# --- bookings ----------------------------------------------------------------------

@bp.post("/bookings")
@token_required
def create_booking():
    """Book a free slot: 201, or 409 when it is taken."""
    data = json_body()
    mentor_id = data.get("mentor_id")
    if isinstance(mentor_id, bool) or not isinstance(mentor_id, int):
        raise ApiError(400, "validation_error", fields={"mentor_id": [_("This field is required.")]})
    profile = db.session.get(MentorProfile, mentor_id)
    if profile is None or not profile.user.is_enabled:
        raise ApiError(404)
    start = _instant(data.get("start"), "start", profile.timezone)
    minutes = data.get("minutes")
    if minutes is not None and (isinstance(minutes, bool) or not isinstance(minutes, int)):
        raise ApiError(400, "validation_error", fields={"minutes": [_("Enter a whole number.")]})
    for name in ("topic", "language", "mode"):
        if data.get(name) is not None and not isinstance(data.get(name), str):
            raise ApiError(400, "validation_error", fields={name: [_("This field is required.")]})
    booking = booking_services.book(profile, current_user, start, topic=data.get("topic") or "",
                                    language=data.get("language") or "", mode=data.get("mode"), minutes=minutes)
    return jsonify(booking_json(booking, current_user)), 201


@bp.get("/bookings")
@token_required
def list_bookings():
    """The caller's bookings, as booker and as mentor (``role``, ``status``, ``when`` filters)."""
    page, per_page = page_args()
    role = request.args.get("role") or None
    status = request.args.get("status") or None
    when = request.args.get("when") or None
    fields = {}
    if role not in (None, "booker", "mentor"):
        fields["role"] = [_("Choose one of: %(choices)s.", choices="booker, mentor")]
    if status and status not in BOOKING_STATUSES:
        fields["status"] = [_("Choose one of: %(choices)s.", choices=", ".join(BOOKING_STATUSES))]
    if when not in (None, "upcoming", "past"):
        fields["when"] = [_("Choose one of: %(choices)s.", choices="upcoming, past")]
    if fields:
        raise ApiError(400, "validation_error", fields=fields)
    tz = _zone_arg()
    statement = booking_services.bookings_of(current_user, role=role, status=status,
                                             upcoming={"upcoming": True, "past": False}.get(when))
    items, total = paginate(statement, page, per_page)
    return listing([booking_json(b, current_user, tz) for b in items], page, per_page, total)


@bp.get("/bookings/<int:booking_id>")
@token_required
def get_booking(booking_id: int):
    """One booking, for its parties."""
    return jsonify(booking_json(_booking(booking_id), current_user, _zone_arg()))


ACTIONS = ("confirm", "decline", "cancel", "complete", "no_show", "feedback", "notes", "reschedule")


@bp.post("/bookings/<int:booking_id>/<action>")
@token_required
def booking_action(booking_id: int, action: str):
    """confirm / decline {note} (mentor); cancel {reason} (either); complete (either), no_show (mentor);
    feedback {rating, comment} (booker); notes {notes, follow_up} (mentor); reschedule {start, reason}."""
    if action not in ACTIONS and action != "no-show":
        raise ApiError(404)
    booking = _booking(booking_id)
    data = request.get_json(silent=True) or {}
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request")
    text = {name: data.get(name) if isinstance(data.get(name), str) else None
            for name in ("note", "reason", "comment", "notes", "follow_up")}
    status = 200
    if action == "confirm":
        booking_services.confirm(booking, current_user)
    elif action == "decline":
        booking_services.decline(booking, current_user, text["note"])
    elif action == "cancel":
        booking_services.cancel(booking, current_user, text["reason"] or "")
    elif action == "complete":
        booking_services.close(booking, current_user, "completed")
    elif action in ("no_show", "no-show"):
        booking_services.close(booking, current_user, "no_show")
    elif action == "feedback":
        booking_services.give_feedback(booking, current_user, data.get("rating"), text["comment"])
    elif action == "notes":
        booking_services.save_notes(booking, current_user, text["notes"], text["follow_up"])
    elif action == "reschedule":
        start = _instant(data.get("start"), "start", booking.timezone)
        booking = booking_services.reschedule(booking, current_user, start, text["reason"])
        status = 201
    return jsonify(booking_json(booking, current_user)), status


@bp.get("/bookings/<int:booking_id>.ics")
@token_required
def booking_calendar(booking_id: int):
    """The iCalendar file of a confirmed (or since cancelled) booking."""
    from ..i18n import current_lang

    booking = _booking(booking_id)
    if not has_calendar(booking):
        raise ApiError(404, message=_("This booking has no calendar entry until it is confirmed."))
    return Response(booking_ics(booking, lang=current_lang()), mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="collab-session-{booking.id}.ics"'})
