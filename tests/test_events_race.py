"""Places and the waiting list are exact under concurrency, on SQLite and PostgreSQL
(issue 10's acceptance): 100 threads register 100 people for an event of capacity 30
through the API at once → exactly 30 registered and 70 waiting, in arrival order, no
one twice; then 10 of the registered cancel at once → exactly the first 10 waiting move
up, and each of them is told once.

Each racer is its own request (its own unit of work, its own pooled connection); the
registration service takes the event's row lock (SELECT … FOR UPDATE on PostgreSQL;
SQLite's BEGIN IMMEDIATE serialises writers, waiting up to the busy timeout)."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from collab import create_app
from collab.extensions import db

# Racing threads, each on its own connection: real commits on a database of the test's own.
pytestmark = pytest.mark.committed

PEOPLE = 100
CAPACITY = 30
CANCELLING = 10
# PostgreSQL allows 100 connections in all (and other tests run beside this one): the
# racers share a smaller pool, waiting for a connection as a busy server's requests do.
POOL = 20


@pytest.fixture
def race(app_config):
    """(app, event_id, [(user_id, token)]) with an event of CAPACITY places, published, and
    PEOPLE users holding tokens; nothing held open while racing."""
    app = create_app({**app_config, "RATELIMIT_ENABLED": False, "SQLITE_BUSY_TIMEOUT_MS": 60_000,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": POOL, "max_overflow": 0, "pool_timeout": 60}})
    with app.app_context():
        from collab.auth.models import User
        from collab.auth.services import hash_password
        from collab.auth.tokens import issue_token
        from collab.content import services as content
        from collab.db import utcnow
        from collab.events.kind import EVENTS
        from collab.orgs.models import Organisation
        from collab.orgs.services import load_reference_data

        load_reference_data()
        password = hash_password("secret-pass-1")
        base = Organisation(key="race-base", kind="xinjiang_base", status="approved", name_zh="喀什基地",
                            name_en="Kashgar base", city_zh="喀什", city_en="Kashgar", country="CN",
                            timezone="Asia/Urumqi", facts={})
        db.session.add(base)
        db.session.flush()
        staff = User(email="staff@race.test", password_hash=password, display_name="Base staff", roles="center",
                     organisation_id=base.id, membership_status="approved", timezone="Asia/Urumqi", locale="zh")
        db.session.add(staff)
        db.session.flush()
        start = (utcnow() + timedelta(days=7)).replace(hour=3, minute=0, second=0, microsecond=0)
        event = content.create_item(EVENTS, staff, {
            "type": "matchmaking", "title_zh": "新疆—大连科技成果对接会", "title_en": "Xinjiang–Dalian matching day",
            "description_zh": "一对一洽谈。", "description_en": "One-to-one talks.", "organisation_id": base.id,
            "timezone": "Asia/Urumqi", "starts_at": start, "ends_at": start + timedelta(hours=8),
            "registration_deadline": start - timedelta(hours=12), "place_zh": "喀什", "place_en": "Kashgar",
            "online_url": None, "capacity": CAPACITY, "meeting_minutes": 20, "tables": 10,
            "featured_project_ids": [], "featured_need_ids": [], "sectors": []})
        content.transition_item(event, "publish", staff)
        people = []
        for n in range(PEOPLE):
            user = User(email=f"racer{n}@race.test", password_hash=password, display_name=f"Racer {n}",
                        roles="enterprise", timezone="Asia/Shanghai", locale="zh" if n % 2 else "en")
            db.session.add(user)
            db.session.flush()
            people.append((user.id, issue_token(user, label="race")[0]))
        event_id = event.id
        db.session.commit()
        db.session.remove()  # hold no connection (nor SQLite's write lock) while racing
    yield app, event_id, people
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def warm_pool(app) -> None:
    """Open the pool's connections at once, so no racer waits for one to be made."""
    with app.app_context():
        connections = [db.engine.connect() for _ in range(POOL)]
        for connection in connections:
            connection.close()


