"""Registration for events: places up to the capacity, then a waiting list that moves up
by itself; the notices registrants get; and the figures the reports read.

Registering, cancelling and changing the capacity take the event's row lock first
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's write transactions are serial), so
places and waiting-list order stay exact under any number of simultaneous requests.
Services flush; the unit of work commits.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from ..db import utcnow
from ..errors import NotAllowed, NotFound, WrongState
from ..extensions import db
from .models import Event, Registration

ACTIVE = ("registered", "waitlisted")
# Changes to these fields of a published event are announced to its registrants (a new
# zone alone moves no instant: the times people hold stay right, so it is not announced).
ANNOUNCED_FIELDS = frozenset({"starts_at", "ends_at", "place_zh", "place_en", "online_url"})
REMINDER_LEAD = timedelta(hours=24)


def _within_reminder_lead(event: Event, now: datetime) -> bool:
    """True when the day-before reminder's moment has come: a place given (or a time
    announced) now already tells the person everything a reminder would."""
    return now >= event.starts_at - REMINDER_LEAD


def _lock(event: Event) -> None:
    db.session.execute(select(Event.id).where(Event.id == event.id).with_for_update())


def _count(event_id: int, status: str) -> int:
    return db.session.scalar(select(func.count(Registration.id)).where(
        Registration.event_id == event_id, Registration.status == status)) or 0


def registration_of(event: Event, user) -> Registration | None:
    """``user``'s registration for ``event`` (cancelled ones included), or None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(Registration).where(Registration.event_id == event.id,
                                                        Registration.user_id == user.id))


