"""A mentor's own pages: becoming a mentor, the bilingual profile, weekly windows and rules,
extra windows and blocked dates; bad input is a translated form error that saves nothing;
nobody else can touch them."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from collab.extensions import db
from collab.mentors.models import MentorException, MentorProfile, MentorWindow

from conftest import count_rows

PROFILE = {
    "headline_zh": "跨境物流导师", "headline_en": "Cross-border logistics", "bio_zh": "十年口岸经验",
    "bio_en": "Ten years at the border", "organisation_id": "0", "city_zh": "喀什", "city_en": "Kashgar",
    "sectors": ["ecommerce_logistics", "modern_agriculture"], "languages": ["zh", "ug", "ru"],
    "offers_online": "y", "meeting_link": "https://meet.example.test/x", "base_id": "0", "is_active": "y",
}


def test_a_center_member_becomes_a_mentor_too(client, create_user, login):
    user = create_user(role="center")
    login(user)
    page = client.get("/en/mentors/me")
    assert page.status_code == 200 and "Become a mentor" in page.get_data(as_text=True)
    assert count_rows(MentorProfile) == 0
    assert client.post("/en/mentors/me/start").status_code == 302
    db.session.expire_all()
    assert set(user.role_list) == {"center", "mentor"}
    assert db.session.scalar(select(MentorProfile.id).where(MentorProfile.user_id == user.id)) is not None


def test_a_mentor_edits_the_bilingual_profile(client, create_user, login):
    user = create_user(role="mentor")
    login(user)
    assert client.get("/en/mentors/me").status_code == 200  # the profile is made on the first visit
    response = client.post("/en/mentors/me", data=PROFILE)
    assert response.status_code == 302
    profile = db.session.scalar(select(MentorProfile))
    db.session.refresh(profile)
    assert (profile.headline_zh, profile.city_en, profile.languages) == ("跨境物流导师", "Kashgar", "zh ru ug")
    assert {s.code for s in profile.sectors} == {"ecommerce_logistics", "modern_agriculture"}
    page = client.get(f"/zh/mentors/{profile.id}").get_data(as_text=True)
    assert "跨境物流导师" in page and "ئۇيغۇرچە" in page and "Русский" in page


@pytest.mark.parametrize("change, message", [
    ({"headline_zh": "", "headline_en": ""}, "Give a headline in Chinese or English (or both)."),
    ({"languages": []}, "Choose at least one language."),
    ({"offers_online": ""}, "Offer online or in-person sessions (or both)."),
    ({"meeting_link": ""}, "Online sessions need a meeting link."),
    ({"meeting_link": "javascript:alert(1)"}, "Enter a full web address"),
    ({"offers_in_person": "y"}, "In-person sessions need a base."),
    ({"bio_en": "<script>x</script>"}, "Please write plain text without HTML tags."),
])
def test_bad_profile_input_saves_nothing(client, create_user, login, change, message):
    user = create_user(role="mentor")
    login(user)
    client.get("/en/mentors/me")
    response = client.post("/en/mentors/me", data={**PROFILE, **change})
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(MentorProfile.headline_en)) is None


def test_weekly_windows_rules_and_exceptions(client, create_user, login, frozen):
    user = create_user(role="mentor", timezone="Asia/Urumqi")
    login(user)
    page = client.get("/en/mentors/me/availability")
    assert page.status_code == 200
    response = client.post("/en/mentors/me/availability", data={
        "timezone": "Asia/Urumqi", "day_0": "10:00-12:00, 14:00-16:00", "day_3": "09:30–11:00",
        "session_minutes": "45", "buffer_minutes": "15", "min_notice_hours": "6", "horizon_days": "21",
        "monthly_cap": "2"})
    assert response.status_code == 302
    profile = db.session.scalar(select(MentorProfile))
    db.session.refresh(profile)
    assert [(w.weekday, w.start_minute, w.end_minute) for w in profile.windows] == [
        (0, 600, 720), (0, 840, 960), (3, 570, 660)]
    assert (profile.session_minutes, profile.buffer_minutes, profile.min_notice_hours, profile.horizon_days,
            profile.monthly_cap) == (45, 15, 6, 21, 2)
    page = client.get("/en/mentors/me/availability").get_data(as_text=True)
    assert 'value="10:00-12:00, 14:00-16:00"' in page
    client.post("/en/mentors/me/exceptions", data={"day": "2026-12-07", "kind": "blocked", "note": "Holiday"})
    client.post("/en/mentors/me/exceptions", data={"day": "2026-12-05", "kind": "extra", "start": "15:00",
                                                   "end": "17:00"})
    rows = db.session.scalars(select(MentorException).order_by(MentorException.day)).all()
    assert [(e.day, e.kind, e.start_minute) for e in rows] == [
        (date(2026, 12, 5), "extra", 900), (date(2026, 12, 7), "blocked", None)]
    slots = client.get(f"/api/v1/mentors/{profile.id}/slots?from=2026-12-05&to=2026-12-08&tz=Asia/Urumqi").get_json()
    assert [s["start"][:16] for s in slots] == ["2026-12-05T15:00", "2026-12-05T16:00"]  # 7 Dec blocked
    client.post(f"/en/mentors/me/exceptions/{rows[1].id}/delete")
    assert count_rows(MentorException) == 1


@pytest.mark.parametrize("field, value, message", [
    ("day_1", "10:00-09:00", "A window must end after it starts."),
    ("day_1", "10:00-12:00, 11:00-13:00", "Windows of one day must not overlap."),
    ("day_1", "ten to twelve", "Write windows like 10:00-12:00, 14:00-16:00."),
    ("day_1", "25:00-26:00", "Write times as HH:MM"),
    ("timezone", "Asia/Atlantis", "Choose a valid time zone, such as Asia/Urumqi."),
    ("horizon_days", "0", "Number must be between 1 and 365."),
    ("buffer_minutes", "", "This field is required."),
])
def test_bad_availability_saves_nothing(client, create_user, login, field, value, message):
    user = create_user(role="mentor")
    login(user)
    client.get("/en/mentors/me/availability")
    data = {"timezone": "Asia/Urumqi", "day_0": "10:00-12:00", "session_minutes": "60", "buffer_minutes": "0",
            "min_notice_hours": "0", "horizon_days": "30", field: value}
    response = client.post("/en/mentors/me/availability", data=data)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert count_rows(MentorWindow) == 0


def test_bad_exception_saves_nothing(client, create_user, login):
    login(create_user(role="mentor"))
    client.get("/en/mentors/me/availability")
    response = client.post("/en/mentors/me/exceptions", data={"day": "2026-12-05", "kind": "extra"})
    assert "An extra window needs a start and an end." in response.get_data(as_text=True)
    response = client.post("/en/mentors/me/exceptions", data={"day": "not a date", "kind": "blocked"})
    assert response.status_code == 200
    assert count_rows(MentorException) == 0


@pytest.mark.parametrize("role", ["enterprise", "center", "admin"])
def test_non_mentors_have_no_availability_pages(client, create_user, login, role):
    login(create_user(role=role))
    assert client.get("/en/mentors/me/availability").status_code == 403
    assert client.post("/en/mentors/me/availability", data={"timezone": "UTC"}).status_code == 403
    assert client.post("/en/mentors/me/exceptions", data={"day": "2026-12-05", "kind": "blocked"}).status_code == 403
    assert client.get("/en/mentors/me/dashboard").status_code == 403
    assert count_rows(MentorProfile) == 0


def test_visitors_are_sent_to_log_in(client):
    for path in ("/en/mentors/me", "/en/mentors/me/availability", "/en/mentors/me/dashboard", "/en/bookings/"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_one_mentor_cannot_remove_anothers_exception(client, make_mentor, create_user, login):
    owner = make_mentor(exceptions=[{"date": "2026-12-07", "kind": "blocked"}])
    exception_id = owner.exceptions[0].id
    login(create_user(role="mentor"))
    assert client.post(f"/en/mentors/me/exceptions/{exception_id}/delete").status_code == 404
    assert count_rows(MentorException) == 1


def test_hidden_profiles_leave_the_directory(client, make_mentor, frozen):
    mentor = make_mentor()
    mentor.is_active = False
    db.session.commit()
    assert client.get(f"/en/mentors/{mentor.id}").status_code == 404
    assert f"/en/mentors/{mentor.id}" not in client.get("/en/mentors/").get_data(as_text=True)
    assert client.get(f"/api/v1/mentors/{mentor.id}").status_code == 404
