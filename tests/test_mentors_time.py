"""Times shown right: the viewer's zone, Beijing time beside it whenever the viewer is not
at UTC+8; the slot picker names its zone and lets the viewer change it; the .ics of a
booking parses with a standard parser to the same instant, with a stable UID and a
rising SEQUENCE."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from icalendar import Calendar

from collab.extensions import db
from collab.mentors import bookings as services
from collab.mentors.calendar import booking_ics
from collab.mentors.timefmt import format_range, format_when

from mentor_support import book, utc

TEN_IN_URUMQI = utc(2026, 12, 2, 4, 0)


@pytest.mark.parametrize("tz, locale, expected", [
    ("Asia/Urumqi", "zh_Hans", "10:00 新疆时间（北京时间 12:00）"),
    ("Asia/Tashkent", "en", "09:00 Tashkent time (12:00 Beijing time)"),
    ("Asia/Shanghai", "en", "12:00 Beijing time"),
    ("Asia/Singapore", "en", "12:00 Singapore Time"),  # UTC+8 too: Beijing time would repeat it
    ("Europe/Berlin", "en", "05:00 Germany (Berlin) Time (12:00 Beijing time)"),
])
def test_times_in_the_viewers_zone_with_beijing_time(app, tz, locale, expected):
    with app.test_request_context(), force_locale(locale):
        assert format_when(TEN_IN_URUMQI, tz, with_date=False) == expected


def test_the_beijing_date_is_named_when_it_differs(app):
    late = utc(2026, 12, 2, 18, 30)  # 23:30 in Tashkent is 02:30 the next day in Beijing
    with app.test_request_context(), force_locale("en"):
        assert format_when(late, "Asia/Tashkent") == \
            "Wed, Dec 2, 2026, 23:30 Tashkent time (Dec 3, 02:30 Beijing time)"
        assert format_range(late, late + timedelta(hours=1), "Asia/Tashkent", with_date=False) == \
            "23:30–00:30 Tashkent time (02:30–03:30 Beijing time)"


def test_urumqi_windows_on_the_pages_of_a_shanghai_and_a_tashkent_viewer(app, frozen, make_mentor, create_user,
                                                                          login, client):
    mentor = make_mentor(tz="Asia/Urumqi")
    login(create_user(timezone="Asia/Shanghai"))
    page = client.get(f"/en/mentors/{mentor.id}").get_data(as_text=True)
    assert "Times are shown in Beijing time (Asia/Shanghai)." in page
    assert "12:00–13:00 Beijing time" in page and "13:00–14:00 Beijing time" in page
    page = client.get(f"/en/mentors/{mentor.id}?tz=Asia/Tashkent").get_data(as_text=True)
    assert "Times are shown in Tashkent time (Asia/Tashkent)." in page
    assert "09:00–10:00 Tashkent time (12:00–13:00 Beijing time)" in page
    assert "10:00–11:00 Tashkent time (13:00–14:00 Beijing time)" in page
    assert '<option value="Asia/Tashkent" selected>' in page


def test_an_unknown_zone_is_a_clear_error(app, frozen, make_mentor, client):
    mentor = make_mentor()
    page = client.get(f"/en/mentors/{mentor.id}?tz=Mars/Olympus").get_data(as_text=True)
    assert '"Mars/Olympus" is not a time zone we know; times are shown in Beijing time.' in page
    page = client.get(f"/en/mentors/{mentor.id}?tz=<b>Mars</b>").get_data(as_text=True)
    assert "&lt;b&gt;Mars&lt;/b&gt;" in page and "<b>Mars</b>" not in page


def test_visitors_see_their_browsers_zone(app, frozen, make_mentor, client):
    mentor = make_mentor(tz="Asia/Urumqi")
    client.set_cookie("collab_tz", "Asia/Tashkent")
    page = client.get(f"/en/mentors/{mentor.id}").get_data(as_text=True)
    assert "09:00–10:00 Tashkent time (12:00–13:00 Beijing time)" in page


def test_the_ics_parses_to_the_same_instant_with_its_zone(app, frozen, make_mentor, create_user):
    mentor = make_mentor(tz="Asia/Urumqi")
    founder = create_user(timezone="Asia/Tashkent")
    booking = book(mentor, founder, TEN_IN_URUMQI)
    services.confirm(booking, mentor.user)
    db.session.commit()
    calendar = Calendar.from_ical(booking_ics(booking, lang="en"))
    assert calendar["METHOD"] == "REQUEST"
    event = calendar.walk("VEVENT")[0]
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == TEN_IN_URUMQI and end == TEN_IN_URUMQI + timedelta(hours=1)
    assert str(start.tzinfo) == "Asia/Urumqi" and start.hour == 10
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Urumqi"]
    assert str(event["UID"]) == booking.uid and int(event["SEQUENCE"]) == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert founder.email in str(event["ATTENDEE"]) and mentor.user.email in str(event["ORGANIZER"])
    # Cancelling keeps the UID, raises SEQUENCE and switches to METHOD:CANCEL.
    services.cancel(booking, founder, "Sick")
    db.session.commit()
    cancelled = Calendar.from_ical(booking_ics(booking, lang="en"))
    event = cancelled.walk("VEVENT")[0]
    assert cancelled["METHOD"] == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == booking.uid and int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == TEN_IN_URUMQI


def test_the_ics_of_a_daylight_saving_zone_carries_its_rules(app, frozen, make_mentor, create_user):
    mentor = make_mentor(tz="Europe/Berlin")
    booking = book(mentor, create_user(), utc(2026, 12, 2, 9, 0))  # 10:00 in Berlin (UTC+1)
    services.confirm(booking, mentor.user)
    db.session.commit()
    text = booking_ics(booking)
    assert "DTSTART;TZID=Europe/Berlin:20261202T100000" in text
    assert "BEGIN:DAYLIGHT" in text and "BEGIN:STANDARD" in text
    assert Calendar.from_ical(text).walk("VEVENT")[0].decoded("DTSTART") == utc(2026, 12, 2, 9, 0)


def test_an_unconfirmed_request_has_no_calendar(app, frozen, make_mentor, create_user, login, client):
    mentor = make_mentor()
    founder = create_user()
    booking = book(mentor, founder, TEN_IN_URUMQI)
    login(founder)
    assert client.get(f"/en/bookings/{booking.id}.ics").status_code == 404
    assert "ics-link" not in client.get(f"/en/bookings/{booking.id}").get_data(as_text=True)


def test_zone_data_knows_xinjiang_and_tashkent():
    """docs/STACK.md: old zone data puts Ürümqi at UTC+8; the slots rely on +6."""
    from zoneinfo import ZoneInfo

    assert TEN_IN_URUMQI.astimezone(ZoneInfo("Asia/Urumqi")).utcoffset() == timedelta(hours=6)
    assert TEN_IN_URUMQI.astimezone(ZoneInfo("Asia/Tashkent")).utcoffset() == timedelta(hours=5)
