"""Benchmark of free-slot computation (issue 5).

    .venv/bin/python -m bench.slots [--mentors 200] [--bookings 5000] [--days 30] [--runs 15]

Builds a migrated SQLite database in a temporary folder with ``--mentors`` mentors in
four zones (weekly windows, a buffer, notice and horizon) and ``--bookings`` live
bookings over the next ``--days`` days, then times, database queries included:

* the directory's "next free slots": the next 3 free slots of every mentor (one query
  for the profiles, one for their windows, one for the bookings) — target < 100 ms;
* the directory with the "free in the next 7 days" filter (same work, as the page does it);
* one mentor's month of free slots — target < 10 ms.

Medians of ``--runs`` runs; prints one JSON line last; exits 1 when a target is missed.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from bench import timed

TARGET_DIRECTORY_MS = 100.0
TARGET_MONTH_MS = 10.0
ZONES = ("Asia/Shanghai", "Asia/Urumqi", "Asia/Tashkent", "Europe/Berlin")


def build(app, n_mentors: int, n_bookings: int, days: int, seed: int = 5) -> None:
    """Mentors with windows and non-overlapping live bookings, inserted in bulk."""
    from sqlalchemy import insert

    from collab.auth.models import User
    from collab.db import utcnow
    from collab.extensions import db
    from collab.mentors.models import Booking, MentorProfile, MentorWindow
    from collab.mentors.services import rules_for
    from collab.mentors.slots import Busy, free_slots

    rnd = random.Random(seed)
    now = utcnow()
    db.session.execute(insert(User), [
        {"email": f"m{i}@bench.test", "password_hash": "x", "display_name": f"Mentor {i:03d}", "locale": "en",
         "timezone": ZONES[i % len(ZONES)], "roles": "mentor", "membership_status": "none",
         "session_token": f"t{i}", "is_enabled": True, "created_at": now}
        for i in range(n_mentors + 1)])
    users = db.session.execute(db.select(User.id, User.email)).all()
    by_email = {email: uid for uid, email in users}
    db.session.execute(insert(MentorProfile), [
        {"user_id": by_email[f"m{i}@bench.test"], "timezone": ZONES[i % len(ZONES)], "languages": "zh en",
         "offers_online": True, "offers_in_person": False, "session_minutes": 60, "buffer_minutes": 15,
         "min_notice_hours": 12, "horizon_days": days, "auto_confirm": False, "is_active": True,
         "created_at": now, "updated_at": now}
        for i in range(n_mentors)])
    profiles = list(db.session.scalars(db.select(MentorProfile)))
    windows = []
    for p in profiles:
        for weekday in range(5):
            windows.append({"mentor_id": p.id, "weekday": weekday, "start_minute": 540, "end_minute": 720})
            windows.append({"mentor_id": p.id, "weekday": weekday, "start_minute": 840, "end_minute": 1080})
        windows.append({"mentor_id": p.id, "weekday": 5, "start_minute": 600, "end_minute": 720})
    db.session.execute(insert(MentorWindow), windows)
    db.session.commit()
    db.session.expire_all()
    booker = by_email[f"m{n_mentors}@bench.test"]
    rows = []
    per_mentor = n_bookings // n_mentors
    for p in db.session.scalars(db.select(MentorProfile)):
        open_slots = free_slots(rules_for(p), Busy(), now, now + timedelta(days=days), now)
        for slot in rnd.sample(open_slots, min(per_mentor, len(open_slots))):
            rows.append({"uid": f"{p.id}-{slot.start.timestamp()}@bench", "mentor_id": p.id, "booker_id": booker,
                         "start_at": slot.start, "end_at": slot.end, "status": rnd.choice(("requested", "confirmed")),
                         "topic": "bench", "language": "en", "mode": "online", "timezone": p.timezone,
                         "sequence": 0, "created_at": now, "updated_at": now})
    db.session.execute(insert(Booking), rows)
    db.session.commit()
    print(f"built {len(profiles)} mentors, {len(windows)} windows, {len(rows)} live bookings", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentors", type=int, default=200)
    parser.add_argument("--bookings", type=int, default=5000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from collab import create_app
    from collab.extensions import db

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url, "LOG_LEVEL": "WARNING",
                          "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
        with app.app_context():
            upgrade()
        with app.test_request_context("/en/mentors/"):
            build(app, args.mentors, args.bookings, args.days)
            from collab.mentors import services
            from collab.mentors.models import MentorProfile

            def directory_next_slots():
                db.session.expire_all()
                # As the directory's "free this week" filter does: the filtered ids as a subquery.
                ids = services.directory_statement().with_only_columns(MentorProfile.id).order_by(None)
                return services.next_free_slots(ids)

            def directory_free_this_week():
                db.session.expire_all()
                return services.directory(free_within_days=7, page=1, per_page=20)

            one = db.session.scalars(db.select(MentorProfile).order_by(MentorProfile.id)).first()

            def one_month():
                db.session.expire(one)
                now = services.utcnow()
                return services.mentor_slots(one, now, now + timedelta(days=args.days))

            next_ms, next_slots = timed(directory_next_slots, args.runs)
            free_ms, (_profiles, free_total, _slots) = timed(directory_free_this_week, args.runs)
            month_ms, month = timed(one_month, args.runs)
            db.session.remove()
            db.engine.dispose()
    with_slots = sum(1 for slots in next_slots.values() if slots)
    result = {
        "mentors": args.mentors, "bookings": args.bookings, "days": args.days, "runs": args.runs,
        "directory_next_slots_ms": round(next_ms, 2), "directory_next_slots_target_ms": TARGET_DIRECTORY_MS,
        "mentors_with_next_slots": with_slots,
        "directory_free_7_days_ms": round(free_ms, 2), "mentors_free_7_days": free_total,
        "one_mentor_month_ms": round(month_ms, 3), "one_mentor_month_target_ms": TARGET_MONTH_MS,
        "one_mentor_month_slots": len(month),
    }
    print(f"directory next 3 free slots of {args.mentors} mentors: {next_ms:.1f} ms "
          f"(target < {TARGET_DIRECTORY_MS} ms)")
    print(f"directory filtered to free in 7 days: {free_ms:.1f} ms ({free_total} mentors)")
    print(f"one mentor's {args.days} days: {month_ms:.2f} ms, {len(month)} slots (target < {TARGET_MONTH_MS} ms)")
    print(json.dumps(result))
    ok = next_ms < TARGET_DIRECTORY_MS and month_ms < TARGET_MONTH_MS and with_slots == args.mentors
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
