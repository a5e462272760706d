"""The event figures the indicator reports and dashboards read (issue 11 prefills its
reports from here), per host organisation and period.

What counts
-----------
Only events in status ``held``, each in the period its *start* (``starts_at``) falls in.
Cancelled, published (not yet marked held) and draft events never count.

========================  =======================================================  ==================
key                       what                                                     indicator code
========================  =======================================================  ==================
``events_held``           held matchmaking days, talent days and roadshows         ``events_held``
                          (对接会、推介会、路演)                                    (举办对接会、推介会、路演场次)
``trainings_held``        held trainings, salons, boot camps (type ``training``)   ``trainings_held``
``competition_entries``   places taken (registration ``registered``) at held       ``competition_entries``
                          competitions                                             (创新创业大赛参赛数)
``competitions_held``     held competitions                                        —
``matchmaking_held``      held matchmaking days                                    —
``roadshows_held``        held roadshows                                           —
``talent_days_held``      held talent days                                         —
``all_events_held``       every held event, of any type                            —
``registrations``         places taken (``registered``) at held events             —
``attendance``            registrations marked attended at held events             —
``meetings``              scheduled one-to-one meetings at held events             —
========================  =======================================================  ==================

``events_held`` follows the indicator's definition, so trainings and competitions (their
own indicators) are not in it; ``all_events_held`` is the plain total. The Ürümqi base's
``policy_events`` (举办相关政策宣传推介活动数) has no event type and is not derived here.

Periods
-------
A period is ``[start, end)``. Each bound is either an aware ``datetime`` (any zone; an
instant) or a ``date``, read as midnight **Beijing time** (Asia/Shanghai) of that day, the
zone the bases report in: ``event_counts(org, date(2026, 1, 1), date(2026, 4, 1))`` is
the first quarter of 2026 in Beijing time. :func:`period` builds those bounds for a
year or a quarter. A naive ``datetime`` is refused (``ValueError``): its zone would be a
guess.

Each function runs one grouped query (the held events of the period through the
``(organisation_id, status, starts_at)`` / ``(status, starts_at)`` indexes, their
registrations and meetings through their ``event_id`` indexes).
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select

from ..extensions import db
from .models import Event, Meeting, Registration

REPORT_ZONE = "Asia/Shanghai"  # a date bound is midnight of that day in Beijing time

# The event types behind each "held" figure.
TYPES_OF = {
    "events_held": ("matchmaking", "talent", "roadshow"),
    "trainings_held": ("training",),
    "competitions_held": ("competition",),
    "matchmaking_held": ("matchmaking",),
    "roadshows_held": ("roadshow",),
    "talent_days_held": ("talent",),
    "all_events_held": ("matchmaking", "roadshow", "talent", "training", "competition"),
}
KEYS = ("events_held", "trainings_held", "competitions_held", "competition_entries", "matchmaking_held",
        "roadshows_held", "talent_days_held", "all_events_held", "registrations", "attendance", "meetings")
# The keys that are indicator codes of collab/data/indicators.json.
INDICATOR_KEYS = ("events_held", "trainings_held", "competition_entries")


def empty_counts() -> dict[str, int]:
    """Every figure at zero (an organisation that held nothing in the period)."""
    return dict.fromkeys(KEYS, 0)


def period(year: int, quarter: int | None = None) -> tuple[date, date]:
    """The bounds of a year, or of its quarter 1–4, as dates (Beijing-time days)."""
    if quarter is None:
        return date(year, 1, 1), date(year + 1, 1, 1)
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"quarter {quarter!r} is not 1, 2, 3 or 4")
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, end


def instant(value: date | datetime) -> datetime:
    """A period bound as an aware UTC instant (a date is midnight Beijing time)."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("a period bound must be an aware datetime or a date, not a naive datetime")
        return value.astimezone(timezone.utc)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=ZoneInfo(REPORT_ZONE)).astimezone(timezone.utc)
    raise TypeError(f"a period bound must be a date or an aware datetime, not {type(value).__name__}")


def _held(start, end, organisation_id: int | None = None):
    statement = select(Event.id, Event.organisation_id, Event.type).where(
        Event.status == "held", Event.starts_at >= instant(start), Event.starts_at < instant(end))
    if organisation_id is not None:
        statement = statement.where(Event.organisation_id == organisation_id)
    return statement


def _rows(start, end, organisation_id: int | None = None):
    """(host, type, events, registered, attended, meetings) per host and type, one query."""
    held = _held(start, end, organisation_id).cte("held")
    held_ids = select(held.c.id)
    places = (
        select(Registration.event_id.label("event_id"),
               func.sum(case((Registration.status == "registered", 1), else_=0)).label("registered"),
               func.sum(case((Registration.attended.is_(True), 1), else_=0)).label("attended"))
        .where(Registration.event_id.in_(held_ids)).group_by(Registration.event_id).subquery("places"))
    meetings = (
        select(Meeting.event_id.label("event_id"), func.count(Meeting.id).label("meetings"))
        .where(Meeting.event_id.in_(held_ids), Meeting.status == "scheduled")
        .group_by(Meeting.event_id).subquery("meetings"))
    statement = (
        select(held.c.organisation_id, held.c.type, func.count(held.c.id),
               func.coalesce(func.sum(places.c.registered), 0), func.coalesce(func.sum(places.c.attended), 0),
               func.coalesce(func.sum(meetings.c.meetings), 0))
        .select_from(held)
        .outerjoin(places, places.c.event_id == held.c.id)
        .outerjoin(meetings, meetings.c.event_id == held.c.id)
        .group_by(held.c.organisation_id, held.c.type))
    return db.session.execute(statement).all()


def _add(counts: dict[str, int], type_: str, events: int, registered: int, attended: int, meetings: int) -> None:
    events, registered, attended, meetings = int(events), int(registered), int(attended), int(meetings)
    for key, types in TYPES_OF.items():
        if type_ in types:
            counts[key] += events
    if type_ == "competition":
        counts["competition_entries"] += registered
    counts["registrations"] += registered
    counts["attendance"] += attended
    counts["meetings"] += meetings


def event_counts(organisation_id: int | None, start: date | datetime, end: date | datetime) -> dict[str, int]:
    """The figures of events hosted by ``organisation_id`` (None: the whole network, events
    whose host was deleted included) that started in ``[start, end)``; see the module's
    table for the keys."""
    counts = empty_counts()
    for _host, type_, events, registered, attended, meetings in _rows(start, end, organisation_id):
        _add(counts, type_, events, registered, attended, meetings)
    return counts


def event_counts_by_organisation(start: date | datetime, end: date | datetime) -> dict[int, dict[str, int]]:
    """The same figures for every host organisation at once (dashboards): only hosts that
    held an event in the period appear (use ``.get(org_id) or empty_counts()``)."""
    result: dict[int, dict[str, int]] = {}
    for host, type_, events, registered, attended, meetings in _rows(start, end):
        if host is None:
            continue
        _add(result.setdefault(host, empty_counts()), type_, events, registered, attended, meetings)
    return result


def held_events(organisation_id: int | None, start: date | datetime, end: date | datetime,
                key: str = "all_events_held", limit: int = 500) -> list[Event]:
    """The events behind a "held" figure (``key`` of :data:`TYPES_OF`, or
    ``competition_entries`` for its competitions), in the order they took place."""
    types = TYPES_OF["competitions_held" if key == "competition_entries" else key]
    ids = _held(start, end, organisation_id).where(Event.type.in_(types)).with_only_columns(Event.id)
    return list(db.session.scalars(
        select(Event).where(Event.id.in_(ids)).order_by(Event.starts_at, Event.id).limit(limit)))
