"""The mentors and bookings API (docs/API.md): directory, availability, slots in any
zone, bookings with 201/409, actions per role, the .ics, and GET /me's mentor_id."""
from __future__ import annotations

import pytest
from icalendar import Calendar
from sqlalchemy import select

from collab.extensions import db
from collab.mentors.models import Booking, MentorProfile

from conftest import count_rows
from mentor_support import book, utc

SLOT = utc(2026, 12, 2, 4, 0)  # 10:00 in Ürümqi


@pytest.fixture
def setup(app, frozen, make_mentor, create_user, api_token):
    mentor = make_mentor(tz="Asia/Urumqi")
    founder = create_user(timezone="Asia/Tashkent")
    return mentor, founder, api_token(mentor.user), api_token(founder)


def test_me_has_mentor_id_only_for_mentors(client, setup, create_user, api_token):
    mentor, _founder, mentor_auth, founder_auth = setup
    assert client.get("/api/v1/me", headers=mentor_auth).get_json()["mentor_id"] == mentor.id
    assert client.get("/api/v1/me", headers=founder_auth).get_json()["mentor_id"] is None
    # A new account with the mentor role has its profile, hence its mentor_id, at once.
    fresh = create_user(role="mentor")
    profile_id = db.session.scalar(select(MentorProfile.id).where(MentorProfile.user_id == fresh.id))
    assert profile_id is not None
    assert client.get("/api/v1/me", headers=api_token(fresh)).get_json()["mentor_id"] == profile_id


def test_directory_filters(client, setup, make_mentor, create_user):
    mentor, _founder, _m, _f = setup
    other = make_mentor(tz="Asia/Tashkent", languages="ru uz")
    other.city_en, other.city_zh, other.offers_online, other.offers_in_person = "Tashkent", "塔什干", False, True
    from collab.orgs.models import Sector

    other.sectors = [db.session.get(Sector, "ecommerce_logistics")]
    db.session.commit()
    everyone = client.get("/api/v1/mentors").get_json()
    assert everyone["total"] == 2
    first = next(m for m in everyone["items"] if m["id"] == mentor.id)
    assert first["next_free_slots"][0] == {"start": "2026-12-01T04:00:00Z", "end": "2026-12-01T05:00:00Z"}
    assert first["timezone"] == "Asia/Urumqi" and first["languages"] == ["zh", "en"]
    for query in ("language=ru", "city=tashkent", "city=塔什干", "mode=in_person", "sector=ecommerce_logistics"):
        items = client.get(f"/api/v1/mentors?{query}").get_json()["items"]
        assert [m["id"] for m in items] == [other.id], query
    assert client.get("/api/v1/mentors?language=ug").get_json()["total"] == 0
    mentor.city_en, mentor.city_zh = "Ürümqi", "乌鲁木齐"
    db.session.commit()
    for city in ("Ürümqi", "乌鲁木齐", "rümq"):
        assert [m["id"] for m in client.get(f"/api/v1/mentors?city={city}").get_json()["items"]] == [mentor.id]
    page = client.get("/en/mentors/?city=Ürümqi").get_data(as_text=True)
    assert f"/en/mentors/{mentor.id}" in page and f"/en/mentors/{other.id}\"" not in page
    bad = client.get("/api/v1/mentors?mode=carrier-pigeon")
    assert bad.status_code == 400 and "mode" in bad.get_json()["error"]["fields"]


