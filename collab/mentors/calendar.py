"""iCalendar files of bookings (RFC 5545 with iTIP methods), made with `icalendar`.

One booking is one event: its UID never changes, SEQUENCE rises with each change,
METHOD is REQUEST while it stands and CANCEL once it is cancelled; times carry the
mentor's zone with a VTIMEZONE block, so every calendar lands on the same instant.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import force_locale, gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from ..db import utcnow
from ..i18n import localized_text
from .models import Booking
from .slots import zone

# Calendars that still exist for a booking: a request never confirmed has none.
CALENDAR_STATUSES = ("confirmed", "completed", "no_show", "cancelled")


def has_calendar(booking: Booking) -> bool:
    return booking.confirmed_at is not None and booking.status in CALENDAR_STATUSES


def _address(user, role: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{user.email}")
    address.params["cn"] = vText(user.display_name)
    address.params["role"] = vText(role)
    return address


def booking_ics(booking: Booking, lang: str | None = None, now: datetime | None = None) -> str:
    """The .ics text of a booking, its words in ``lang`` (default: the current language)."""
    locale = current_app.config["LANGUAGES"].get(lang or "", None)
    if locale:
        with force_locale(locale):
            return _build(booking, now)
    return _build(booking, now)


def _build(booking: Booking, now: datetime | None) -> str:
    cancelled = booking.status == "cancelled"
    mentor = booking.mentor
    tz = zone(booking.timezone)
    calendar = Calendar()
    calendar.add("prodid", "-//Collab//Mentor sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", booking.uid)
    event.add("sequence", booking.sequence)
    event.add("dtstamp", now or utcnow())
    event.add("dtstart", booking.start_at.astimezone(tz))
    event.add("dtend", booking.end_at.astimezone(tz))
    event.add("summary", _("Mentoring session: %(mentor)s and %(booker)s",
                           mentor=mentor.display_name, booker=booking.booker.display_name))
    description = [_("Topic: %(topic)s", topic=booking.topic)]
    if booking.mode == "online" and mentor.meeting_link:
        description.append(_("Meeting link: %(link)s", link=mentor.meeting_link))
        event.add("url", mentor.meeting_link)
        event.add("location", mentor.meeting_link)
    elif booking.mode == "in_person" and mentor.base is not None:
        place = localized_text(mentor.base, "name")
        description.append(_("Place: %(place)s", place=place))
        event.add("location", place)
    event.add("description", "\n".join(description))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("organizer", _address(mentor.user, "CHAIR"))
    event.add("attendee", _address(booking.booker, "REQ-PARTICIPANT"))
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical().decode("utf-8")
