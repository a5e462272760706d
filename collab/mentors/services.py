"""Mentor profiles, availability rules, the directory and free slots."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, literal, or_, select
from sqlalchemy.orm import selectinload

from .. import audit
from ..db import utcnow
from ..errors import ServiceError
from ..extensions import db
from ..i18n import is_valid_timezone
from ..orgs.models import Organisation, Sector
from .models import (EXCEPTION_KINDS, LIVE_STATUSES, MENTOR_LANGUAGES, SESSION_LENGTHS, Booking, MentorException,
                     MentorProfile, MentorWindow, mentor_sectors, profile_defaults)
from .slots import Busy, Rules, Slot, free_slots

NEXT_SLOTS = 3  # shown on each directory card


class InvalidInput(ServiceError):
    """Bad input, possibly in several fields: ``fields`` maps a field name to translated
    messages (views show them all; uncaught, the first one is the refusal's message)."""

    def __init__(self, fields: dict[str, list]):
        field = next(iter(fields), None)
        messages = fields.get(field) or [_l("Some fields are not valid.")]
        super().__init__(messages[0], field)
        self.fields = fields


# --- profiles ---------------------------------------------------------------

def profile_of(user) -> MentorProfile | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(MentorProfile).where(MentorProfile.user_id == user.id))


def ensure_profile(user) -> MentorProfile:
    """The user's mentor profile, created with defaults from the account when missing."""
    profile = profile_of(user)
    if profile is None:
        profile = profile_defaults(user)
        db.session.add(profile)
        db.session.flush()
        audit.record(user, "mentor.profile_created", "mentor", profile.id)
    return profile


def become_mentor(user) -> MentorProfile:
    """Give a user the mentor role (a center member may also mentor) and a profile."""
    if not user.has_role("mentor"):
        user.add_role("mentor")
        audit.record(user, "user.role_added", "user", user.id, role="mentor")
    return ensure_profile(user)


PROFILE_FIELDS = ("headline_zh", "headline_en", "bio_zh", "bio_en", "organisation_id", "city_zh", "city_en",
                  "timezone", "offers_online", "meeting_link", "offers_in_person", "base_id", "auto_confirm",
                  "is_active")


def update_profile(profile: MentorProfile, actor, *, sectors: list[str], languages: list[str], **values) -> None:
    """Save the profile fields (validated by the form or the API)."""
    for name in PROFILE_FIELDS:
        if name in values:
            setattr(profile, name, values[name])
    profile.languages = " ".join(code for code in MENTOR_LANGUAGES if code in languages)
    profile.sectors = list(db.session.scalars(select(Sector).where(Sector.code.in_(sectors)))) if sectors else []
    audit.record(actor, "mentor.profile_updated", "mentor", profile.id)


# --- availability -------------------------------------------------------------

_CLOCK = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")


def parse_clock(value, *, allow_midnight_end: bool = False) -> int:
    """ "10:30" -> 630 minutes; "24:00" only as an end."""
    match = _CLOCK.match(str(value).strip()) if isinstance(value, str) else None
    if not match:
        raise ValueError(str(_l("Write times as HH:MM, for example 09:30.")))
    minutes = int(match.group(1)) * 60 + int(match.group(2))
    if minutes > 1440 or (minutes == 1440 and not allow_midnight_end):
        raise ValueError(str(_l("Write times as HH:MM, for example 09:30.")))
    return minutes


def clock(minutes: int | None) -> str:
    return "" if minutes is None else f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_range(start, end) -> tuple[int, int]:
    start_minute = parse_clock(start)
    end_minute = parse_clock(end, allow_midnight_end=True)
    if end_minute <= start_minute:
        raise ValueError(str(_l("A window must end after it starts.")))
    return start_minute, end_minute


def parse_ranges(text: str) -> list[tuple[int, int]]:
    """ "10:00-12:00, 14:00-16:30" -> [(600, 720), (840, 990)] (the web form's weekday field)."""
    ranges = []
    for part in re.split(r"[,，;；\s]+(?=\d)", text.strip()) if text.strip() else []:
        pieces = re.split(r"\s*[-–—~～至到]\s*", part.strip().rstrip(",，;；"))
        if len(pieces) != 2:
            raise ValueError(str(_l("Write windows like 10:00-12:00, 14:00-16:00.")))
        ranges.append(parse_range(*pieces))
    return _check_no_overlap(ranges)


