"""Plain helpers of the mentors tests: the frozen "now", UTC instants, booking.

The fixtures (``frozen``, ``make_mentor``, ``api_token``) live in tests/factories/mentors.py
and reach every test through ``pytest_plugins``: use them by name, do not import them."""
from __future__ import annotations

from datetime import datetime, timezone

from collab.extensions import db

# Tuesday 1 December 2026, 00:00 UTC: the frozen "now" of most mentor tests
# (08:00 in Beijing, 06:00 in Ürümqi, 05:00 in Tashkent).
NOW = datetime(2026, 12, 1, 0, 0, tzinfo=timezone.utc)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def book(profile, booker, start, **kwargs):
    """Book through the service and commit (test shorthand)."""
    from collab.mentors import bookings

    kwargs.setdefault("topic", "Market entry in Kashgar")
    kwargs.setdefault("language", "en")
    booking = bookings.book(profile, booker, start, **kwargs)
    db.session.commit()
    return booking