def run_race(app, method: str, path: str, tokens: list[str]) -> list[tuple[int, dict | None]]:
    """Send ``method path`` once per token, each from its own thread, all released at once."""
    barrier = threading.Barrier(len(tokens))
    results: list[tuple[int, dict | None]] = [(-1, None)] * len(tokens)

    def racer(index: int) -> None:
        client = app.test_client()
        headers = {"Authorization": f"Bearer {tokens[index]}"}
        barrier.wait()
        try:
            response = client.open(path, method=method, headers=headers)
            results[index] = (response.status_code, response.get_json(silent=True))
        except Exception as error:  # noqa: BLE001 - an exception escaping the app is a failure we report
            results[index] = (-1, {"exception": repr(error)})

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(len(tokens))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def registrations(app, event_id: int) -> list[tuple[int, str, int]]:
    """(user_id, status, sequence) of every registration, in sequence order."""
    from collab.events.models import Registration

    with app.app_context():
        rows = db.session.execute(select(Registration.user_id, Registration.status, Registration.sequence)
                                  .where(Registration.event_id == event_id).order_by(Registration.sequence)).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def waitlist_positions(app, event_id: int) -> list[int]:
    """The waiting list's positions as the service computes them, in sequence order."""
    from collab.events import services
    from collab.events.models import Registration

    with app.app_context():
        waiting = db.session.scalars(select(Registration).where(
            Registration.event_id == event_id, Registration.status == "waitlisted").order_by(Registration.sequence))
        positions = [services.waitlist_position(registration) for registration in waiting]
        db.session.remove()
    return positions


def notices(app, kind: str) -> Counter:
    """How many notifications of ``kind`` each user has."""
    from collab.notifications.models import Notification

    with app.app_context():
        rows = db.session.execute(select(Notification.user_id, func.count(Notification.id))
                                  .where(Notification.kind == kind).group_by(Notification.user_id)).all()
        db.session.remove()
    return Counter(dict(rows))


def test_a_hundred_racers_for_thirty_places_then_ten_cancel(race):
    app, event_id, people = race
    tokens = dict((user_id, token) for user_id, token in people)
    warm_pool(app)
    path = f"/api/v1/events/{event_id}/registrations"
    results = run_race(app, "POST", path, [token for _user_id, token in people])

    # Every racer got an answer, none an error: 30 places, then the waiting list 1..70.
    assert [status for status, _body in results] == [201] * PEOPLE, [r for r in results if r[0] != 201][:5]
    bodies = [body for _status, body in results]
    assert Counter(body["status"] for body in bodies) == {"registered": CAPACITY, "waitlisted": PEOPLE - CAPACITY}
    assert sorted(b["waitlist_position"] for b in bodies if b["status"] == "waitlisted") == list(
        range(1, PEOPLE - CAPACITY + 1))

    rows = registrations(app, event_id)
    assert len(rows) == PEOPLE and len({user_id for user_id, _s, _q in rows}) == PEOPLE  # no one twice
    assert [sequence for _u, _s, sequence in rows] == list(range(1, PEOPLE + 1))  # arrival order, no gaps
    # In order: the first 30 to arrive have the places, the rest wait in their arrival order.
    assert [status for _u, status, _q in rows] == ["registered"] * CAPACITY + ["waitlisted"] * (PEOPLE - CAPACITY)
    assert waitlist_positions(app, event_id) == list(range(1, PEOPLE - CAPACITY + 1))
    # What each racer was told matches where they stand.
    by_user = {user_id: (status, sequence) for user_id, status, sequence in rows}
    for (user_id, _token), body in zip(people, bodies):
        status, sequence = by_user[user_id]
        assert body["status"] == status and body["sequence"] == sequence
        assert body["waitlist_position"] == (sequence - CAPACITY if status == "waitlisted" else None)
    assert notices(app, "event_registered") == Counter({user_id: 1 for user_id, s, _q in rows if s == "registered"})
    assert notices(app, "event_waitlisted") == Counter({user_id: 1 for user_id, s, _q in rows if s == "waitlisted"})

    # Ten of the registered (every third one) cancel at once: the first ten waiting move up.
    registered = [user_id for user_id, status, _q in rows if status == "registered"]
    leaving = registered[::3][:CANCELLING]
    first_waiting = [user_id for user_id, status, _q in rows if status == "waitlisted"][:CANCELLING]
    results = run_race(app, "DELETE", f"{path}/me", [tokens[user_id] for user_id in leaving])
    assert [status for status, _body in results] == [200] * CANCELLING, results
    assert all(body["status"] == "cancelled" for _status, body in results)

    after = {user_id: status for user_id, status, _q in registrations(app, event_id)}
    assert Counter(after.values()) == {"registered": CAPACITY, "waitlisted": PEOPLE - CAPACITY - CANCELLING,
                                       "cancelled": CANCELLING}
    assert {user_id for user_id in leaving if after[user_id] == "cancelled"} == set(leaving)
    assert all(after[user_id] == "registered" for user_id in first_waiting)
    assert waitlist_positions(app, event_id) == list(range(1, PEOPLE - CAPACITY - CANCELLING + 1))
    # Each who moved up is told exactly once; nobody else is.
    assert notices(app, "event_moved_up") == Counter({user_id: 1 for user_id in first_waiting})
    assert notices(app, "event_registration_cancelled") == Counter({user_id: 1 for user_id in leaving})
