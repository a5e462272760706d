"""The iCalendar file of an event (RFC 5545), made with `icalendar`: one UID per event,
SEQUENCE from its last change, METHOD CANCEL once cancelled, times in the event's zone
with its VTIMEZONE block."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from icalendar import Calendar, Event as CalendarEvent

from ..db import utcnow
from ..i18n import localized_text
from ..mail.service import external_url_for
from .models import Event


def event_uid(event: Event) -> str:
    host = current_app.config.get("BASE_URL", "collab").split("//")[-1].split("/")[0] or "collab"
    return f"event-{event.id}@{host}"


def event_ics(event: Event, lang: str | None = None, now: datetime | None = None) -> str:
    """The .ics text of ``event``, its words in ``lang`` (default: the current language)."""
    locale = current_app.config["LANGUAGES"].get(lang or "", None)
    if locale:
        with force_locale(locale):
            return _build(event, lang, now)
    return _build(event, lang, now)


def _build(event: Event, lang: str | None, now: datetime | None) -> str:
    cancelled = event.status == "cancelled"
    zone = ZoneInfo(event.timezone)
    calendar = Calendar()
    calendar.add("prodid", "-//Collab//Events//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    entry = CalendarEvent()
    entry.add("uid", event_uid(event))
    # Each saved change makes a newer version for calendars that already hold the event.
    entry.add("sequence", int(event.updated_at.timestamp()) - int(event.created_at.timestamp()))
    entry.add("dtstamp", now or utcnow())
    entry.add("dtstart", event.starts_at.astimezone(zone))
    entry.add("dtend", event.ends_at.astimezone(zone))
    entry.add("summary", localized_text(event, "title", lang))
    description = localized_text(event, "description", lang)
    url = external_url_for("events.detail", event_id=event.id, **({"lang": lang} if lang else {}))
    entry.add("description", f"{description}\n\n{url}" if description else url)
    entry.add("url", url)
    place = localized_text(event, "place", lang) or event.online_url
    if place:
        entry.add("location", place)
    entry.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(entry)
    calendar.add_missing_timezones()
    return calendar.to_ical().decode("utf-8")