def test_slots_in_the_asked_zone(client, setup):
    mentor, _f, _m, _fa = setup
    response = client.get(f"/api/v1/mentors/{mentor.id}/slots?from=2026-12-02&to=2026-12-03&tz=Asia/Tashkent")
    assert response.status_code == 200
    assert response.get_json() == [
        {"start": "2026-12-02T09:00:00+05:00", "end": "2026-12-02T10:00:00+05:00"},
        {"start": "2026-12-02T10:00:00+05:00", "end": "2026-12-02T11:00:00+05:00"}]
    shanghai = client.get(f"/api/v1/mentors/{mentor.id}/slots?from=2026-12-02&to=2026-12-03&tz=Asia/Shanghai")
    assert [s["start"] for s in shanghai.get_json()] == ["2026-12-02T12:00:00+08:00", "2026-12-02T13:00:00+08:00"]
    offset = client.get(f"/api/v1/mentors/{mentor.id}/slots?from=2026-12-02T00:00:00%2B06:00"
                        "&to=2026-12-02T11:00:00%2B06:00&tz=Asia/Urumqi")
    assert offset.get_json() == [{"start": "2026-12-02T10:00:00+06:00", "end": "2026-12-02T11:00:00+06:00"}]


@pytest.mark.parametrize("query, field", [
    ("tz=Mars/Olympus", "tz"), ("from=yesterday", "from"), ("from=2026-12-05&to=2026-12-02", "to"),
    ("from=2026-12-01&to=2027-06-01", "to"), ("from=2026-12-02T10:00:00", "from"),
])
def test_bad_slot_queries(client, setup, query, field):
    mentor, _f, _m, _fa = setup
    response = client.get(f"/api/v1/mentors/{mentor.id}/slots?{query}")
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]


def test_unknown_mentor_is_404(client, setup):
    assert client.get("/api/v1/mentors/9999/slots").status_code == 404
    assert client.get("/api/v1/mentors/9999").status_code == 404


def test_put_availability(client, setup):
    mentor, _f, mentor_auth, _fa = setup
    body = {"timezone": "Asia/Tashkent", "weekly": [{"weekday": 0, "start": "09:00", "end": "12:00"},
                                                     {"weekday": 0, "start": "14:00", "end": "16:00"}],
            "exceptions": [{"date": "2026-12-07", "kind": "blocked"},
                           {"date": "2026-12-05", "kind": "extra", "start": "10:00", "end": "11:00"}],
            "session_minutes": 45, "buffer_minutes": 15, "min_notice_hours": 12, "horizon_days": 14}
    response = client.put("/api/v1/mentors/me/availability", json=body, headers=mentor_auth)
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert data["timezone"] == "Asia/Tashkent" and data["session_minutes"] == 45
    assert data["weekly"] == [{"weekday": 0, "start": "09:00", "end": "12:00"},
                              {"weekday": 0, "start": "14:00", "end": "16:00"}]
    assert [e["date"] for e in data["exceptions"]] == ["2026-12-05", "2026-12-07"]
    assert client.get("/api/v1/mentors/me/availability", headers=mentor_auth).get_json() == data
    # Monday 7 December is blocked, so the first Monday slot is on the 14th.
    slots = client.get(f"/api/v1/mentors/{mentor.id}/slots?from=2026-12-05&to=2026-12-15&tz=Asia/Tashkent")
    starts = [s["start"] for s in slots.get_json()]
    assert starts[0] == "2026-12-05T10:00:00+05:00"
    assert all(not s.startswith("2026-12-07") for s in starts) and "2026-12-14T09:00:00+05:00" in starts
    assert "2026-12-14T10:00:00+05:00" in starts  # 09:00-09:45, then 15 minutes of buffer


