"""Bookings: request, confirm, decline, cancel, reschedule, close, feedback, notes,
and the reminders. No double booking, ever (docs/DESIGN.md §2):

* the mentor's row is locked before the overlap check (``SELECT … FOR UPDATE`` on
  PostgreSQL; on SQLite every write transaction already holds the database's write lock
  through ``BEGIN IMMEDIATE``, see collab/db.py), so check-then-insert is atomic;
* a partial unique index on (mentor, start) of live bookings catches same-slot races on
  both databases, and on PostgreSQL an exclusion constraint rejects any overlap;
* their violations (and a deadlock) become ``SlotTaken``, which pages and the API show
  as a form error / 409.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from babel.dates import format_skeleton
from flask_babel import get_locale, lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from .. import audit
from ..db import utcnow
from ..errors import NotAllowed, ServiceError, WrongState
from ..extensions import db
from ..mail.service import send_email
from .models import LIVE_STATUSES, SESSION_LENGTHS, Booking, MentorProfile
from .services import rules_for
from .slots import is_open_slot, zone

logger = logging.getLogger("collab.mentors")

# Bookings that count towards a booker's monthly cap with a mentor.
COUNTED_STATUSES = ("requested", "confirmed", "completed", "no_show")
TOPIC_MAX = 1000
TEXT_MAX = 5000


class SlotTaken(WrongState):
    """The time is not free (any more): 409 ``slot_taken``, about the ``start`` field."""

    code = "slot_taken"

    def __init__(self, message=None, field: str | None = "start"):
        super().__init__(message or _l("This time is no longer free; please pick another slot."), field)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ServiceError(_l("Give the time with its time zone offset."), "start")
    return value.astimezone(timezone.utc)


def _is_conflict(error: Exception) -> bool:
    """Unique (23505) and exclusion (23P01) violations, deadlocks (40P01), serialization (40001)."""
    code = getattr(getattr(error, "orig", None), "sqlstate", None)
    if code in ("23505", "23P01", "40P01", "40001"):
        return True
    text = str(getattr(error, "orig", error))
    return "UNIQUE constraint failed: bookings" in text


def _lock_mentor(mentor_id: int) -> None:
    # FOR UPDATE is left out on SQLite, where BEGIN IMMEDIATE already serialises writers.
    db.session.execute(select(MentorProfile.id).where(MentorProfile.id == mentor_id).with_for_update())


def overlapping(mentor_id: int, start: datetime, end: datetime, buffer_minutes: int = 0,
                exclude_id: int | None = None) -> bool:
    """Is there a live booking of this mentor closer than the buffer to [start, end)?"""
    buffer = timedelta(minutes=buffer_minutes)
    statement = select(func.count(Booking.id)).where(
        Booking.mentor_id == mentor_id, Booking.status.in_(LIVE_STATUSES),
        Booking.start_at < end + buffer, Booking.end_at > start - buffer)
    if exclude_id is not None:
        statement = statement.where(Booking.id != exclude_id)
    return bool(db.session.scalar(statement))


def _claim_slot(mentor_id: int, start: datetime, end: datetime, buffer_minutes: int) -> None:
    """Lock the mentor, then check the slot is free: SlotTaken if not. (The race test
    swaps this for a naive check to show that double bookings get through without it.)"""
    _lock_mentor(mentor_id)
    if overlapping(mentor_id, start, end, buffer_minutes):
        raise SlotTaken()


def month_bounds(instant: datetime, tz_name: str) -> tuple[datetime, datetime]:
    """The UTC bounds of the calendar month of ``instant`` in the mentor's zone."""
    tz = zone(tz_name)
    local = instant.astimezone(tz)
    first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (first + timedelta(days=32)).replace(day=1)
    return first.astimezone(timezone.utc), following.replace(tzinfo=tz).astimezone(timezone.utc)


def sessions_in_month(profile: MentorProfile, booker_id: int, instant: datetime) -> int:
    start, end = month_bounds(instant, profile.timezone)
    return db.session.scalar(select(func.count(Booking.id)).where(
        Booking.mentor_id == profile.id, Booking.booker_id == booker_id,
        Booking.status.in_(COUNTED_STATUSES), Booking.start_at >= start, Booking.start_at < end)) or 0


