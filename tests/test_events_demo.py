"""Demo events: two held (registrations, attendance, a held one-to-one schedule) and two
upcoming published ones, hosted by real organisations; loading twice adds nothing."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from collab.content.models import StatusChange
from collab.db import utcnow
from collab.events import stats
from collab.events.models import Event, Meeting, Registration, Wish
from collab.extensions import db
from collab.mail.models import OutboxMessage
from collab.notifications.models import Notification

from conftest import count_rows


def test_demo_events_past_and_upcoming_idempotent(app, client):
    from collab.demo import load_demo

    summary = load_demo()
    db.session.commit()
    assert summary["events"] == 4 and summary["event_meetings"] > 0
    now = utcnow()
    events = list(db.session.scalars(select(Event).order_by(Event.starts_at)))
    held, upcoming = events[:2], events[2:]
    assert [e.status for e in events] == ["held", "held", "published", "published"]
    assert {e.organisation.key for e in events} == {"kashgar-edz", "dalian-offshore", "shanghai-offshore"}
    assert {e.type for e in held} == {"talent", "matchmaking"}
    assert {e.type for e in upcoming} == {"matchmaking", "roadshow"}
    assert all(e.ends_at < now for e in held) and all(e.starts_at > now + timedelta(days=3) for e in upcoming)
    assert all(e.title_zh and e.title_en and e.description_zh and e.description_en and e.place_zh and e.place_en
               for e in events)

    for event in held:
        attended = db.session.scalar(select(func.count(Registration.id)).where(
            Registration.event_id == event.id, Registration.attended.is_(True)))
        registered = db.session.scalar(select(func.count(Registration.id)).where(
            Registration.event_id == event.id, Registration.status == "registered"))
        assert 0 < attended < registered  # attendance marked, somebody did not come
        steps = list(db.session.scalars(select(StatusChange.to_status).where(
            StatusChange.item_type == "event", StatusChange.item_id == event.id).order_by(StatusChange.created_at)))
        assert steps[-2:] == ["published", "held"]
        assert event.published_at < event.registration_deadline < event.starts_at
    matchmaking = next(e for e in held if e.type == "matchmaking")
    meetings = list(db.session.scalars(select(Meeting).where(Meeting.event_id == matchmaking.id)))
    assert len(meetings) >= 4 and matchmaking.schedule_generated_at < matchmaking.starts_at
    assert {m.project_id or m.need_id for m in meetings}
    assert all(m.item.id in (matchmaking.featured_project_ids if m.project_id else matchmaking.featured_need_ids)
               and m.host_id == m.item.owner_id for m in meetings)
    slots = [(m.slot, person) for m in meetings for person in m.participant_ids]
    assert len(slots) == len(set(slots))  # nobody in two meetings at once
    assert len({(m.slot, m.table_number) for m in meetings}) == len(meetings)

    day = next(e for e in upcoming if e.type == "matchmaking")
    assert day.has_meetings and day.featured_project_ids and day.featured_need_ids
    assert db.session.scalar(select(func.count(Wish.id)).where(Wish.event_id == day.id))
    for event in upcoming:
        assert db.session.scalar(select(func.count(Registration.id)).where(
            Registration.event_id == event.id, Registration.status == "registered")) >= 3
    # The demo accounts registered through the service and were told; the rest are quiet rows.
    assert 0 < db.session.scalar(select(func.count(Notification.id)).where(
        Notification.kind == "event_registered")) <= 6
    assert count_rows(OutboxMessage) <= 6

    figures = stats.event_counts_by_organisation(now - timedelta(days=366), now)
    by_key = {e.organisation.key: e.organisation_id for e in events}
    assert figures[by_key["dalian-offshore"]]["meetings"] == len(meetings)
    assert figures[by_key["kashgar-edz"]]["events_held"] == 1
    assert by_key["shanghai-offshore"] not in figures  # published, not held yet

    before = tuple(count_rows(model) for model in (Event, Registration, Meeting, Wish, StatusChange, Notification))
    again = load_demo()
    db.session.commit()
    assert again["events"] == again["event_registrations"] == again["event_meetings"] == 0
    assert tuple(count_rows(model) for model in (Event, Registration, Meeting, Wish, StatusChange,
                                                 Notification)) == before

    for lang, title in (("zh", "title_zh"), ("en", "title_en")):
        home = client.get(f"/{lang}/").get_data(as_text=True)
        assert all(getattr(e, title) in home for e in upcoming)
        assert not any(getattr(e, title) in home for e in held)
        profile = client.get(f"/{lang}/organisations/dalian-offshore").get_data(as_text=True)
        assert getattr(day, title) in profile and getattr(matchmaking, title) in profile