def _check_no_overlap(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    ranges = sorted(ranges)
    for (_s1, e1), (s2, _e2) in zip(ranges, ranges[1:]):
        if s2 < e1:
            raise ValueError(str(_l("Windows of one day must not overlap.")))
    return ranges


RULE_LIMITS = {
    "session_minutes": SESSION_LENGTHS,
    "buffer_minutes": (0, 240),
    "min_notice_hours": (0, 24 * 30),
    "horizon_days": (1, 365),
    "monthly_cap": (1, 60),
}


def _rule_value(name: str, value):
    if name == "monthly_cap" and value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
        raise ValueError(str(_l("Enter a whole number.")))
    number = int(value)
    if name == "session_minutes":
        if number not in SESSION_LENGTHS:
            raise ValueError(str(_l("Choose one of %(lengths)s minutes.",
                                    lengths=", ".join(str(n) for n in SESSION_LENGTHS))))
        return number
    low, high = RULE_LIMITS[name]
    if not low <= number <= high:
        raise ValueError(str(_l("Enter a number from %(low)s to %(high)s.", low=low, high=high)))
    return number


def set_availability(profile: MentorProfile, actor, *, timezone: str | None = None,
                     weekly: list | None = None, exceptions: list | None = None, **rules) -> None:
    """Replace the weekly windows and/or exceptions and set the rules; all or nothing.

    ``weekly``: [{"weekday": 0-6, "start": "HH:MM", "end": "HH:MM"}];
    ``exceptions``: [{"date": "YYYY-MM-DD", "kind": "extra"|"blocked", "start"?, "end"?, "note"?}]
    (a blocked date without start and end blocks the whole day).
    """
    errors: dict[str, list[str]] = {}
    if timezone is not None and (not isinstance(timezone, str) or not is_valid_timezone(timezone)):
        errors["timezone"] = [str(_l("Choose a valid time zone, such as Asia/Urumqi."))]
    parsed_rules = {}
    for name, value in rules.items():
        if name not in RULE_LIMITS:
            errors[name] = [str(_l("Unknown field."))]
            continue
        try:
            parsed_rules[name] = _rule_value(name, value)
        except ValueError as error:
            errors[name] = [str(error)]
    windows = _parse_weekly(weekly, errors) if weekly is not None else None
    extra = _parse_exceptions(exceptions, errors) if exceptions is not None else None
    if errors:
        raise InvalidInput(errors)
    if timezone is not None:
        profile.timezone = timezone
    for name, value in parsed_rules.items():
        setattr(profile, name, value)
    if windows is not None:
        profile.windows = [MentorWindow(weekday=d, start_minute=s, end_minute=e) for d, s, e in windows]
    if extra is not None:
        profile.exceptions = [MentorException(**item) for item in extra]
    db.session.flush()
    # Read back in their stored order (by day and time), not in the order they were given.
    db.session.expire(profile, ["windows", "exceptions"])
    audit.record(actor, "mentor.availability_updated", "mentor", profile.id)


def _parse_weekly(weekly, errors) -> list[tuple[int, int, int]]:
    if not isinstance(weekly, list):
        errors["weekly"] = [str(_l("Give a list of weekly windows."))]
        return []
    by_day: dict[int, list[tuple[int, int]]] = {}
    for index, item in enumerate(weekly):
        try:
            if not isinstance(item, dict):
                raise ValueError(str(_l("Give a list of weekly windows.")))
            day = item.get("weekday")
            if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
                raise ValueError(str(_l("The weekday is a number from 0 (Monday) to 6 (Sunday).")))
            by_day.setdefault(day, []).append(parse_range(item.get("start"), item.get("end")))
        except ValueError as error:
            errors.setdefault("weekly", []).append(f"{index}: {error}")
    result = []
    for day, ranges in sorted(by_day.items()):
        try:
            result.extend((day, s, e) for s, e in _check_no_overlap(ranges))
        except ValueError as error:
            errors.setdefault("weekly", []).append(str(error))
    return result


def _parse_exceptions(exceptions, errors) -> list[dict]:
    if not isinstance(exceptions, list):
        errors["exceptions"] = [str(_l("Give a list of exceptions."))]
        return []
    result = []
    for index, item in enumerate(exceptions):
        try:
            result.append(parse_exception(item))
        except ValueError as error:
            errors.setdefault("exceptions", []).append(f"{index}: {error}")
    return result


def parse_exception(item) -> dict:
    """One exception of the API shape into model fields (ValueError with a message)."""
    if not isinstance(item, dict):
        raise ValueError(str(_l("Give a list of exceptions.")))
    try:
        day = date.fromisoformat(str(item.get("date")))
    except ValueError:
        raise ValueError(str(_l("Give the date as YYYY-MM-DD."))) from None
    kind = item.get("kind") or ("blocked" if item.get("blocked") else "extra")
    if kind not in EXCEPTION_KINDS:
        raise ValueError(str(_l("The kind is \"extra\" or \"blocked\".")))
    note = item.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > 200):
        raise ValueError(str(_l("A note has at most 200 characters.")))
    if kind == "blocked" and not item.get("start") and not item.get("end"):
        return {"day": day, "kind": kind, "start_minute": None, "end_minute": None, "note": note}
    start, end = parse_range(item.get("start"), item.get("end"))
    return {"day": day, "kind": kind, "start_minute": start, "end_minute": end, "note": note}