@pytest.mark.parametrize("body, field", [
    ({"timezone": "Asia/Nowhere"}, "timezone"),
    ({"weekly": [{"weekday": 7, "start": "09:00", "end": "10:00"}]}, "weekly"),
    ({"weekly": [{"weekday": 1, "start": "11:00", "end": "10:00"}]}, "weekly"),
    ({"weekly": [{"weekday": 1, "start": "9am", "end": "10:00"}]}, "weekly"),
    ({"weekly": [{"weekday": 1, "start": "09:00", "end": "11:00"}, {"weekday": 1, "start": "10:00", "end": "12:00"}]},
     "weekly"),
    ({"exceptions": [{"date": "2026-13-01", "kind": "blocked"}]}, "exceptions"),
    ({"exceptions": [{"date": "2026-12-01", "kind": "extra"}]}, "exceptions"),
    ({"session_minutes": 50}, "session_minutes"),
    ({"horizon_days": 0}, "horizon_days"),
    ({"buffer_minutes": "lots"}, "buffer_minutes"),
    ({"colour": "blue"}, "colour"),
])
def test_bad_availability_is_refused_and_changes_nothing(client, setup, body, field):
    mentor, _f, mentor_auth, _fa = setup
    before = client.get("/api/v1/mentors/me/availability", headers=mentor_auth).get_json()
    response = client.put("/api/v1/mentors/me/availability", json={**body, "weekly": body.get("weekly", []),
                                                                   "session_minutes": body.get("session_minutes", 30)}
                          if field not in ("weekly", "session_minutes") else body, headers=mentor_auth)
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]
    assert client.get("/api/v1/mentors/me/availability", headers=mentor_auth).get_json() == before


def test_only_mentors_have_availability(client, setup):
    _mentor, _f, _m, founder_auth = setup
    response = client.put("/api/v1/mentors/me/availability", json={"timezone": "UTC"}, headers=founder_auth)
    assert response.status_code == 403
    assert client.put("/api/v1/mentors/me/availability", json={"timezone": "UTC"}).status_code == 401
    assert count_rows(MentorProfile) == 1


def test_book_201_then_409(client, setup, create_user, api_token):
    mentor, founder, _m, founder_auth = setup
    body = {"mentor_id": mentor.id, "start": "2026-12-02T10:00:00+06:00", "topic": "Export licences",
            "language": "en"}
    response = client.post("/api/v1/bookings", json=body, headers={**founder_auth, "Accept-Language": "en"})
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["start"] == "2026-12-02T04:00:00Z" and data["end"] == "2026-12-02T05:00:00Z"
    assert data["start_local"] == "2026-12-02T09:00:00+05:00" and data["status"] == "requested"
    assert data["display"].startswith("Wed, Dec 2, 2026, 09:00–10:00 Tashkent time (12:00–13:00 Beijing time)")
    assert "mentor_notes" not in data
    second = client.post("/api/v1/bookings", json=body, headers=api_token(create_user()))
    assert second.status_code == 409 and second.get_json()["error"]["code"] == "slot_taken"
    assert count_rows(Booking) == 1


@pytest.mark.parametrize("change, status, field", [
    ({"start": "2026-11-30T10:00:00+06:00"}, 400, "start"),  # in the past
    ({"start": "2026-12-02T10:30:00+06:00"}, 400, "start"),  # outside the slots
    ({"start": "2027-02-02T10:00:00+06:00"}, 400, "start"),  # beyond the horizon
    ({"start": "2026-12-02T10:00:00"}, 400, "start"),  # no offset
    ({"start": "soon"}, 400, "start"),
    ({"topic": ""}, 400, "topic"),
    ({"language": "fr"}, 400, "language"),
    ({"minutes": 90}, 400, "minutes"),
    ({"mentor_id": "one"}, 400, "mentor_id"),
    ({"mentor_id": 9999}, 404, None),
])
def test_bad_bookings_create_nothing(client, setup, change, status, field):
    mentor, _founder, _m, founder_auth = setup
    body = {"mentor_id": mentor.id, "start": "2026-12-02T10:00:00+06:00", "topic": "Export", "language": "en",
            **change}
    response = client.post("/api/v1/bookings", json=body, headers={**founder_auth, "Accept-Language": "en"})
    assert response.status_code == status
    if field:
        assert field in response.get_json()["error"]["fields"]
    assert count_rows(Booking) == 0


