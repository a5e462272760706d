"""Free slots, computed from a mentor's rules and live bookings, never stored ahead.

Everything here is plain data in, plain data out, so it is fast (bench/slots.py) and
testable without a database. Windows are wall-clock times of the mentor's zone: a
daylight-saving change moves their UTC instants, never their local times.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

UTC = timezone.utc
MINUTE = timedelta(minutes=1)


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass(frozen=True)
class Slot:
    start: datetime  # aware, UTC
    end: datetime


@dataclass
class Rules:
    """A mentor's availability in plain data (see rules_for in services)."""

    timezone: str
    weekly: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # weekday -> [(start, end) minutes]
    extra: dict[date, list[tuple[int, int]]] = field(default_factory=dict)
    blocked_days: set[date] = field(default_factory=set)
    blocked: dict[date, list[tuple[int, int]]] = field(default_factory=dict)  # parts of days
    session_minutes: int = 60
    buffer_minutes: int = 0
    min_notice_hours: int = 0
    horizon_days: int = 30

    def earliest(self, now: datetime) -> datetime:
        return now + timedelta(hours=self.min_notice_hours)

    def latest(self, now: datetime) -> datetime:
        return now + timedelta(days=self.horizon_days)


class Busy:
    """A mentor's live bookings as sorted, non-overlapping UTC intervals."""

    __slots__ = ("starts", "ends")

    def __init__(self, intervals=()):
        ordered = sorted(intervals)
        self.starts = [s for s, _ in ordered]
        self.ends = [e for _, e in ordered]

    def conflicts(self, start: datetime, end: datetime, buffer: timedelta) -> bool:
        """True when [start, end) comes closer than ``buffer`` to a booking."""
        # Live bookings never overlap, so their ends are sorted like their starts.
        i = bisect_right(self.ends, start - buffer)
        return i < len(self.starts) and self.starts[i] < end + buffer


def subtract(windows: list[tuple[int, int]], holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Windows minus blocked parts, in minutes of one day."""
    result = []
    for start, end in windows:
        pieces = [(start, end)]
        for h_start, h_end in holes:
            pieces = [p for s, e in pieces for p in ((s, min(e, h_start)), (max(s, h_end), e)) if p[0] < p[1]]
        result.extend(pieces)
    return result


def day_windows(rules: Rules, day: date) -> list[tuple[int, int]]:
    """The open windows of one local day (minutes from midnight), sorted."""
    if day in rules.blocked_days:
        return []
    windows = list(rules.weekly.get(day.weekday(), ())) + list(rules.extra.get(day, ()))
    if day in rules.blocked:
        windows = subtract(windows, rules.blocked[day])
    return sorted(windows)


@lru_cache(maxsize=65536)
def steady_offset(tz: ZoneInfo, day: date) -> timedelta | None:
    """The zone's UTC offset on ``day`` when it holds all day (no clock change), else None."""
    midnight = datetime.combine(day, time())
    first = midnight.replace(tzinfo=tz).utcoffset()
    last = (midnight + timedelta(days=1)).replace(tzinfo=tz).utcoffset()
    return first if first == last else None


def local_instant(day: date, minute: int, tz: ZoneInfo) -> datetime | None:
    """The UTC instant of a wall-clock time, or None when the clock skips it (spring forward).

    A time that occurs twice (autumn) takes its first occurrence.
    """
    naive = datetime.combine(day, time()) + minute * MINUTE
    offset = steady_offset(tz, day)
    if offset is not None:  # most days: plain arithmetic, no zone lookups
        return (naive - offset).replace(tzinfo=UTC)
    aware = naive.replace(tzinfo=tz)
    instant = aware.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != naive:
        return None
    return instant


def candidate_slots(rules: Rules, day: date, minutes: int | None = None):
    """Every slot the rules open on one local day, booked or not.

    Slots start at the window's start and follow each other at length + buffer.
    """
    length = minutes or rules.session_minutes
    step = length + rules.buffer_minutes
    tz = zone(rules.timezone)
    for w_start, w_end in day_windows(rules, day):
        t = w_start
        while t + length <= w_end:
            start = local_instant(day, t, tz)
            if start is not None:
                yield Slot(start, start + length * MINUTE)
            t += step


def free_slots(rules: Rules, busy: Busy, start: datetime, end: datetime, now: datetime, *,
               minutes: int | None = None, limit: int | None = None, skip_months=frozenset()) -> list[Slot]:
    """Free slots starting in [start, end), within notice and horizon, in time order.

    ``skip_months`` holds (year, month) pairs of the mentor's zone the viewer may not
    book any more (the per-booker cap).
    """
    lo = max(start, rules.earliest(now))
    hi = min(end, rules.latest(now) + MINUTE)  # a slot exactly at the horizon is allowed
    if lo >= hi:
        return []
    tz = zone(rules.timezone)
    buffer = rules.buffer_minutes * MINUTE
    day = lo.astimezone(tz).date() - timedelta(days=1)  # windows may end after midnight in UTC
    last_day = hi.astimezone(tz).date()
    found: list[Slot] = []
    while day <= last_day:
        if (day.year, day.month) not in skip_months:
            for slot in candidate_slots(rules, day, minutes):
                if slot.start < lo or slot.start >= hi:
                    continue
                if busy.conflicts(slot.start, slot.end, buffer):
                    continue
                found.append(slot)
                if limit is not None and len(found) >= limit:
                    return found
        day += timedelta(days=1)
    return found


def is_open_slot(rules: Rules, start: datetime, minutes: int | None = None) -> bool:
    """True when the rules (ignoring bookings, notice and horizon) open a slot at ``start``."""
    local_day = start.astimezone(zone(rules.timezone)).date()
    return any(s.start == start for d in (local_day - timedelta(days=1), local_day)
               for s in candidate_slots(rules, d, minutes))
