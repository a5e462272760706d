"""What organisers do with registrations: the attendee list, its exports, attendance,
and messages to all registrants.

Organisers are the event kind's owners (``EVENTS.owns``): admins, the creator and the
host organisation's approved staff. Services flush; the unit of work commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..audit import AuditEntry, record
from ..db import MAX_ID, utcnow
from ..errors import NotAllowed, NotFound, ServiceError, WrongState
from ..extensions import db
from .models import Event, Registration
from .services import ACTIVE, _lock, counts

# Attendance is marked from the start of the event until this long after its end.
ATTENDANCE_GRACE = timedelta(days=30)
# The same message to the same event again within this time is a double submit.
DUPLICATE_WINDOW = timedelta(minutes=10)
MESSAGE_ACTION = "event.message"


def is_organiser(event: Event, user) -> bool:
    from .kind import EVENTS

    return EVENTS.owns(event, user)


def _require_organiser(event: Event, user, message) -> None:
    if not is_organiser(event, user):
        raise NotAllowed(message)


# --- the attendee list ------------------------------------------------------------------

@dataclass(frozen=True)
class Attendee:
    """One line of the attendee list: its number, the registration, and for those
    waiting their place on the waiting list (1 = next to move up)."""

    number: int
    registration: Registration
    waitlist_position: int | None

    @property
    def user(self):
        return self.registration.user

    @property
    def organisation(self):
        return self.registration.user.organisation


def attendees(event: Event) -> list[Attendee]:
    """Registered people, then the waiting list, each in arrival order (one query:
    each registration with its person and their organisation)."""
    from ..auth.models import User

    registrations = db.session.scalars(
        select(Registration).where(Registration.event_id == event.id, Registration.status.in_(ACTIVE))
        .options(joinedload(Registration.user).joinedload(User.organisation))
        .order_by(Registration.status, Registration.sequence)).unique().all()
    rows, waiting = [], 0
    for number, registration in enumerate(registrations, start=1):
        position = None
        if registration.status == "waitlisted":
            waiting += 1
            position = waiting
        rows.append(Attendee(number, registration, position))
    return rows


def cancelled(event: Event) -> list[Attendee]:
    """Those who gave up their place or left the waiting list, in the order they cancelled."""
    from ..auth.models import User

    registrations = db.session.scalars(
        select(Registration).where(Registration.event_id == event.id, Registration.status == "cancelled")
        .options(joinedload(Registration.user).joinedload(User.organisation))
        .order_by(Registration.cancelled_at, Registration.id)).unique().all()
    return [Attendee(number, registration, None) for number, registration in enumerate(registrations, start=1)]


def attendee_of(registration: Registration) -> Attendee:
    """One registration as a line of the list (its number is not computed: 0)."""
    from .services import waitlist_position

    return Attendee(0, registration, waitlist_position(registration))


def organiser_counts(event: Event) -> dict:
    """Places, registered, waiting and attended (and marked absent) for the organisers."""
    figures = counts(event)
    figures["absent"] = db.session.scalar(select(func.count(Registration.id)).where(
        Registration.event_id == event.id, Registration.status.in_(ACTIVE), Registration.attended.is_(False))) or 0
    return figures


# --- attendance ------------------------------------------------------------------------

def attendance_open(event: Event, now: datetime | None = None) -> bool:
    """Attendance is marked once the event has begun, for a month after it ends, while it
    is published or held (not a draft, not a cancelled event)."""
    now = now or utcnow()
    return event.status in ("published", "held") and event.starts_at <= now <= event.ends_at + ATTENDANCE_GRACE


def attendance_hint(event: Event, now: datetime | None = None):
    """Why attendance cannot be marked now, or None when it can."""
    now = now or utcnow()
    return None if attendance_open(event, now) else _attendance_refusal(event, now)


def _attendance_refusal(event: Event, now: datetime):
    if event.status not in ("published", "held"):
        return _l("Attendance is marked only for events that take place.")
    if now < event.starts_at:
        return _l("Attendance can be marked once the event has begun.")
    return _l("Attendance can no longer be marked: the event ended more than 30 days ago.")


def registration_for(event: Event, registration_id) -> Registration:
    """The registration ``registration_id`` of ``event`` (404 for another event's or none)."""
    if not isinstance(registration_id, int) or isinstance(registration_id, bool) or not 0 < registration_id <= MAX_ID:
        raise NotFound(_l("This registration does not exist."))
    registration = db.session.scalar(select(Registration).where(Registration.id == registration_id,
                                                                Registration.event_id == event.id))
    if registration is None:
        raise NotFound(_l("This registration does not exist."))
    return registration


def mark_attendance(event: Event, registration_id: int, attended: bool | None, actor,
                    now: datetime | None = None) -> Registration:
    """Record whether a registrant came (True), did not (False), or clear it (None)."""
    _require_organiser(event, actor, _l("Only the organisers mark attendance."))
    registration = registration_for(event, registration_id)
    now = now or utcnow()
    if not attendance_open(event, now):
        raise WrongState(_attendance_refusal(event, now), code="attendance_closed")
    if registration.status not in ACTIVE:
        raise WrongState(_l("This registration is cancelled: there is no attendance to mark."))
    if attended not in (True, False, None):
        raise ServiceError(_l("Choose attended, absent or not marked."), "attended")
    registration.attended = attended
    db.session.flush()
    return registration


# --- messages to all registrants --------------------------------------------------------

def send_message(event: Event, actor, subject: str, body: str, *, include_waitlist: bool = False,
                 now: datetime | None = None) -> int:
    """Tell every registered person (and, if asked, the waiting list) the organisers'
    message, in-app and by e-mail, once each; the message is kept in the audit trail.
    The same message sent again within minutes is refused as a double submit.
    Returns how many people it reached."""
    from .notices import tell_registrant
    from .services import active_registrations

    _require_organiser(event, actor, _l("Only the organisers write to the registrants."))
    if event.status == "draft":
        raise WrongState(_l("Publish the event before writing to its registrants."))
    subject, body = (subject or "").strip(), (body or "").strip()
    if not subject:
        raise ServiceError(_l("Give the message a subject."), "subject")
    if not body:
        raise ServiceError(_l("Write the message."), "body")
    now = now or utcnow()
    _lock(event)  # two submits of one form: the second waits, then sees the first
    recipients = active_registrations(event, ACTIVE if include_waitlist else ("registered",))
    if not recipients:
        raise ServiceError(_l("Nobody is registered yet: there is nobody to write to."))
    for entry in db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == MESSAGE_ACTION, AuditEntry.target_type == "event", AuditEntry.target_id == event.id,
            AuditEntry.created_at >= now - DUPLICATE_WINDOW)):
        details = entry.details or {}
        if details.get("subject") == subject and details.get("body") == body:
            raise WrongState(_l("This message was sent a moment ago; it is not sent twice."), code="already_sent")
    entry = record(actor, MESSAGE_ACTION, "event", event.id, subject=subject, body=body,
                   include_waitlist=bool(include_waitlist), recipients=len(recipients))
    entry.created_at = now
    db.session.flush()
    for registration in recipients:
        tell_registrant(registration, "event_message", dedupe_key=f"event_message:{entry.id}:{registration.id}",
                        subject=subject, body=body)
    return len(recipients)


def sent_messages(event: Event, limit: int = 50) -> list[AuditEntry]:
    """The organisers' messages about ``event``, the latest first."""
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == MESSAGE_ACTION, AuditEntry.target_type == "event",
                                 AuditEntry.target_id == event.id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(limit)))


# --- the event page -----------------------------------------------------------------------

def organiser_context(event, viewer) -> dict:
    """What the event page shows organisers beyond the shared parts: the counts and the
    ways to the attendee list, its exports and the message form (nothing for others)."""
    if not is_organiser(event, viewer):
        return {"organiser_panel": None}
    messages = db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == MESSAGE_ACTION, AuditEntry.target_type == "event", AuditEntry.target_id == event.id))
    return {"organiser_panel": {"counts": organiser_counts(event), "attendance_open": attendance_open(event),
                                "may_message": event.status != "draft", "messages_sent": messages or 0}}
