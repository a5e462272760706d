"""Mentors with windows, a frozen clock, API tokens. The plain helpers (``NOW``, ``utc``,
``book``) stay in tests/mentor_support.py."""
from __future__ import annotations

import pytest

from collab.extensions import db

from mentor_support import NOW


@pytest.fixture
def frozen():
    """Freeze the clock at NOW (time-machine); yields the traveller to move it."""
    import time_machine

    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def make_mentor(create_user):
    """make_mentor(tz="Asia/Urumqi", windows="10:00-12:00" every day, ...) -> MentorProfile."""
    from collab.mentors import services

    def make(tz="Asia/Urumqi", windows=None, session_minutes=60, buffer_minutes=0, min_notice_hours=0,
             horizon_days=30, monthly_cap=None, languages="zh en", auto_confirm=False, user=None,
             locale="en", exceptions=None, offers_in_person=False, base=None):
        user = user or create_user(role="mentor", timezone=tz, locale=locale)
        profile = services.ensure_profile(user)
        profile.languages = languages
        profile.meeting_link = "https://meet.example.test/mentor"
        profile.headline_en = f"Mentor {user.display_name}"
        profile.auto_confirm = auto_confirm
        profile.offers_in_person = offers_in_person
        profile.base = base
        weekly = windows if windows is not None else [
            {"weekday": d, "start": "10:00", "end": "12:00"} for d in range(7)]
        services.set_availability(profile, user, timezone=tz, weekly=weekly, exceptions=exceptions or [],
                                  session_minutes=session_minutes, buffer_minutes=buffer_minutes,
                                  min_notice_hours=min_notice_hours, horizon_days=horizon_days,
                                  monthly_cap=monthly_cap)
        db.session.commit()
        return profile

    return make


@pytest.fixture
def api_token():
    """api_token(user) -> a bearer token header dict."""
    from collab.auth.tokens import issue_token

    def make(user) -> dict:
        token, _record = issue_token(user, label="test")
        db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return make