def add_exception(profile: MentorProfile, actor, **fields) -> MentorException:
    exception = MentorException(mentor=profile, **fields)
    db.session.add(exception)
    db.session.flush()
    audit.record(actor, "mentor.availability_updated", "mentor", profile.id)
    return exception


def availability_json(profile: MentorProfile) -> dict:
    return {
        "timezone": profile.timezone,
        "weekly": [{"weekday": w.weekday, "start": clock(w.start_minute), "end": clock(w.end_minute)}
                   for w in profile.windows],
        "exceptions": [{"date": e.day.isoformat(), "kind": e.kind, "start": clock(e.start_minute) or None,
                        "end": clock(e.end_minute) or None, "note": e.note} for e in profile.exceptions],
        "session_minutes": profile.session_minutes, "buffer_minutes": profile.buffer_minutes,
        "min_notice_hours": profile.min_notice_hours, "horizon_days": profile.horizon_days,
        "monthly_cap": profile.monthly_cap, "auto_confirm": profile.auto_confirm,
    }


# --- slots --------------------------------------------------------------------

def rules_for(profile: MentorProfile) -> Rules:
    """The plain-data rules of a profile (its windows and exceptions loaded)."""
    rules = Rules(timezone=profile.timezone, session_minutes=profile.session_minutes,
                  buffer_minutes=profile.buffer_minutes, min_notice_hours=profile.min_notice_hours,
                  horizon_days=profile.horizon_days)
    for window in profile.windows:
        rules.weekly.setdefault(window.weekday, []).append((window.start_minute, window.end_minute))
    for item in profile.exceptions:
        if item.kind == "extra":
            rules.extra.setdefault(item.day, []).append((item.start_minute, item.end_minute))
        elif item.start_minute is None:
            rules.blocked_days.add(item.day)
        else:
            rules.blocked.setdefault(item.day, []).append((item.start_minute, item.end_minute))
    return rules


def _among(column, mentors):
    """``column IN (...)`` for a list of ids, or for a select of ids (no bound parameter per id)."""
    return column.in_(mentors.scalar_subquery() if isinstance(mentors, Select) else mentors)


def busy_by_mentor(mentor_ids, start: datetime, end: datetime, among=None) -> dict[int, Busy]:
    """Live bookings touching [start, end) for many mentors, in one query."""
    rows = db.session.execute(
        select(Booking.mentor_id, Booking.start_at, Booking.end_at)
        .where(_among(Booking.mentor_id, among if among is not None else mentor_ids),
               Booking.status.in_(LIVE_STATUSES), Booking.end_at > start, Booking.start_at < end)
    ).all() if mentor_ids else []
    grouped: dict[int, list] = {}
    for mentor_id, s, e in rows:
        grouped.setdefault(mentor_id, []).append((s, e))
    return {mentor_id: Busy(grouped.get(mentor_id, ())) for mentor_id in mentor_ids}