def registration_open(event: Event, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return event.status == "published" and now < event.registration_deadline and now < event.starts_at


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first on the waiting list; None when not waiting."""
    if registration.status != "waitlisted":
        return None
    ahead = db.session.scalar(select(func.count(Registration.id)).where(
        Registration.event_id == registration.event_id, Registration.status == "waitlisted",
        Registration.sequence < registration.sequence)) or 0
    return ahead + 1


def register(event: Event, user, now: datetime | None = None) -> Registration:
    """A place for ``user`` while there are places, else the end of the waiting list."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotAllowed(_l("Sign in to register."))
    _lock(event)
    db.session.refresh(event)
    if not registration_open(event, now):
        raise WrongState(_l("Registration for this event is closed."), code="registration_closed")
    registration = registration_of(event, user)
    if registration is not None and registration.status in ACTIVE:
        raise WrongState(_l("You are already registered for this event."), code="already_registered")
    sequence = (db.session.scalar(select(func.max(Registration.sequence))
                                  .where(Registration.event_id == event.id)) or 0) + 1
    has_place = _count(event.id, "registered") < event.capacity
    if registration is None:
        registration = Registration(event_id=event.id, user_id=user.id)
        db.session.add(registration)
    now = now or utcnow()
    registration.status = "registered" if has_place else "waitlisted"
    registration.sequence = sequence
    registration.created_at = now
    registration.registered_at = now if has_place else None
    registration.cancelled_at = None
    registration.attended = None
    # Registering on the eve: the confirmation is the reminder (no second message an hour later).
    registration.reminder_sent_at = now if has_place and _within_reminder_lead(event, now) else None
    db.session.flush()
    from .notices import tell_registrant

    tell_registrant(registration, "event_registered" if has_place else "event_waitlisted")
    return registration


def cancel_registration(event: Event, user, now: datetime | None = None) -> Registration:
    """Give up a place (or leave the waiting list); the first waiting moves up."""
    _lock(event)
    db.session.refresh(event)
    registration = registration_of(event, user)
    if registration is None or registration.status not in ACTIVE:
        raise NotFound(_l("You are not registered for this event."))
    now = now or utcnow()
    if event.status != "published" or now >= event.starts_at:
        raise WrongState(_l("This event has begun or is over: registrations can no longer be cancelled."))
    had_place = registration.status == "registered"
    registration.status = "cancelled"
    registration.cancelled_at = now
    db.session.flush()
    from .notices import tell_registrant

    tell_registrant(registration, "event_registration_cancelled")
    if had_place:
        fill_places(event, now)
    return registration


def fill_places(event: Event, now: datetime | None = None) -> list[Registration]:
    """Move the first waiting up into free places, in order; each is told once.
    (The caller holds the event's lock.)"""
    if event.status != "published":
        return []
    free = event.capacity - _count(event.id, "registered")
    if free <= 0:
        return []
    moved = list(db.session.scalars(
        select(Registration).where(Registration.event_id == event.id, Registration.status == "waitlisted")
        .order_by(Registration.sequence).limit(free)))
    from .notices import tell_registrant

    now = now or utcnow()
    for registration in moved:
        registration.status = "registered"
        registration.registered_at = now
        # Moved up on the eve: the move-up notice is the reminder.
        registration.reminder_sent_at = now if _within_reminder_lead(event, now) else None
    db.session.flush()
    for registration in moved:
        tell_registrant(registration, "event_moved_up",
                        dedupe_key=f"event_moved_up:{registration.id}:{registration.sequence}")
    return moved


def active_registrations(event: Event, statuses=ACTIVE) -> list[Registration]:
    """Registrations in these statuses: places first, then the waiting list, each in order."""
    # "registered" sorts before "waitlisted" (and "cancelled" before both).
    return list(db.session.scalars(
        select(Registration).where(Registration.event_id == event.id, Registration.status.in_(statuses))
        .order_by(Registration.status, Registration.sequence)))


def counts(event: Event) -> dict:
    """Places, registrations, the waiting list and attendance of one event."""
    rows = dict(db.session.execute(
        select(Registration.status, func.count(Registration.id)).where(Registration.event_id == event.id)
        .group_by(Registration.status)).all())
    attended = db.session.scalar(select(func.count(Registration.id)).where(
        Registration.event_id == event.id, Registration.attended.is_(True))) or 0
    registered = rows.get("registered", 0)
    return {"capacity": event.capacity, "registered": registered, "waitlisted": rows.get("waitlisted", 0),
            "places_left": max(event.capacity - registered, 0), "attended": attended}


def place_counts(events) -> dict[int, int]:
    """Registered people per event of a page (one grouped query)."""
    ids = [event.id for event in events]
    if not ids:
        return {}
    return dict(db.session.execute(
        select(Registration.event_id, func.count(Registration.id))
        .where(Registration.event_id.in_(ids), Registration.status == "registered")
        .group_by(Registration.event_id)).all())


def hosts_with_events() -> list:
    """Organisations hosting public events (the listing's organisation filter)."""
    from ..orgs.models import Organisation

    return list(db.session.scalars(
        select(Organisation).where(Organisation.id.in_(
            select(Event.organisation_id).where(Event.status.in_(("published", "cancelled", "held")))))
        .order_by(Organisation.id).limit(200)))


def upcoming(limit: int = 3, organisation_id: int | None = None, now: datetime | None = None) -> list[Event]:
    """Published events not yet over, soonest first (home page, organisation pages)."""
    statement = select(Event).where(Event.status == "published", Event.ends_at >= (now or utcnow()))
    if organisation_id is not None:
        statement = statement.where(Event.organisation_id == organisation_id)
    return list(db.session.scalars(statement.order_by(Event.starts_at, Event.id).limit(limit)))


def past(limit: int = 3, organisation_id: int | None = None) -> list[Event]:
    """Held events, the latest first."""
    statement = select(Event).where(Event.status == "held")
    if organisation_id is not None:
        statement = statement.where(Event.organisation_id == organisation_id)
    return list(db.session.scalars(statement.order_by(Event.starts_at.desc(), Event.id.desc()).limit(limit)))


def events_of_user(user, limit: int = 20) -> list[tuple[Event, Registration]]:
    """The events ``user`` is registered or waiting for, not yet over, soonest first."""
    rows = db.session.execute(
        select(Event, Registration).join(Registration, Registration.event_id == Event.id)
        .where(Registration.user_id == user.id, Registration.status.in_(ACTIVE), Event.ends_at >= utcnow(),
               Event.status == "published")
        .order_by(Event.starts_at).limit(limit)).all()
    return [(event, registration) for event, registration in rows]


# --- what happens when an event changes ---------------------------------------------------

def on_item_changed(kind, *, item, event: str, actor=None, change=None, transition: str | None = None,
                    changed=frozenset(), **_details) -> None:
    """Subscriber of ``content.signals.item_changed`` for events: registrants hear of a
    new time or place and of a cancellation; more places move the waiting list up; the
    meetings of a day that moved move with it."""
    if kind.name != "event":
        return
    from .notices import tell_registrant

    if event == "edited" and changed & {"starts_at", "meeting_minutes"}:
        from .meetings import shift_meetings

        shift_meetings(item)  # meetings keep their slots; the slots' times follow the day
    if event == "edited" and item.status == "published":
        if changed & ANNOUNCED_FIELDS:
            registrations = active_registrations(item)
            if "starts_at" in changed:
                # A new start: the reminder goes out again the day before it, unless that
                # moment has come already (then this notice is the reminder).
                now = utcnow()
                near = _within_reminder_lead(item, now)
                for registration in registrations:
                    registration.reminder_sent_at = now if near and registration.status == "registered" else None
            for registration in registrations:
                tell_registrant(registration, "event_changed")
        if "capacity" in changed:
            _lock(item)
            fill_places(item)
    elif event == "status" and transition == "cancel":
        for registration in active_registrations(item):
            tell_registrant(registration, "event_cancelled", dedupe_key=f"event_cancelled:{registration.id}")


# --- reminders ---------------------------------------------------------------------------

def send_due_reminders(now: datetime | None = None) -> int:
    """The day-before reminder, exactly once per registration: each is claimed with a
    conditional UPDATE (reminder_sent_at IS NULL) that commits with its notice."""
    from .notices import tell_registrant

    now = now or utcnow()
    due = db.session.scalars(
        select(Registration.id).join(Event, Event.id == Registration.event_id)
        .where(Event.status == "published", Event.starts_at > now, Event.starts_at <= now + REMINDER_LEAD,
               Registration.status == "registered", Registration.reminder_sent_at.is_(None))
        .order_by(Event.starts_at, Registration.id)).all()
    sent = 0
    for registration_id in due:
        claimed = db.session.execute(
            update(Registration).where(Registration.id == registration_id, Registration.reminder_sent_at.is_(None),
                                       Registration.status == "registered")
            .values(reminder_sent_at=now).execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            continue
        registration = db.session.get(Registration, registration_id)
        db.session.refresh(registration)
        tell_registrant(registration, "event_reminder",
                        dedupe_key=f"event_reminder:{registration.id}:{registration.event.starts_at.isoformat()}")
        sent += 1
    return sent
