"""No double booking, ever, on SQLite and PostgreSQL: 50 threads (each its own pooled
connection, the pool warmed first) race for one slot, and 20 race for overlapping slots
of different lengths, through the API. Exactly one request wins each contested instant;
the others get 409, never a 500. A canary run with the guard off (the check-then-insert of
a naive app swapped in for the locked one, and the database constraints dropped) must show
a double booking, so the test can catch one."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text

from collab import create_app
from collab.db import _write_scope
from collab.extensions import db

# Racing threads, each on its own connection: real commits on a database of the module's own.
pytestmark = pytest.mark.committed

RACERS = 50
OVERLAP_RACERS = 20


def _race_app(app_config, **extra):
    config = {**app_config, **extra,
              "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": RACERS + 2, "max_overflow": 0, "pool_timeout": 60}}
    return create_app(config)


@pytest.fixture
def race(app_config):
    """(app, mentor_id, tokens) with a mentor open all day and RACERS bookers with tokens."""
    app = _race_app(app_config, RATELIMIT_ENABLED=False)
    with app.app_context():
        from collab.auth.models import User
        from collab.auth.services import hash_password
        from collab.auth.tokens import issue_token
        from collab.mentors import services
        from collab.orgs.services import load_reference_data

        load_reference_data()
        password = hash_password("secret-pass-1")
        mentor_user = User(email="mentor@race.test", password_hash=password, display_name="Mentor", roles="mentor",
                           timezone="Asia/Urumqi", locale="en")
        db.session.add(mentor_user)
        db.session.flush()
        profile = services.ensure_profile(mentor_user)
        profile.languages = "en"
        services.set_availability(profile, mentor_user, timezone="Asia/Urumqi",
                                  weekly=[{"weekday": d, "start": "00:00", "end": "24:00"} for d in range(7)],
                                  session_minutes=60, buffer_minutes=0, min_notice_hours=0, horizon_days=30)
        tokens = []
        for n in range(RACERS):
            user = User(email=f"booker{n}@race.test", password_hash=password, display_name=f"Booker {n}",
                        roles="enterprise", timezone="Asia/Shanghai", locale="en")
            db.session.add(user)
            db.session.flush()
            tokens.append(issue_token(user, label="race")[0])
        mentor_id = profile.id
        db.session.commit()
        db.session.remove()  # hold no connection (nor SQLite's write lock) while racing
        yield app, mentor_id, tokens
        db.session.remove()
        db.engine.dispose()


def warm_pool(app) -> None:
    """Open RACERS connections at once, so no racer waits for a connection to be made."""
    with app.app_context():
        # Checking a connection out opens it; no statement, so SQLite takes no write lock.
        connections = [db.engine.connect() for _ in range(RACERS)]
        assert db.engine.pool.checkedout() == RACERS
        for connection in connections:
            connection.close()


def run_race(app, requests: list[dict], tokens: list[str]) -> list[int]:
    """POST each body to /api/v1/bookings from its own thread, all released at once."""
    barrier = threading.Barrier(len(requests))
    statuses: list[int | None] = [None] * len(requests)

    def racer(index: int) -> None:
        client = app.test_client()
        headers = {"Authorization": f"Bearer {tokens[index]}"}
        barrier.wait()
        try:
            statuses[index] = client.post("/api/v1/bookings", json=requests[index], headers=headers).status_code
        except Exception:  # noqa: BLE001 - an exception escaping the app is a failure we report
            statuses[index] = -1

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


def next_hour(hours_ahead: int) -> datetime:
    now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    return now + timedelta(hours=hours_ahead)


def live_bookings(app, mentor_id: int) -> list[tuple[datetime, datetime]]:
    from collab.mentors.models import LIVE_STATUSES, Booking

    with app.app_context():
        rows = db.session.execute(select(Booking.start_at, Booking.end_at).where(
            Booking.mentor_id == mentor_id, Booking.status.in_(LIVE_STATUSES)).order_by(Booking.start_at)).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def test_fifty_racers_for_one_slot_one_wins(race):
    app, mentor_id, tokens = race
    warm_pool(app)
    start = next_hour(48)
    body = {"mentor_id": mentor_id, "start": start.isoformat(), "topic": "Race", "language": "en"}
    statuses = run_race(app, [body] * RACERS, tokens)
    assert sorted(set(statuses)) == [201, 409], statuses
    assert statuses.count(201) == 1
    assert live_bookings(app, mentor_id) == [(start, start + timedelta(hours=1))]


def test_twenty_racers_for_overlapping_slots_of_different_lengths(race):
    app, mentor_id, tokens = race
    warm_pool(app)
    # Ürümqi is UTC+6 without daylight saving, so local whole hours are UTC whole hours and
    # the 30-, 45- and 60-minute grids (from the 00:00 window start) all meet at 03:00 local.
    base = next_hour(72)
    base = base.replace(hour=(3 - 6) % 24) if base.hour <= (3 - 6) % 24 else \
        (base + timedelta(days=1)).replace(hour=(3 - 6) % 24)
    wanted = [(0, 60), (60, 60), (0, 45), (45, 45), (0, 30), (30, 30), (60, 30)]
    requests = []
    for index in range(OVERLAP_RACERS):
        offset, minutes = wanted[index % len(wanted)]
        requests.append({"mentor_id": mentor_id, "start": (base + timedelta(minutes=offset)).isoformat(),
                         "minutes": minutes, "topic": "Race", "language": "en"})
    statuses = run_race(app, requests, tokens)
    assert set(statuses) <= {201, 409}, statuses
    winners = live_bookings(app, mentor_id)
    assert len(winners) == statuses.count(201) >= 1
    # No instant is held by two bookings...
    for (s1, e1), (s2, e2) in zip(winners, winners[1:]):
        assert e1 <= s2, winners
    # ...and every refusal was right: each losing request overlaps a winner.
    for body, status in zip(requests, statuses):
        start = datetime.fromisoformat(body["start"])
        end = start + timedelta(minutes=body["minutes"])
        holders = [(s, e) for s, e in winners if s < end and start < e]
        if status == 409:
            assert holders, (body, winners)
        else:
            assert holders == [(start, end)]


def naive_claim(mentor_id: int, start: datetime, end: datetime, buffer_minutes: int) -> None:
    """The check a naive app makes before it inserts: in a read transaction of its own
    (outside the write scope, so SQLite takes no write lock) with no lock on the mentor."""
    from collab.mentors.bookings import SlotTaken
    from collab.mentors.models import LIVE_STATUSES, Booking

    db.session.commit()
    token = _write_scope.set(False)
    try:
        with db.engine.connect() as connection:
            buffer = timedelta(minutes=buffer_minutes)
            taken = connection.scalar(select(func.count(Booking.id)).where(
                Booking.mentor_id == mentor_id, Booking.status.in_(LIVE_STATUSES),
                Booking.start_at < end + buffer, Booking.end_at > start - buffer))
    finally:
        _write_scope.reset(token)
    if taken:
        raise SlotTaken()


@pytest.fixture
def unguarded(race, backend, monkeypatch):
    """The race app with the guard swapped for ``naive_claim`` and the database
    constraints dropped (restored after)."""
    from collab.mentors import bookings

    monkeypatch.setattr(bookings, "_claim_slot", naive_claim)
    app, mentor_id, tokens = race
    with app.app_context():
        db.session.execute(text("DROP INDEX uq_bookings_live_slot"))
        if backend == "postgresql":
            db.session.execute(text("ALTER TABLE bookings DROP CONSTRAINT ex_bookings_no_overlap"))
        db.session.commit()
        db.session.remove()
    try:
        yield app, mentor_id, tokens
    finally:
        # PostgreSQL tests share one database: put the guard back exactly as migrated.
        with app.app_context():
            live = "status IN ('requested', 'confirmed')"
            db.session.execute(text("DELETE FROM bookings"))
            db.session.execute(text(f"CREATE UNIQUE INDEX uq_bookings_live_slot ON bookings (mentor_id, start_at) "
                                    f"WHERE {live}"))
            if backend == "postgresql":
                db.session.execute(text("ALTER TABLE bookings ADD CONSTRAINT ex_bookings_no_overlap EXCLUDE USING gist "
                                        f"(mentor_id WITH =, tstzrange(start_at, end_at) WITH &&) WHERE ({live})"))
            db.session.commit()
            db.session.remove()


def test_canary_without_the_guard_double_bookings_happen(unguarded):
    """Proof that the race above is real: with the guard off, some round lets two through."""
    app, mentor_id, tokens = unguarded
    warm_pool(app)
    rounds = []
    for round_number in range(5):
        start = next_hour(48 + round_number)
        body = {"mentor_id": mentor_id, "start": start.isoformat(), "topic": "Race", "language": "en"}
        statuses = run_race(app, [body] * RACERS, tokens)
        rounds.append(statuses.count(201))
        if rounds[-1] > 1:
            break
    assert max(rounds) > 1, f"no double booking in {len(rounds)} unguarded rounds: {rounds} {statuses}"


def test_crossing_state_changes_one_wins(race):
    """The mentor declines while the booker cancels, five times each at once: the booking
    row is locked before its state is checked, so exactly one change happens."""
    from collab.auth.models import User
    from collab.auth.tokens import issue_token
    from collab.mentors.models import Booking

    app, mentor_id, tokens = race
    start = next_hour(50)
    with app.app_context():  # its own session, ended (with its SQLite lock) before the race
        created = app.test_client().post(
            "/api/v1/bookings", headers={"Authorization": f"Bearer {tokens[0]}"},
            json={"mentor_id": mentor_id, "start": start.isoformat(), "topic": "Race", "language": "en"})
        assert created.status_code == 201
        booking_id = created.get_json()["id"]
        mentor_token = issue_token(db.session.scalar(select(User).where(User.email == "mentor@race.test")))[0]
        db.session.commit()
        db.session.remove()
    warm_pool(app)
    barrier = threading.Barrier(10)
    statuses: list[int] = []

    def act(index: int) -> None:
        mentor_turn = index % 2 == 0
        headers = {"Authorization": f"Bearer {mentor_token if mentor_turn else tokens[0]}"}
        path = f"/api/v1/bookings/{booking_id}/{'decline' if mentor_turn else 'cancel'}"
        local = app.test_client()
        barrier.wait()
        statuses.append(local.post(path, json={"reason": "Clash", "note": "Busy"}, headers=headers).status_code)

    threads = [threading.Thread(target=act, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200] + [409] * 9, statuses
    with app.app_context():
        assert db.session.get(Booking, booking_id).status in ("declined", "cancelled")
        db.session.remove()