def full_months(profile: MentorProfile, booker, start: datetime, end: datetime) -> frozenset:
    """Months (of the mentor's zone) in which ``booker`` reached the per-booker cap."""
    if not profile.monthly_cap or booker is None or not getattr(booker, "is_authenticated", False):
        return frozenset()
    from .bookings import COUNTED_STATUSES
    from .slots import zone

    tz = zone(profile.timezone)
    rows = db.session.scalars(
        select(Booking.start_at).where(Booking.mentor_id == profile.id, Booking.booker_id == booker.id,
                                       Booking.status.in_(COUNTED_STATUSES),
                                       Booking.start_at >= start - timedelta(days=31),
                                       Booking.start_at < end + timedelta(days=31)))
    counts: dict[tuple[int, int], int] = {}
    for value in rows:
        local = value.astimezone(tz)
        counts[(local.year, local.month)] = counts.get((local.year, local.month), 0) + 1
    return frozenset(month for month, n in counts.items() if n >= profile.monthly_cap)


def mentor_slots(profile: MentorProfile, start: datetime, end: datetime, *, now: datetime | None = None,
                 minutes: int | None = None, viewer=None, limit: int | None = None) -> list[Slot]:
    """Free slots of one mentor in [start, end); for a signed-in viewer, months over their cap drop out."""
    now = now or utcnow()
    busy = busy_by_mentor([profile.id], start - timedelta(days=1), end + timedelta(days=1))[profile.id]
    skip = full_months(profile, viewer, start, end) if viewer is not None else frozenset()
    return free_slots(rules_for(profile), busy, start, end, now, minutes=minutes, limit=limit, skip_months=skip)


def rules_by_mentor(mentor_ids, since: date) -> dict[int, Rules]:
    """Rules of many mentors (a list of ids or a select of them) from three plain queries,
    without ORM objects: the directory's hot path."""
    rules = {
        row.id: Rules(timezone=row.timezone, session_minutes=row.session_minutes, buffer_minutes=row.buffer_minutes,
                      min_notice_hours=row.min_notice_hours, horizon_days=row.horizon_days)
        for row in db.session.execute(
            select(MentorProfile.id, MentorProfile.timezone, MentorProfile.session_minutes,
                   MentorProfile.buffer_minutes, MentorProfile.min_notice_hours, MentorProfile.horizon_days)
            .where(_among(MentorProfile.id, mentor_ids)))
    }
    for mentor_id, weekday, start, end in db.session.execute(
            select(MentorWindow.mentor_id, MentorWindow.weekday, MentorWindow.start_minute, MentorWindow.end_minute)
            .where(_among(MentorWindow.mentor_id, mentor_ids))):
        rules[mentor_id].weekly.setdefault(weekday, []).append((start, end))
    for mentor_id, day, kind, start, end in db.session.execute(
            select(MentorException.mentor_id, MentorException.day, MentorException.kind,
                   MentorException.start_minute, MentorException.end_minute)
            .where(_among(MentorException.mentor_id, mentor_ids), MentorException.day >= since)):
        if kind == "extra":
            rules[mentor_id].extra.setdefault(day, []).append((start, end))
        elif start is None:
            rules[mentor_id].blocked_days.add(day)
        else:
            rules[mentor_id].blocked.setdefault(day, []).append((start, end))
    return rules


FIRST_LOOK = timedelta(days=7)  # most mentors have their next slots within a week


