"""The event figures the indicator reports read (collab/events/stats.py), on a hand-built
set of events: only held ones count, by their start in the period (Beijing-time days),
per host organisation and network-wide."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine

from collab.events import stats
from collab.events.models import Meeting, Registration
from collab.extensions import db

BEIJING = ZoneInfo("Asia/Shanghai")
Q1 = stats.period(2026, 1)


def at(*args, zone=BEIJING) -> datetime:
    """A wall-clock time in ``zone`` (Beijing by default), as an aware UTC instant."""
    return datetime(*args, tzinfo=zone).astimezone(timezone.utc)


@contextmanager
def counted_queries():
    statements = []

    def count(conn, cursor, statement, *_args):
        statements.append(statement)

    sa_event.listen(Engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa_event.remove(Engine, "before_cursor_execute", count)


@pytest.fixture
def network(organiser, create_user, make_event, make_project):
    """Two hosts; held, cancelled, published and draft events with places, waiting lists,
    cancellations, attendance and meetings."""
    host_a, host_b = organiser(), organiser(kind="offshore_incubator")
    people = [create_user(role="mentor") for _ in range(6)]
    project = make_project(host_a, "published")

    def event(owner, status, type_, start, **fields):
        return make_event(owner, status, type=type_, starts_at=start, ends_at=start + timedelta(hours=6),
                          registration_deadline=start - timedelta(days=1), tables=0, **fields)

    def places(ev, *statuses_attended):
        for sequence, (status, attended) in enumerate(statuses_attended, start=1):
            db.session.add(Registration(event_id=ev.id, user_id=people[sequence - 1].id, status=status,
                                        sequence=sequence, attended=attended))

    def meetings(ev, *statuses):
        for slot, status in enumerate(statuses):
            start = ev.starts_at + timedelta(minutes=20 * slot)
            db.session.add(Meeting(event_id=ev.id, slot=slot, table_number=1, starts_at=start,
                                   ends_at=start + timedelta(minutes=20), project_id=project.id,
                                   participant_id=people[slot].id, host_id=host_a.id, status=status))

    a_match = event(host_a, "held", "matchmaking", at(2026, 2, 10, 10))
    places(a_match, ("registered", True), ("registered", True), ("registered", False), ("waitlisted", None),
           ("cancelled", None))
    meetings(a_match, "scheduled", "scheduled", "cancelled")
    a_training = event(host_a, "held", "training", at(2026, 3, 5, 14))
    places(a_training, ("registered", True), ("registered", None))
    a_competition = event(host_a, "held", "competition", at(2026, 3, 20, 9))
    places(a_competition, ("registered", True), ("registered", True), ("registered", False), ("registered", None),
           ("cancelled", None))
    # Never counted: cancelled, published (not marked held) and draft events.
    a_cancelled = event(host_a, "cancelled", "roadshow", at(2026, 2, 1, 10))
    places(a_cancelled, ("registered", True), ("registered", True))
    a_published = event(host_a, "published", "talent", at(2026, 3, 1, 10))
    places(a_published, ("registered", True))
    event(host_a, "draft", "training", at(2026, 3, 2, 10))
    # Host B: one roadshow in the quarter, one talent day at each edge of it.
    b_roadshow = event(host_b, "held", "roadshow", at(2026, 1, 15, 14))
    places(b_roadshow, ("registered", True), ("waitlisted", True))  # let in at the door: attended
    b_first = event(host_b, "held", "talent", at(2026, 1, 1, 0))  # the quarter's first instant
    places(b_first, ("registered", True))
    b_next = event(host_b, "held", "talent", at(2026, 4, 1, 0))  # Q2's first instant
    places(b_next, ("registered", True), ("registered", True))
    db.session.commit()
    return {"a": host_a.organisation_id, "b": host_b.organisation_id,
            "events": {"a_match": a_match, "a_training": a_training, "a_competition": a_competition,
                       "b_roadshow": b_roadshow, "b_first": b_first, "b_next": b_next}}


HOST_A_Q1 = {"events_held": 1, "trainings_held": 1, "competitions_held": 1, "competition_entries": 4,
             "matchmaking_held": 1, "roadshows_held": 0, "talent_days_held": 0, "all_events_held": 3,
             "registrations": 3 + 2 + 4, "attendance": 2 + 1 + 2, "meetings": 2}
HOST_B_Q1 = {"events_held": 2, "trainings_held": 0, "competitions_held": 0, "competition_entries": 0,
             "matchmaking_held": 0, "roadshows_held": 1, "talent_days_held": 1, "all_events_held": 2,
             "registrations": 2, "attendance": 3, "meetings": 0}


def test_a_host_counts_only_its_held_events_of_the_quarter(network):
    assert stats.event_counts(network["a"], *Q1) == HOST_A_Q1
    assert stats.event_counts(network["b"], *Q1) == HOST_B_Q1


def test_the_whole_network_adds_every_host_up(network):
    assert stats.event_counts(None, *Q1) == {key: HOST_A_Q1[key] + HOST_B_Q1[key] for key in stats.KEYS}


def test_the_breakdown_by_organisation_matches_each_host(network):
    assert stats.event_counts_by_organisation(*Q1) == {network["a"]: HOST_A_Q1, network["b"]: HOST_B_Q1}


def test_period_bounds_are_beijing_days_start_included_end_excluded(network):
    q2 = stats.event_counts(network["b"], *stats.period(2026, 2))
    assert (q2["talent_days_held"], q2["registrations"]) == (1, 2)  # the talent day at Q2's first instant
    assert stats.event_counts(network["b"], *stats.period(2025))["all_events_held"] == 0
    year = stats.event_counts(network["b"], *stats.period(2026))
    assert year["all_events_held"] == 3 and year["registrations"] == 4
    # The same bounds given as instants in another zone, and one second short of the edge.
    urumqi = ZoneInfo("Asia/Urumqi")
    assert stats.event_counts(network["b"], datetime(2025, 12, 31, 22, tzinfo=urumqi),
                              datetime(2026, 3, 31, 22, tzinfo=urumqi)) == HOST_B_Q1
    just_after = datetime(2025, 12, 31, 16, 0, 1, tzinfo=timezone.utc)
    assert stats.event_counts(network["b"], just_after, date(2026, 4, 1))["talent_days_held"] == 0


def test_an_empty_period_and_an_unknown_host_count_zero(network):
    assert stats.event_counts(network["a"], *stats.period(2027)) == stats.empty_counts()
    assert stats.event_counts(999_999, *Q1) == stats.empty_counts()
    assert stats.event_counts_by_organisation(*stats.period(2027)) == {}


def test_each_figure_is_one_query(network):
    with counted_queries() as one:
        stats.event_counts(network["a"], *Q1)
    with counted_queries() as breakdown:
        stats.event_counts_by_organisation(*stats.period(2026))
    assert len(one) == 1 and len(breakdown) == 1


def test_the_events_behind_a_figure(network):
    events = network["events"]
    assert stats.held_events(network["a"], *Q1, key="events_held") == [events["a_match"]]
    assert stats.held_events(network["a"], *Q1, key="competition_entries") == [events["a_competition"]]
    assert stats.held_events(None, *Q1) == [events["b_first"], events["b_roadshow"], events["a_match"],
                                            events["a_training"], events["a_competition"]]


def test_indicator_keys_are_codes_of_the_indicator_table():
    import json
    from importlib import resources

    codes = {i["code"] for i in json.loads(resources.files("collab.data").joinpath("indicators.json")
                                           .read_text(encoding="utf-8"))["indicators"]}
    assert set(stats.INDICATOR_KEYS) <= codes
    assert not (set(stats.KEYS) - set(stats.INDICATOR_KEYS)) & codes  # the other keys name no indicator


@pytest.mark.parametrize("bound", [datetime(2026, 1, 1), "2026-01-01", 20260101])
def test_a_naive_or_unknown_bound_is_refused(bound):
    with pytest.raises((ValueError, TypeError)):
        stats.instant(bound)


def test_periods():
    assert stats.period(2026) == (date(2026, 1, 1), date(2027, 1, 1))
    assert stats.period(2026, 4) == (date(2026, 10, 1), date(2027, 1, 1))
    assert stats.instant(date(2026, 1, 1)) == datetime(2025, 12, 31, 16, tzinfo=timezone.utc)
    with pytest.raises(ValueError):
        stats.period(2026, 5)