def validate_request(profile: MentorProfile, booker, start: datetime, *, topic: str, language: str,
                     mode: str | None, minutes: int | None, now: datetime) -> tuple[datetime, int, str]:
    """Everything about a request that holds without looking at other bookings."""
    if booker is None or not getattr(booker, "is_authenticated", False):
        raise NotAllowed(_l("Log in to book a session."))
    if booker.id == profile.user_id:
        raise NotAllowed(_l("You cannot book a session with yourself."))
    if not profile.is_active or not profile.user.is_enabled:
        raise ServiceError(_l("This mentor is not taking bookings at the moment."), "mentor_id")
    if not isinstance(topic, str) or not topic.strip():
        raise ServiceError(_l("Say what you would like to talk about."), "topic")
    if len(topic) > TOPIC_MAX:
        raise ServiceError(_l("The topic has at most %(n)s characters.", n=TOPIC_MAX), "topic")
    if language not in profile.language_list:
        raise ServiceError(_l("Choose a language this mentor speaks."), "language")
    if not mode and profile.modes:
        mode = profile.modes[0]
    if mode not in profile.modes:
        raise ServiceError(_l("Choose a way of meeting this mentor offers."), "mode")
    minutes = minutes or profile.session_minutes
    if minutes not in SESSION_LENGTHS or minutes > profile.session_minutes:
        raise ServiceError(_l("Choose a session length of at most %(n)s minutes.", n=profile.session_minutes),
                           "minutes")
    start = _aware(start)
    rules = rules_for(profile)
    if start <= now:
        raise ServiceError(_l("This time has already passed."), "start")
    if start < rules.earliest(now):
        raise ServiceError(_l("This mentor needs at least %(hours)s hours' notice.", hours=profile.min_notice_hours),
                           "start")
    if start > rules.latest(now):
        raise ServiceError(_l("This mentor takes bookings up to %(days)s days ahead.", days=profile.horizon_days),
                           "start")
    if not is_open_slot(rules, start, minutes):
        raise ServiceError(_l("This time is outside the mentor's availability."), "start")
    return start, minutes, mode


def book(profile: MentorProfile, booker, start: datetime, *, topic: str, language: str, mode: str | None = None,
         minutes: int | None = None, now: datetime | None = None, rescheduled_from: Booking | None = None,
         confirmed_by_mentor: bool = False) -> Booking:
    """Request a session in a free slot (confirmed at once with auto-confirm); SlotTaken if not free."""
    now = now or utcnow()
    start, minutes, mode = validate_request(profile, booker, start, topic=topic, language=language, mode=mode,
                                            minutes=minutes, now=now)
    end = start + timedelta(minutes=minutes)
    _claim_slot(profile.id, start, end, profile.buffer_minutes)
    if profile.monthly_cap and sessions_in_month(profile, booker.id, start) >= profile.monthly_cap:
        month = format_skeleton("yMMMM", start.astimezone(zone(profile.timezone)), locale=str(get_locale()))
        raise ServiceError(_l("You already have %(count)s sessions with this mentor in %(month)s, the most one "
                              "person may book per month (months count in the mentor's time zone).",
                              count=profile.monthly_cap, month=month), "start")
    booking = Booking(mentor=profile, booker=booker, start_at=start, end_at=end, topic=topic.strip(),
                      language=language, mode=mode, timezone=profile.timezone, status="requested",
                      rescheduled_from=rescheduled_from)
    try:
        with db.session.begin_nested():
            db.session.add(booking)
            db.session.flush()
    except (IntegrityError, OperationalError) as error:
        if _is_conflict(error):
            raise SlotTaken() from error
        raise
    audit.record(booker, "booking.requested", "booking", booking.id, mentor_id=profile.id,
                 start=start.isoformat(), rescheduled_from=getattr(rescheduled_from, "id", None))
    if profile.auto_confirm or confirmed_by_mentor:
        _confirm(booking, profile.user if confirmed_by_mentor else None, now)
    else:
        send_email(profile.user, "booking_requested", booking=booking)
    return booking


# --- state changes ------------------------------------------------------------

def _lock(booking: Booking) -> None:
    """Re-read the booking under a row lock, so two state changes never cross (PostgreSQL;
    SQLite's write transactions are serial already)."""
    db.session.flush()  # keep this transaction's own changes
    # Lock the row alone (PostgreSQL refuses FOR UPDATE over the eager outer joins), then re-read.
    db.session.execute(select(Booking.id).where(Booking.id == booking.id).with_for_update())
    db.session.refresh(booking)


