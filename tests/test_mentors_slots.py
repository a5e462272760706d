"""The slot engine in plain data: windows in the mentor's own zone, exceptions, buffer,
notice, horizon, and daylight saving that never moves a wall-clock window."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from collab.mentors.slots import Busy, Rules, free_slots, is_open_slot

from mentor_support import NOW, utc


def every_day(start: int, end: int) -> dict:
    return {d: [(start, end)] for d in range(7)}


def local_times(slots, tz: str) -> list[str]:
    return [f"{s.start.astimezone(ZoneInfo(tz)):%Y-%m-%d %H:%M}-{s.end.astimezone(ZoneInfo(tz)):%H:%M}" for s in slots]


def test_urumqi_windows_are_shown_in_shanghai_and_tashkent_time():
    rules = Rules(timezone="Asia/Urumqi", weekly=every_day(600, 720), session_minutes=60)
    slots = free_slots(rules, Busy(), NOW, NOW + timedelta(days=1), NOW)
    assert local_times(slots, "Asia/Urumqi") == ["2026-12-01 10:00-11:00", "2026-12-01 11:00-12:00"]
    assert local_times(slots, "Asia/Shanghai") == ["2026-12-01 12:00-13:00", "2026-12-01 13:00-14:00"]
    assert local_times(slots, "Asia/Tashkent") == ["2026-12-01 09:00-10:00", "2026-12-01 10:00-11:00"]
    assert slots[0].start == utc(2026, 12, 1, 4, 0)


def test_slots_follow_each_other_at_length_plus_buffer():
    rules = Rules(timezone="Asia/Shanghai", weekly=every_day(540, 720), session_minutes=45, buffer_minutes=15)
    slots = free_slots(rules, Busy(), NOW, NOW + timedelta(days=1), NOW)
    assert local_times(slots, "Asia/Shanghai") == [
        "2026-12-01 09:00-09:45", "2026-12-01 10:00-10:45", "2026-12-01 11:00-11:45"]


def test_bookings_and_their_buffer_take_slots_away():
    rules = Rules(timezone="Asia/Shanghai", weekly=every_day(540, 720), session_minutes=45, buffer_minutes=15)
    # 10:00-10:45 Beijing is booked; with a 15-minute buffer 09:00-09:45 still fits, 11:00 too.
    busy = Busy([(utc(2026, 12, 1, 2, 0), utc(2026, 12, 1, 2, 45))])
    slots = free_slots(rules, busy, NOW, NOW + timedelta(days=1), NOW)
    assert local_times(slots, "Asia/Shanghai") == ["2026-12-01 09:00-09:45", "2026-12-01 11:00-11:45"]
    # A booking of another length (10:30-11:10) blocks 10:00 and, with the buffer, 11:00.
    busy = Busy([(utc(2026, 12, 1, 2, 30), utc(2026, 12, 1, 3, 10))])
    slots = free_slots(rules, busy, NOW, NOW + timedelta(days=1), NOW)
    assert local_times(slots, "Asia/Shanghai") == ["2026-12-01 09:00-09:45"]


def test_minimum_notice_and_horizon():
    rules = Rules(timezone="Asia/Urumqi", weekly=every_day(600, 720), session_minutes=60,
                  min_notice_hours=30, horizon_days=3)
    slots = free_slots(rules, Busy(), NOW, NOW + timedelta(days=30), NOW)
    # Notice: nothing before 2 Dec 06:00 UTC (12:00 Ürümqi); horizon: nothing after 4 Dec 00:00 UTC.
    assert local_times(slots, "Asia/Urumqi") == ["2026-12-03 10:00-11:00", "2026-12-03 11:00-12:00"]


def test_extra_windows_and_blocked_dates():
    rules = Rules(timezone="Asia/Urumqi", weekly={1: [(600, 720)]}, session_minutes=60,
                  extra={date(2026, 12, 3): [(900, 960)]}, blocked_days={date(2026, 12, 8)},
                  blocked={date(2026, 12, 15): [(600, 660)]})
    slots = free_slots(rules, Busy(), NOW, NOW + timedelta(days=20), NOW)
    assert local_times(slots, "Asia/Urumqi") == [
        "2026-12-01 10:00-11:00", "2026-12-01 11:00-12:00",  # Tuesday
        "2026-12-03 15:00-16:00",  # the one-off extra window (a Thursday)
        # Tuesday 8 December is blocked
        "2026-12-15 11:00-12:00",  # 10:00-11:00 blocked that day
    ]


def test_a_window_after_utc_midnight_still_counts():
    # 23:00-24:00 in Tashkent is 18:00-19:00 UTC; a window may end at 24:00.
    rules = Rules(timezone="Asia/Tashkent", weekly=every_day(1380, 1440), session_minutes=60)
    slots = free_slots(rules, Busy(), NOW, NOW + timedelta(days=1), NOW)
    assert [s.start for s in slots] == [utc(2026, 12, 1, 18, 0)]


def test_daylight_saving_in_the_mentors_zone_keeps_wall_clock_windows():
    # Berlin moves from UTC+1 to UTC+2 on Sunday 29 March 2026.
    rules = Rules(timezone="Europe/Berlin", weekly={0: [(600, 720)]}, session_minutes=60, horizon_days=60)
    now = utc(2026, 3, 20, 0, 0)
    slots = free_slots(rules, Busy(), now, utc(2026, 4, 6), now)
    assert local_times(slots, "Europe/Berlin") == [
        "2026-03-23 10:00-11:00", "2026-03-23 11:00-12:00", "2026-03-30 10:00-11:00", "2026-03-30 11:00-12:00"]
    assert [s.start.hour for s in slots] == [9, 10, 8, 9]  # the UTC instants move, the local times do not


def test_daylight_saving_in_the_bookers_zone_does_not_move_a_slot():
    # New York changes clocks on 8 March 2026; the Ürümqi mentor's slots stay at 04:00 UTC.
    rules = Rules(timezone="Asia/Urumqi", weekly=every_day(600, 660), session_minutes=60, horizon_days=60)
    now = utc(2026, 3, 6, 0, 0)
    slots = free_slots(rules, Busy(), now, utc(2026, 3, 11), now)
    assert {s.start.astimezone(timezone.utc).time().hour for s in slots} == {4}
    new_york = [s.start.astimezone(ZoneInfo("America/New_York")).hour for s in slots]
    assert new_york == [23, 23, 23, 0, 0]  # the booker's clock shows the change; the instant does not move


def test_a_time_the_clock_skips_is_no_slot():
    # 02:00-03:00 does not exist in Berlin on 29 March 2026.
    rules = Rules(timezone="Europe/Berlin", weekly={6: [(60, 240)]}, session_minutes=60, horizon_days=60)
    now = utc(2026, 3, 20)
    slots = free_slots(rules, Busy(), now, utc(2026, 3, 30), now)
    assert local_times(slots, "Europe/Berlin") == [
        "2026-03-22 01:00-02:00", "2026-03-22 02:00-03:00", "2026-03-22 03:00-04:00",
        "2026-03-29 01:00-03:00", "2026-03-29 03:00-04:00"]


def test_per_booker_full_months_drop_out():
    rules = Rules(timezone="Asia/Urumqi", weekly=every_day(600, 660), session_minutes=60, horizon_days=60)
    slots = free_slots(rules, Busy(), NOW, NOW + timedelta(days=45), NOW, skip_months=frozenset({(2026, 12)}))
    assert slots and all(s.start.astimezone(ZoneInfo("Asia/Urumqi")).month == 1 for s in slots)


def test_is_open_slot_checks_the_grid_and_the_length():
    rules = Rules(timezone="Asia/Urumqi", weekly=every_day(600, 720), session_minutes=60)
    assert is_open_slot(rules, utc(2026, 12, 1, 4, 0))
    assert is_open_slot(rules, utc(2026, 12, 1, 5, 0))
    assert not is_open_slot(rules, utc(2026, 12, 1, 4, 30))  # off the grid
    assert not is_open_slot(rules, utc(2026, 12, 1, 6, 0))  # 12:00 Ürümqi: outside the window
    assert is_open_slot(rules, utc(2026, 12, 1, 4, 30), minutes=30)  # a shorter session has its own grid


def test_limit_stops_early():
    rules = Rules(timezone="Asia/Urumqi", weekly=every_day(0, 1440), session_minutes=30)
    slots = free_slots(rules, Busy(), NOW, NOW + timedelta(days=30), NOW, limit=3)
    assert len(slots) == 3 and slots[0].start == NOW
    assert isinstance(slots[0].start, datetime)