def next_free_slots(mentors, *, now: datetime | None = None, count: int = NEXT_SLOTS,
                    within: timedelta | None = None) -> dict[int, list[Slot]]:
    """The next ``count`` free slots of many mentors (profiles, ids, or a select of ids).

    Bookings are read for the coming week first, and for the rest of the horizon only for
    mentors still short of ``count`` slots.
    """
    now = now or utcnow()
    selected = mentors if isinstance(mentors, Select) else None
    rules = rules_by_mentor(selected if selected is not None else [m if isinstance(m, int) else m.id
                                                                  for m in mentors], (now - timedelta(days=2)).date())
    if not rules:
        return {}
    ids = list(rules)
    horizon_end = now + (within or timedelta(days=max(r.horizon_days for r in rules.values()) + 1))
    result: dict[int, list[Slot]] = {}
    pending, look_until = ids, min(now + FIRST_LOOK, horizon_end)
    while pending:
        busy = busy_by_mentor(pending, now, look_until + timedelta(days=1),
                              among=selected if pending is ids else None)
        for mentor_id in pending:
            result[mentor_id] = free_slots(rules[mentor_id], busy[mentor_id], now, look_until, now, limit=count)
        if look_until >= horizon_end:
            break
        pending = [i for i in pending if len(result[i]) < count]
        look_until = horizon_end
    return result


# --- the directory ------------------------------------------------------------

def directory_statement(*, sector: str | None = None, language: str | None = None, city: str | None = None,
                        mode: str | None = None):
    """Active mentors with the directory's filters, by name."""
    from ..auth.models import User

    statement = (select(MentorProfile).join(MentorProfile.user)
                 .where(MentorProfile.is_active.is_(True), User.is_enabled.is_(True))
                 .order_by(User.display_name, MentorProfile.id))
    if sector:
        statement = statement.where(MentorProfile.id.in_(
            select(mentor_sectors.c.mentor_id).where(mentor_sectors.c.sector_code == sector)))
    if language:
        # Codes are space-separated; pad so "uz" never matches inside another code.
        statement = statement.where((" " + MentorProfile.languages + " ").like(f"% {language} %"))
    if city:
        # Lower both sides in SQL: SQLite's lower() is ASCII-only, so Python's would miss Ürümqi.
        needle = func.lower("%" + literal(city) + "%")
        statement = statement.where(or_(func.lower(MentorProfile.city_zh).like(needle),
                                        func.lower(MentorProfile.city_en).like(needle)))
    if mode == "online":
        statement = statement.where(MentorProfile.offers_online.is_(True))
    elif mode == "in_person":
        statement = statement.where(MentorProfile.offers_in_person.is_(True))
    return statement


# What a directory card shows, loaded for one page at once.
CARD_OPTIONS = (selectinload(MentorProfile.sectors), selectinload(MentorProfile.organisation))


def directory(*, sector=None, language=None, city=None, mode=None, free_within_days: int | None = None,
              page: int = 1, per_page: int = 20, now: datetime | None = None):
    """One page of mentors and each one's next free slots.

    With ``free_within_days`` only mentors with a free slot in that many days are listed;
    that filter needs the slots of every candidate, which bench/slots.py keeps fast.
    """
    from ..db import paginate

    now = now or utcnow()
    statement = directory_statement(sector=sector, language=language, city=city, mode=mode)
    if free_within_days:
        id_select = statement.with_only_columns(MentorProfile.id)
        ids = list(db.session.scalars(id_select))
        soon = next_free_slots(id_select.order_by(None), now=now, count=1, within=timedelta(days=free_within_days))
        matching = [i for i in ids if soon[i]]
        total = len(matching)
        page_ids = matching[(page - 1) * per_page: page * per_page]
        loaded = {p.id: p for p in db.session.scalars(
            select(MentorProfile).where(MentorProfile.id.in_(page_ids)).options(*CARD_OPTIONS))}
        profiles = [loaded[i] for i in page_ids]
    else:
        profiles, total = paginate(statement.options(*CARD_OPTIONS), page, per_page)
    return profiles, total, next_free_slots(profiles, now=now)


def city_options() -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(MentorProfile.city_zh, MentorProfile.city_en).where(MentorProfile.is_active.is_(True)).distinct()
    ).all()
    return sorted({(en or zh, zh or en) for zh, en in rows if zh or en})


def base_choices() -> list[Organisation]:
    """Organisations where in-person sessions can take place: the network's bases and partners."""
    return list(db.session.scalars(
        select(Organisation).where(Organisation.status == "approved",
                                   Organisation.kind.in_(("xinjiang_base", "offshore_incubator",
                                                          "international_partner", "university")))
        .order_by(Organisation.kind, Organisation.key)))


def organisation_choices() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).where(Organisation.status == "approved")
                                   .order_by(Organisation.kind, Organisation.key)))