def _require_mentor(booking: Booking, actor) -> None:
    if actor is None or actor.id != booking.mentor.user_id:
        raise NotAllowed(_l("Only the mentor can do this."))


def _require_party(booking: Booking, actor) -> None:
    if actor is None or actor.id not in (booking.booker_id, booking.mentor.user_id):
        raise NotAllowed(_l("Only the mentor and the person who booked can do this."))


def _require_status(booking: Booking, *statuses: str) -> None:
    if booking.status not in statuses:
        raise WrongState(_l("This booking is no longer in a state that allows this."))


def _confirm(booking: Booking, actor, now: datetime) -> None:
    from .calendar import booking_ics

    booking.status = "confirmed"
    booking.confirmed_at = now
    # A session confirmed inside a reminder's lead time needs no separate reminder:
    # the confirmation itself is the message.
    if booking.start_at - now <= timedelta(hours=24):
        booking.reminded_24h_at = now
    if booking.start_at - now <= timedelta(hours=1):
        booking.reminded_1h_at = now
    db.session.flush()
    audit.record(actor, "booking.confirmed", "booking", booking.id)
    for user in (booking.booker, booking.mentor.user):
        send_email(user, "booking_confirmed", booking=booking, ics=booking_ics(booking, lang=user.locale))


def confirm(booking: Booking, actor, now: datetime | None = None) -> None:
    """The mentor accepts a request."""
    now = now or utcnow()
    _lock(booking)
    _require_mentor(booking, actor)
    _require_status(booking, "requested")
    if booking.start_at <= now:
        raise WrongState(_l("This session has already started; it can no longer be confirmed."))
    _confirm(booking, actor, now)


def decline(booking: Booking, actor, note: str | None = None, now: datetime | None = None) -> None:
    """The mentor declines a request, optionally saying why."""
    _lock(booking)
    _require_mentor(booking, actor)
    _require_status(booking, "requested")
    booking.status = "declined"
    booking.decision_note = (note or "").strip()[:TEXT_MAX] or None
    audit.record(actor, "booking.declined", "booking", booking.id)
    send_email(booking.booker, "booking_declined", booking=booking)


def cancel(booking: Booking, actor, reason: str, now: datetime | None = None, notify: bool = True) -> None:
    """Either side cancels a live booking before it starts, with a reason."""
    from .calendar import booking_ics

    now = now or utcnow()
    _lock(booking)
    _require_party(booking, actor)
    _require_status(booking, *LIVE_STATUSES)
    if booking.start_at <= now:
        raise WrongState(_l("This session has already started; it can no longer be cancelled."))
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_l("Give a reason, so the other side knows why."), "reason")
    was_confirmed = booking.status == "confirmed"
    booking.status = "cancelled"
    booking.cancelled_by_id = actor.id
    booking.cancel_reason = reason[:TEXT_MAX]
    booking.cancelled_at = now
    if was_confirmed:
        booking.sequence += 1  # the calendar entry changes: a higher SEQUENCE with METHOD:CANCEL
    db.session.flush()
    audit.record(actor, "booking.cancelled", "booking", booking.id, reason=booking.cancel_reason)
    if notify:
        other = booking.mentor.user if actor.id == booking.booker_id else booking.booker
        send_email(other, "booking_cancelled", booking=booking,
                   ics=booking_ics(booking, lang=other.locale) if was_confirmed else None)


def reschedule(booking: Booking, actor, new_start: datetime, reason: str | None = None,
               now: datetime | None = None) -> Booking:
    """Cancel + a new booking linked to the old one, in one transaction (all or nothing)."""
    now = now or utcnow()
    _require_party(booking, actor)
    _require_status(booking, *LIVE_STATUSES)
    by_mentor = actor.id == booking.mentor.user_id
    cancel(booking, actor, reason or str(_l("Rescheduled")), now=now)
    return book(booking.mentor, booking.booker, new_start, topic=booking.topic, language=booking.language,
                mode=booking.mode, minutes=booking.minutes if booking.minutes in SESSION_LENGTHS else None,
                now=now, rescheduled_from=booking,
                # The mentor chose the new time, so it needs no second confirmation.
                confirmed_by_mentor=by_mentor)


