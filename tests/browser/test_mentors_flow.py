"""Acceptance of mentor scheduling in a real browser (issue 5): with the browser's zone set
to Asia/Tashkent, a founder books a mentor who lives in Asia/Urumqi, sees the slot in
Tashkent time with Beijing time beside it, the mentor confirms, and the .ics downloads
(fixtures in tests/browser/conftest.py)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.committed]  # a live server thread commits

PASSWORD = "Silk-Road-2026"
PICKER_SCREENSHOT = "/tmp/collab-mentor-slots-tashkent.png"
BOOKING_SCREENSHOT = "/tmp/collab-booking-confirmed.png"
SLOT_TEXT = re.compile(r"^(\d\d):00–(\d\d):00 Tashkent time \((\d\d):00–(\d\d):00 Beijing time\)$")


@pytest.fixture
def mentor_and_founder(live_server):
    """A mentor in Ürümqi (10:00-12:00 every day) and a founder whose zone is Tashkent."""
    from collab.auth.services import create_user
    from collab.extensions import db
    from collab.mentors import services

    with live_server.app.app_context():
        mentor_user = create_user(email="aygul@mentor.test", password=PASSWORD, role="mentor",
                                  display_name="Aygül Mentor", locale="zh", timezone="Asia/Urumqi")
        profile = services.ensure_profile(mentor_user)
        profile.languages, profile.meeting_link = "zh en ug", "https://meet.example.test/aygul"
        profile.headline_en = "Logistics between Kashgar and Central Asia"
        services.set_availability(profile, mentor_user, timezone="Asia/Urumqi",
                                  weekly=[{"weekday": d, "start": "10:00", "end": "12:00"} for d in range(7)],
                                  session_minutes=60, buffer_minutes=0, min_notice_hours=2, horizon_days=14)
        founder = create_user(email="timur@founder.test", password=PASSWORD, role="enterprise",
                              display_name="Timur Founder", locale="en", timezone="Asia/Tashkent")
        ids = (profile.id, founder.id)
        db.session.commit()
        db.session.remove()
    return ids


def log_in(page, lang: str, email: str) -> None:
    page.goto(f"/{lang}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("#main form [type=submit]")
    assert "/login" not in page.url, page.locator(".invalid-feedback, .alert").all_inner_texts()


def test_a_founder_in_tashkent_books_a_mentor_in_urumqi(live_server, new_page, mentor_and_founder):
    from playwright.sync_api import expect

    mentor_id, _founder_id = mentor_and_founder
    page = new_page(locale="en-US", timezone_id="Asia/Tashkent")
    # As a visitor first: app.js reports the browser's zone, so the picker shows Tashkent time.
    page.goto("/en/mentors/")
    page.goto(f"/en/mentors/{mentor_id}")
    expect(page.locator("#slot-zone")).to_contain_text("Times are shown in Tashkent time (Asia/Tashkent).")
    first = page.locator("a.slot").first
    match = SLOT_TEXT.match(first.inner_text().strip())
    assert match, first.inner_text()
    tashkent_start, _end, beijing_start, _bj_end = (int(g) for g in match.groups())
    assert tashkent_start in (9, 10) and beijing_start == tashkent_start + 3  # Ürümqi 10:00/11:00

    # Signed in, the account's zone (Tashkent) rules; book the first free slot.
    log_in(page, "en", "timur@founder.test")
    page.goto(f"/en/mentors/{mentor_id}")
    slot = page.locator("a.slot").first
    slot_text = slot.inner_text().strip()
    assert SLOT_TEXT.match(slot_text)
    page.screenshot(path=PICKER_SCREENSHOT, full_page=True)  # for a person to look at
    with page.expect_navigation():
        slot.click()
    expect(page.locator("#chosen-slot")).to_contain_text(slot_text)
    page.fill("textarea[name=topic]", "Trucking permits between Kashgar and Tashkent")
    page.select_option("select[name=language]", "en")
    with page.expect_navigation():
        page.click("#main form [type=submit]")
    expect(page.locator("#booking-status")).to_have_text("Requested")
    expect(page.locator("#booking-when")).to_contain_text(slot_text)
    booking_path = live_server.path_of(page.url)
    booking_id = int(booking_path.rstrip("/").rsplit("/", 1)[1])

    # The mentor, in Chinese and Xinjiang time, confirms.
    mentor_page = new_page(locale="zh-CN", timezone_id="Asia/Urumqi")
    log_in(mentor_page, "zh", "aygul@mentor.test")
    mentor_page.goto(f"/zh/bookings/{booking_id}")
    expect(mentor_page.locator("#booking-when")).to_contain_text("新疆时间")
    expect(mentor_page.locator("#booking-when")).to_contain_text(f"{tashkent_start + 1:02d}:00")
    with mentor_page.expect_navigation():
        mentor_page.click("#confirm-button")
    expect(mentor_page.locator("#booking-status")).not_to_have_text("Requested")

    # The founder sees it confirmed and downloads the calendar file.
    page.reload()
    expect(page.locator("#booking-status")).to_have_text("Confirmed")
    page.screenshot(path=BOOKING_SCREENSHOT, full_page=True)
    with page.expect_download() as download_info:
        page.click("#ics-link")
    download = download_info.value
    assert download.suggested_filename == f"collab-session-{booking_id}.ics"
    ics = Path(download.path()).read_text(encoding="utf-8")
    assert "METHOD:REQUEST" in ics and "BEGIN:VTIMEZONE" in ics
    assert re.search(rf"DTSTART;TZID=Asia/Urumqi:\d{{8}}T{tashkent_start + 1:02d}0000", ics), ics

    from icalendar import Calendar

    with live_server.app.app_context():
        from collab.extensions import db
        from collab.mentors.models import Booking

        booking = db.session.get(Booking, booking_id)
        assert booking.status == "confirmed"
        assert Calendar.from_ical(ics).walk("VEVENT")[0].decoded("DTSTART") == booking.start_at
        db.session.remove()
