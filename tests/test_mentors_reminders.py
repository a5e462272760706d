"""Reminders 24 hours and 1 hour before a confirmed session, with a frozen clock: each
goes out exactly once, to both sides, even when the job runs twice, concurrently, or
crashes half-way; cancelled and unconfirmed bookings get none."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from collab.extensions import db
from collab.jobs import run_job
from collab.mentors import bookings as services
from collab.mentors.models import Booking

from mentor_support import NOW, book, utc

START = utc(2026, 12, 4, 4, 0)  # Friday 10:00 in Ürümqi, three days after NOW


@pytest.fixture
def confirmed(app, frozen, make_mentor, create_user):
    mentor = make_mentor(tz="Asia/Urumqi", locale="zh")
    founder = create_user(timezone="Asia/Tashkent", locale="en")
    booking = book(mentor, founder, START)
    services.confirm(booking, mentor.user)
    db.session.commit()
    # run_job ends its session, which detaches ORM objects: tests keep plain values.
    return {"id": booking.id, "booker": founder.email, "mentor": mentor.user.email}


def reminders(outbox) -> list:
    return [m for m in outbox() if m.template == "booking_reminder"]


def run(app) -> int:
    return run_job(app, "booking_reminders")


def test_each_reminder_goes_out_once_to_both_sides(app, confirmed, frozen, outbox):
    frozen.move_to(START - timedelta(hours=24, minutes=1))
    assert run(app) == 0 and reminders(outbox) == []
    frozen.move_to(START - timedelta(hours=24))
    assert run(app) == 1
    first = reminders(outbox)
    assert len(first) == 2
    assert {m.recipient for m in first} == {confirmed["booker"], confirmed["mentor"]}
    to_founder = next(m for m in first if m.locale == "en")
    assert to_founder.subject == "Tomorrow: your mentoring session"
    assert "09:00–10:00 Tashkent time (12:00–13:00 Beijing time)" in to_founder.body_text
    assert run(app) == 0  # the job runs again: nothing twice
    frozen.move_to(START - timedelta(hours=5))
    assert run(app) == 0 and len(reminders(outbox)) == 2
    frozen.move_to(START - timedelta(minutes=59))
    assert run(app) == 1
    assert run(app) == 0
    last = reminders(outbox)[2:]
    assert len(last) == 2 and all(m.template == "booking_reminder" for m in last)
    assert next(m for m in last if m.locale == "en").subject == "In one hour: your mentoring session"
    frozen.move_to(START + timedelta(minutes=5))
    assert run(app) == 0 and len(reminders(outbox)) == 4


def test_cancelled_and_unconfirmed_bookings_get_no_reminder(app, frozen, make_mentor, create_user, outbox):
    mentor = make_mentor()
    founder = create_user()
    cancelled = book(mentor, founder, START)
    services.confirm(cancelled, mentor.user)
    services.cancel(cancelled, founder, "Flight changed")
    book(mentor, create_user(), START + timedelta(hours=1))  # requested, never confirmed
    db.session.commit()
    for moment in (START - timedelta(hours=23), START - timedelta(minutes=30)):
        frozen.move_to(moment)
        assert run(app) == 0
    assert reminders(outbox) == []


def test_a_session_confirmed_late_gets_only_the_one_hour_reminder(app, frozen, make_mentor, create_user, outbox):
    mentor = make_mentor()
    booking = book(mentor, create_user(), START)
    frozen.move_to(START - timedelta(hours=10))
    services.confirm(booking, mentor.user)  # the confirmation itself tells them; no 24-hour reminder
    db.session.commit()
    assert run(app) == 0
    frozen.move_to(START - timedelta(minutes=30))
    assert run(app) == 1 and len(reminders(outbox)) == 2


def test_a_run_that_crashes_sends_nothing_and_the_next_run_sends_once(app, confirmed, frozen, outbox, monkeypatch):
    import collab.mentors.bookings as module

    frozen.move_to(START - timedelta(hours=20))
    real_send = module.send_email
    calls = {"n": 0}

    def failing_send(user, template, **context):
        calls["n"] += 1
        if calls["n"] == 2:  # the process dies after the first of two e-mails
            raise RuntimeError("killed")
        return real_send(user, template, **context)

    monkeypatch.setattr(module, "send_email", failing_send)
    with pytest.raises(RuntimeError):
        run(app)
    db.session.expire_all()
    assert reminders(outbox) == []
    assert db.session.get(Booking, confirmed["id"]).reminded_24h_at is None  # the claim rolled back too
    monkeypatch.setattr(module, "send_email", real_send)
    assert run(app) == 1 and run(app) == 0
    assert len(reminders(outbox)) == 2


@pytest.mark.committed  # two threads, each its own connection
def test_two_concurrent_runs_send_each_reminder_once(app, frozen, make_mentor, create_user, outbox):
    mentor = make_mentor(windows=[{"weekday": d, "start": "00:00", "end": "24:00"} for d in range(7)])
    for hour in range(6):
        booking = book(mentor, create_user(), START + timedelta(hours=hour))
        services.confirm(booking, mentor.user)
    db.session.commit()
    db.session.remove()
    frozen.move_to(START - timedelta(hours=12))
    barrier = threading.Barrier(2)
    results = []

    def worker():
        barrier.wait()
        results.append(run(app))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results)[-1] + sorted(results)[0] == 6
    assert len(reminders(outbox)) == 12
    sent = db.session.scalars(select(Booking.reminded_24h_at)).all()
    assert all(value is not None for value in sent)