def test_errors_speak_the_callers_language(client, setup):
    mentor, _founder, _m, founder_auth = setup
    body = {"mentor_id": mentor.id, "start": "2026-11-30T10:00:00+06:00", "topic": "x", "language": "en"}
    zh = client.post("/api/v1/bookings", json=body, headers={**founder_auth, "Accept-Language": "zh-CN"})
    en = client.post("/api/v1/bookings", json=body, headers={**founder_auth, "Accept-Language": "en"})
    assert en.get_json()["error"]["message"] == "This time has already passed."
    assert zh.get_json()["error"]["message"] != en.get_json()["error"]["message"]


def test_mentor_cannot_book_themself_and_visitors_cannot_book(client, setup):
    mentor, _founder, mentor_auth, _fa = setup
    body = {"mentor_id": mentor.id, "start": "2026-12-02T10:00:00+06:00", "topic": "x", "language": "en"}
    assert client.post("/api/v1/bookings", json=body, headers=mentor_auth).status_code == 403
    assert client.post("/api/v1/bookings", json=body).status_code == 401
    assert count_rows(Booking) == 0


def test_actions_per_role(client, setup, create_user, api_token, frozen):
    mentor, founder, mentor_auth, founder_auth = setup
    booking_id = book(mentor, founder, SLOT).id
    stranger = api_token(create_user())
    admin = api_token(create_user(role="admin"))
    assert client.get(f"/api/v1/bookings/{booking_id}", headers=stranger).status_code == 404
    assert client.get(f"/api/v1/bookings/{booking_id}", headers=admin).status_code == 200
    for auth, expected in ((stranger, 404), (admin, 403), (founder_auth, 403)):
        assert client.post(f"/api/v1/bookings/{booking_id}/confirm", headers=auth).status_code == expected
    assert db.session.get(Booking, booking_id).status == "requested"
    assert client.get(f"/api/v1/bookings/{booking_id}.ics", headers=founder_auth).status_code == 404
    confirmed = client.post(f"/api/v1/bookings/{booking_id}/confirm", headers=mentor_auth)
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "confirmed"
    assert confirmed.get_json()["meeting_link"] == "https://meet.example.test/mentor"
    again = client.post(f"/api/v1/bookings/{booking_id}/confirm", headers=mentor_auth)
    assert again.status_code == 409
    ics = client.get(f"/api/v1/bookings/{booking_id}.ics", headers=founder_auth)
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    event = Calendar.from_ical(ics.data).walk("VEVENT")[0]
    assert event.decoded("DTSTART") == SLOT
    assert client.get(f"/api/v1/bookings/{booking_id}.ics", headers=stranger).status_code == 404
    # Cancelling needs a reason; strangers cannot.
    assert client.post(f"/api/v1/bookings/{booking_id}/cancel", json={}, headers=founder_auth).status_code == 400
    assert client.post(f"/api/v1/bookings/{booking_id}/cancel", json={"reason": "x"},
                       headers=stranger).status_code == 404
    assert client.post(f"/api/v1/bookings/{booking_id}/complete", headers=founder_auth).status_code == 409  # not over
    frozen.move_to(SLOT.replace(hour=6))
    assert client.post(f"/api/v1/bookings/{booking_id}/no_show", headers=founder_auth).status_code == 403
    assert client.post(f"/api/v1/bookings/{booking_id}/complete", headers=mentor_auth).status_code == 200
    assert client.post(f"/api/v1/bookings/{booking_id}/feedback", json={"rating": 5},
                       headers=mentor_auth).status_code == 403
    assert client.post(f"/api/v1/bookings/{booking_id}/feedback", json={"rating": 9},
                       headers=founder_auth).status_code == 400
    rated = client.post(f"/api/v1/bookings/{booking_id}/feedback", json={"rating": 5, "comment": "Superb"},
                        headers=founder_auth)
    assert rated.get_json()["rating"] == 5
    notes = client.post(f"/api/v1/bookings/{booking_id}/notes", json={"notes": "Private", "follow_up": "Q1"},
                        headers=mentor_auth)
    assert notes.get_json()["mentor_notes"] == "Private"
    seen_by_founder = client.get(f"/api/v1/bookings/{booking_id}", headers=founder_auth).get_json()
    assert "mentor_notes" not in seen_by_founder and seen_by_founder["follow_up"] == "Q1"
    assert client.post(f"/api/v1/bookings/{booking_id}/dance", headers=mentor_auth).status_code == 404


