"""What registrants are told (in-app and by e-mail, in their language and zone), and how
those notifications read (registered with collab.notifications.messages by
collab/subscribers.py)."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from ..notifications.services import notify

# Notices that carry the event's calendar file (a cancellation carries its CANCEL).
WITH_CALENDAR = frozenset({"event_registered", "event_moved_up", "event_changed", "event_cancelled",
                           "event_reminder"})


def event_params(event) -> dict:
    """What a notice about ``event`` needs to read well later, even if the event changes."""
    return {"item_type": "event", "item_id": event.id, "title_zh": event.title_zh, "title_en": event.title_en,
            "starts_at": event.starts_at.isoformat(), "timezone": event.timezone,
            "place_zh": event.place_zh, "place_en": event.place_en, "online_url": event.online_url}


def tell_registrant(registration, kind: str, *, dedupe_key: str | None = None, **extra):
    """Notify the registrant of ``kind`` about their event (with its .ics where it helps)."""
    from .calendar import event_ics
    from .services import waitlist_position

    event = registration.event
    params = event_params(event)
    if kind == "event_waitlisted":
        params["position"] = waitlist_position(registration)
    params.update(extra)
    ics = (lambda lang: event_ics(event, lang)) if kind in WITH_CALENDAR else None
    return notify(registration.user, kind, dedupe_key=dedupe_key, ics=ics, **params)


def when_text(params: dict) -> str:
    """The start in the reader's zone, and in the event's own zone when it differs:
    “5 Dec 2026, 10:00 Beijing time (08:00 Xinjiang time)”."""
    from ..i18n import current_timezone, fmt_datetime, zone_label, force_timezone

    start = params.get("starts_at")
    if not start:
        return "—"
    value = datetime.fromisoformat(start)
    own, event_zone = current_timezone(), params.get("timezone") or current_timezone()
    here = _("%(time)s %(zone)s", time=fmt_datetime(value, "medium"), zone=zone_label(own))
    if event_zone == own:
        return here
    with force_timezone(event_zone):
        there = _("%(time)s %(zone)s", time=fmt_datetime(value, "short"), zone=zone_label(event_zone))
    return _("%(here)s (%(there)s)", here=here, there=there)


def event_message(kind: str, p: dict) -> str:
    """The sentence of an event's notification, in the current locale."""
    from ..i18n import current_lang

    lang = current_lang()
    other = "en" if lang == "zh" else "zh"
    title = p.get(f"title_{lang}") or p.get(f"title_{other}") or "—"
    when = when_text(p)
    if kind == "event_registered":
        return _("You are registered for “%(title)s”, %(when)s.", title=title, when=when)
    if kind == "event_waitlisted":
        return _("“%(title)s” is full: you are number %(position)s on the waiting list and move up by yourself when a place frees.",
                 title=title, position=p.get("position") or "—")
    if kind == "event_moved_up":
        return _("A place freed up: you are now registered for “%(title)s”, %(when)s.", title=title, when=when)
    if kind == "event_registration_cancelled":
        return _("Your registration for “%(title)s” is cancelled.", title=title)
    if kind == "event_changed":
        place = p.get(f"place_{lang}") or p.get(f"place_{other}") or p.get("online_url") or "—"
        return _("“%(title)s” has changed: it now starts %(when)s, at %(place)s.", title=title, when=when, place=place)
    if kind == "event_cancelled":
        return _("“%(title)s” (%(when)s) is cancelled by its organisers.", title=title, when=when)
    if kind == "event_reminder":
        return _("Reminder: “%(title)s” starts %(when)s.", title=title, when=when)
    if kind == "event_message":
        return _("Message from the organisers of “%(title)s”: %(subject)s — %(body)s", title=title,
                 subject=p.get("subject") or "", body=p.get("body") or "")
    if kind == "event_agenda":
        return _("Your one-to-one meetings at “%(title)s” are scheduled: see your agenda.", title=title)
    return _("You have a new notification.")