def close(booking: Booking, actor, outcome: str, now: datetime | None = None) -> None:
    """After its end, a confirmed session is marked completed (either side) or no-show (the mentor)."""
    now = now or utcnow()
    _lock(booking)
    if outcome == "no_show":
        _require_mentor(booking, actor)
    else:
        _require_party(booking, actor)
    _require_status(booking, "confirmed")
    if booking.end_at > now:
        raise WrongState(_l("A session can be closed only after it has ended."))
    booking.status = "completed" if outcome == "completed" else "no_show"
    booking.closed_at = now
    audit.record(actor, f"booking.{booking.status}", "booking", booking.id)


def give_feedback(booking: Booking, actor, rating, comment: str | None = None, now: datetime | None = None) -> None:
    """The booker rates a completed session from 1 to 5, with an optional comment."""
    _lock(booking)
    if actor is None or actor.id != booking.booker_id:
        raise NotAllowed(_l("Only the person who booked can rate the session."))
    _require_status(booking, "completed")
    try:
        value = None if isinstance(rating, bool) else int(str(rating).strip())
    except ValueError:
        value = None
    if value not in range(1, 6):
        raise ServiceError(_l("Rate the session from 1 to 5."), "rating")
    booking.rating = value
    booking.feedback = (comment or "").strip()[:TEXT_MAX] or None
    booking.feedback_at = now or utcnow()
    audit.record(actor, "booking.feedback", "booking", booking.id, rating=booking.rating)


def save_notes(booking: Booking, actor, notes: str | None, follow_up: str | None) -> None:
    """The mentor's private notes and a follow-up suggestion (shown to the booker)."""
    _lock(booking)
    _require_mentor(booking, actor)
    _require_status(booking, "confirmed", "completed", "no_show")
    booking.mentor_notes = (notes or "").strip()[:TEXT_MAX] or None
    booking.follow_up = (follow_up or "").strip()[:TEXT_MAX] or None


# --- reading ------------------------------------------------------------------

def visible_booking(booking_id: int, viewer) -> Booking | None:
    """A booking its parties (and admins, read-only) may see; None for anyone else."""
    booking = db.session.get(Booking, booking_id)
    if booking is None or viewer is None or not viewer.is_authenticated:
        return None
    if booking.is_party(viewer) or viewer.is_admin:
        return booking
    return None


def bookings_of(user, *, role: str | None = None, status: str | None = None, upcoming: bool | None = None,
                now: datetime | None = None):
    """A select of the user's bookings as booker and/or mentor (newest sessions first)."""
    from .services import profile_of

    now = now or utcnow()
    profile = profile_of(user)
    conditions = []
    if role in (None, "booker"):
        conditions.append(Booking.booker_id == user.id)
    if role in (None, "mentor") and profile is not None:
        conditions.append(Booking.mentor_id == profile.id)
    if not conditions:
        return select(Booking).where(Booking.id.is_(None))
    statement = select(Booking).where(or_(*conditions))
    if status:
        statement = statement.where(Booking.status == status)
    if upcoming is True:
        statement = statement.where(Booking.end_at > now).order_by(Booking.start_at)
    elif upcoming is False:
        statement = statement.where(Booking.end_at <= now).order_by(Booking.start_at.desc())
    else:
        statement = statement.order_by(Booking.start_at.desc())
    return statement


def mentor_dashboard(profile: MentorProfile, now: datetime | None = None) -> dict:
    """Upcoming sessions, pending requests, hours mentored this month (mentor's zone), average rating."""
    now = now or utcnow()
    start, end = month_bounds(now, profile.timezone)
    upcoming = list(db.session.scalars(
        select(Booking).where(Booking.mentor_id == profile.id, Booking.status.in_(LIVE_STATUSES),
                              Booking.end_at > now).order_by(Booking.start_at).limit(20)))
    completed = db.session.execute(
        select(Booking.start_at, Booking.end_at).where(
            Booking.mentor_id == profile.id, Booking.status == "completed",
            Booking.start_at >= start, Booking.start_at < end)).all()
    minutes = sum((e - s) / timedelta(minutes=1) for s, e in completed)
    average, ratings = db.session.execute(
        select(func.avg(Booking.rating), func.count(Booking.rating)).where(
            Booking.mentor_id == profile.id, Booking.rating.is_not(None))).one()
    to_close = db.session.scalar(select(func.count(Booking.id)).where(
        Booking.mentor_id == profile.id, Booking.status == "confirmed", Booking.end_at <= now))
    return {"upcoming": upcoming, "requests": [b for b in upcoming if b.status == "requested"],
            "hours_this_month": round(minutes / 60, 1), "sessions_this_month": len(completed),
            "average_rating": round(float(average), 2) if average is not None else None,
            "ratings": ratings, "to_close": to_close}