def test_list_bookings_and_reschedule(client, setup, create_user, api_token):
    mentor, founder, mentor_auth, founder_auth = setup
    booking = book(mentor, founder, SLOT)
    other = book(mentor, create_user(), SLOT.replace(hour=5))
    mine = client.get("/api/v1/bookings", headers=founder_auth).get_json()
    assert [b["id"] for b in mine["items"]] == [booking.id]
    as_mentor = client.get("/api/v1/bookings?role=mentor", headers=mentor_auth).get_json()
    assert {b["id"] for b in as_mentor["items"]} == {booking.id, other.id}
    assert client.get("/api/v1/bookings?role=boss", headers=founder_auth).status_code == 400
    moved = client.post(f"/api/v1/bookings/{booking.id}/reschedule",
                        json={"start": "2026-12-03T10:00:00+06:00", "reason": "Travel"}, headers=founder_auth)
    assert moved.status_code == 201
    new = moved.get_json()
    assert new["rescheduled_from_id"] == booking.id and new["start"] == "2026-12-03T04:00:00Z"
    assert db.session.get(Booking, booking.id).status == "cancelled"
    taken = client.post(f"/api/v1/bookings/{new['id']}/reschedule",
                        json={"start": "2026-12-02T11:00:00+06:00"}, headers=founder_auth)
    assert taken.status_code == 409
    db.session.expire_all()
    assert db.session.get(Booking, new["id"]).status == "requested"
    assert db.session.scalar(select(Booking).where(Booking.rescheduled_from_id == new["id"])) is None


def test_openapi_documents_the_mentor_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/mentors", "/mentors/{id}/slots", "/mentors/me/availability", "/bookings",
                 "/bookings/{id}", "/bookings/{id}/{action}", "/bookings/{id}.ics"):
        assert path in paths, path
    assert "409" in paths["/bookings"]["post"]["responses"]


def test_responses_conform_to_the_openapi_schemas(client, setup):
    """Bodies match the documented schemas (the document is validated in tests/test_api.py)."""
    import jsonschema
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    mentor, founder, mentor_auth, founder_auth = setup
    document = client.get("/api/v1/openapi.json").get_json()
    registry = Registry().with_resource("urn:api", Resource.from_contents(document,
                                                                          default_specification=DRAFT202012))

    def conforms(body, schema):
        jsonschema.Draft202012Validator({"$ref": f"urn:api#/components/schemas/{schema}"} if isinstance(schema, str)
                                        else schema, registry=registry,
                                        format_checker=jsonschema.FormatChecker()).validate(body)

    conforms(client.get(f"/api/v1/mentors/{mentor.id}").get_json(), "Mentor")
    conforms(client.get("/api/v1/mentors/me/availability", headers=mentor_auth).get_json(), "Availability")
    slots = client.get(f"/api/v1/mentors/{mentor.id}/slots?tz=Asia/Tashkent").get_json()
    conforms(slots, {"type": "array", "items": {"$ref": "urn:api#/components/schemas/LocalSlot"}})
    booking = client.post("/api/v1/bookings", json={"mentor_id": mentor.id, "start": slots[0]["start"],
                                                    "topic": "Schemas", "language": "zh"}, headers=founder_auth)
    assert booking.status_code == 201
    conforms(booking.get_json(), "Booking")
    confirmed = client.post(f"/api/v1/bookings/{booking.get_json()['id']}/confirm", headers=mentor_auth).get_json()
    conforms(confirmed, "Booking")
    conforms(client.post("/api/v1/bookings", json={"mentor_id": mentor.id, "start": slots[0]["start"],
                                                   "topic": "Again", "language": "zh"},
                         headers=founder_auth).get_json(), "Error")
