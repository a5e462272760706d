"""What registrants are told (in-app and by e-mail, in their language and zone), and how
those notifications read (registered with collab.notifications.messages by
collab/subscribers.py).

Each notice is one in-app notification plus one e-mail rendered for its recipient: in
their language (``user.locale``) and zone (``user.timezone``), the start also shown in
the event's own zone when it differs; the e-mail carries the event's .ics where a
calendar can use it. Messages from the organisers have an e-mail of their own
(``email/event_message``), keeping the organisers' line breaks, escaped as plain text.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import gettext as _

from ..notifications.services import notify

# Notices that carry the event's calendar file (a cancellation carries its CANCEL).
WITH_CALENDAR = frozenset({"event_registered", "event_moved_up", "event_changed", "event_cancelled",
                           "event_reminder"})
# How much of an organisers' message the in-app sentence quotes (the e-mail has it all).
MESSAGE_PREVIEW = 300


def event_params(event) -> dict:
    """What a notice about ``event`` needs to read well later, even if the event changes."""
    return {"item_type": "event", "item_id": event.id, "title_zh": event.title_zh, "title_en": event.title_en,
            "starts_at": event.starts_at.isoformat(), "timezone": event.timezone,
            "place_zh": event.place_zh, "place_en": event.place_en, "online_url": event.online_url}


def _language(user) -> str:
    """The recipient's language, as the e-mail is rendered in (unknown ones: the default)."""
    languages = current_app.config["LANGUAGES"]
    return user.locale if user.locale in languages else current_app.config["DEFAULT_LANGUAGE"]


def tell_registrant(registration, kind: str, *, dedupe_key: str | None = None, **extra):
    """Notify the registrant of ``kind`` about their event (with its .ics where it helps).
    With ``dedupe_key``, a second call with the same key tells nobody. Returns the
    notification, or None when the key was used already."""
    from ..mail.service import send_email
    from .services import waitlist_position

    event = registration.event
    user = registration.user
    params = event_params(event)
    if kind == "event_waitlisted":
        params["position"] = waitlist_position(registration)
    params.update(extra)
    if kind == "event_message":
        note = notify(user, kind, dedupe_key=dedupe_key, email=False, **params)
        if note is not None:
            send_email(user, "event_message", notification=note, params=note.params, event_subject=message_subject,
                       event_title=title_text, event_when=when_text)
        return note
    ics = (lambda _locale: calendar_for(event, _language(user))) if kind in WITH_CALENDAR else None
    return notify(user, kind, dedupe_key=dedupe_key, ics=ics, **params)


def calendar_for(event, lang: str) -> str:
    """The event's .ics in ``lang``, made once per request or job run for each state of
    the event: telling 300 registrants of a change builds two files, not 300 (a file
    with its time-zone block takes tens of milliseconds)."""
    from flask import g

    from .calendar import event_ics

    state = (event.id, lang, event.status, event.updated_at, event.starts_at, event.ends_at, event.timezone,
             event.title_zh, event.title_en, event.description_zh, event.description_en, event.place_zh,
             event.place_en, event.online_url)
    cache = g.setdefault("_collab_event_calendars", {})
    if state not in cache:
        if len(cache) > 64:
            cache.clear()
        cache[state] = event_ics(event, lang)
    return cache[state]


def _moment(value: datetime) -> str:
    """A date and a time of day, without seconds, in the current zone (“10 Dec 2026, 11:00”)."""
    from babel import dates as babel_dates
    from zoneinfo import ZoneInfo

    from ..i18n import current_timezone, get_locale

    local = value.astimezone(ZoneInfo(current_timezone()))
    return _("%(date)s, %(time)s", date=babel_dates.format_date(local, "medium", locale=get_locale()),
             time=babel_dates.format_time(local, "HH:mm", locale=get_locale()))


def when_text(params: dict) -> str:
    """The start in the reader's zone, and in the event's own zone when it differs:
    “5 Dec 2026, 10:00 Beijing time (08:00 Xinjiang time)”."""
    from ..i18n import current_timezone, fmt_time, force_timezone, zone_label

    start = params.get("starts_at")
    if not start:
        return "—"
    value = datetime.fromisoformat(start)
    own, event_zone = current_timezone(), params.get("timezone") or current_timezone()
    here = _("%(time)s %(zone)s", time=_moment(value), zone=zone_label(own))
    if event_zone == own:
        return here
    with force_timezone(event_zone):
        same_day = value.astimezone(_zone(event_zone)).date() == value.astimezone(_zone(own)).date()
        there = _("%(time)s %(zone)s", time=fmt_time(value) if same_day else _moment(value),
                  zone=zone_label(event_zone))
    return _("%(here)s (%(there)s)", here=here, there=there)


def _zone(name: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def place_text(params: dict, lang: str) -> str:
    """Where the event takes place, in ``lang`` (else the other language), with its online link."""
    other = "en" if lang == "zh" else "zh"
    parts = [p for p in (params.get(f"place_{lang}") or params.get(f"place_{other}"), params.get("online_url")) if p]
    return _("%(place)s · %(link)s", place=parts[0], link=parts[1]) if len(parts) == 2 else (parts[0] if parts else "—")


def event_message(kind: str, p: dict) -> str:
    """The sentence of an event's notification, in the current locale."""
    from ..i18n import current_lang

    lang = current_lang()
    title = title_text(p)
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
        return _("“%(title)s” has changed: it now starts %(when)s, at %(place)s.", title=title, when=when,
                 place=place_text(p, lang))
    if kind == "event_cancelled":
        return _("“%(title)s” (%(when)s) is cancelled by its organisers.", title=title, when=when)
    if kind == "event_reminder":
        return _("Reminder: “%(title)s” starts %(when)s.", title=title, when=when)
    if kind == "event_message":
        body = " ".join((p.get("body") or "").split())
        if len(body) > MESSAGE_PREVIEW:
            body = body[:MESSAGE_PREVIEW - 1].rstrip() + "…"
        return _("Message from the organisers of “%(title)s”: %(subject)s — %(body)s", title=title,
                 subject=p.get("subject") or "", body=body)
    if kind == "event_agenda":
        return _("Your one-to-one meetings at “%(title)s” are scheduled: see your agenda.", title=title)
    return _("You have a new notification.")


def title_text(p: dict) -> str:
    """The event's title in the current language, else the other one."""
    from ..i18n import current_lang

    lang = current_lang()
    other = "en" if lang == "zh" else "zh"
    return p.get(f"title_{lang}") or p.get(f"title_{other}") or "—"


def message_subject(p: dict) -> str:
    """The subject of an organisers' message e-mail: the event, then their subject."""
    return _("%(title)s: %(subject)s", title=title_text(p), subject=p.get("subject") or "")