def admin_stats(now: datetime | None = None) -> dict:
    """Sessions per mentor and per base (the mentor's organisation), by status, with hours and rating."""
    from ..auth.models import User

    now = now or utcnow()
    rows = db.session.execute(
        select(MentorProfile.id, User.display_name, MentorProfile.organisation_id, Booking.status,
               func.count(Booking.id), func.avg(Booking.rating))
        .join(User, User.id == MentorProfile.user_id)
        .join(Booking, Booking.mentor_id == MentorProfile.id)
        .group_by(MentorProfile.id, User.display_name, MentorProfile.organisation_id, Booking.status)).all()
    durations = db.session.execute(
        select(Booking.mentor_id, Booking.start_at, Booking.end_at).where(Booking.status == "completed")).all()
    minutes: dict[int, float] = {}
    for mentor_id, s, e in durations:
        minutes[mentor_id] = minutes.get(mentor_id, 0) + (e - s) / timedelta(minutes=1)
    ratings = dict(db.session.execute(
        select(Booking.mentor_id, func.avg(Booking.rating)).where(Booking.rating.is_not(None))
        .group_by(Booking.mentor_id)).all())
    mentors: dict[int, dict] = {}
    for mentor_id, name, org_id, status, count, _avg in rows:
        entry = mentors.setdefault(mentor_id, {"id": mentor_id, "name": name, "organisation_id": org_id,
                                               "counts": {}, "total": 0})
        entry["counts"][status] = count
        entry["total"] += count
    for entry in mentors.values():
        entry["hours"] = round(minutes.get(entry["id"], 0) / 60, 1)
        rating = ratings.get(entry["id"])
        entry["average_rating"] = round(float(rating), 2) if rating is not None else None
    from ..orgs.models import Organisation

    org_ids = {m["organisation_id"] for m in mentors.values() if m["organisation_id"]}
    orgs = {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(org_ids)))} \
        if org_ids else {}
    bases: dict[int | None, dict] = {}
    for entry in mentors.values():
        base = bases.setdefault(entry["organisation_id"], {"organisation": orgs.get(entry["organisation_id"]),
                                                           "counts": {}, "total": 0, "hours": 0.0, "mentors": 0})
        base["mentors"] += 1
        base["total"] += entry["total"]
        base["hours"] = round(base["hours"] + entry["hours"], 1)
        for status, count in entry["counts"].items():
            base["counts"][status] = base["counts"].get(status, 0) + count
    by_mentor = sorted(mentors.values(), key=lambda m: (-m["total"], m["name"]))
    by_base = sorted(bases.values(), key=lambda b: -b["total"])
    return {"mentors": by_mentor, "bases": by_base, "organisations": orgs}


# --- reminders ----------------------------------------------------------------

REMINDERS = (
    # kind, column, lead time, and no earlier than (a 24-hour reminder that fell inside
    # the last hour is dropped: the 1-hour one goes instead)
    ("24h", Booking.reminded_24h_at, timedelta(hours=24), timedelta(hours=1)),
    ("1h", Booking.reminded_1h_at, timedelta(hours=1), timedelta(0)),
)


def send_due_reminders(now: datetime | None = None) -> int:
    """Send every due reminder exactly once: each is claimed with a conditional UPDATE
    (sent_at IS NULL), and the claim and its e-mails commit together."""
    now = now or utcnow()
    sent = 0
    for kind, column, lead, floor in REMINDERS:
        due = db.session.scalars(
            select(Booking.id).where(Booking.status == "confirmed", column.is_(None),
                                     Booking.start_at > now + floor, Booking.start_at <= now + lead)
            .order_by(Booking.start_at)).all()
        for booking_id in due:
            claimed = db.session.execute(
                update(Booking).where(Booking.id == booking_id, column.is_(None), Booking.status == "confirmed")
                .values({column: now}).execution_options(synchronize_session=False)).rowcount
            if claimed != 1:
                continue
            booking = db.session.get(Booking, booking_id)
            db.session.refresh(booking)
            for user in (booking.booker, booking.mentor.user):
                send_email(user, "booking_reminder", booking=booking, lead=kind)
            sent += 1
    return sent
