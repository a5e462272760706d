"""Acceptance of matchmaking events in a real browser (issue 10): an admin creates and
publishes a matchmaking day in /zh/, a center user whose browser is in Asia/Shanghai
registers in /en/ and marks two wishes, the admin generates the one-to-one schedule, and
the center user's agenda shows each meeting in Beijing time with the event's Xinjiang
time beside it (fixtures in tests/browser/conftest.py; demo data loaded)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.committed]  # a live server thread commits

DEMO_PASSWORD = "collab-demo-2026"
AGENDA_SCREENSHOT = "/tmp/collab-event-agenda.png"
# 09:00 in Ürümqi (UTC+6) is 11:00 in Beijing (UTC+8).
FIRST_MEETING = re.compile(r"11:00–11:20 Beijing time\s*·\s*09:00–09:20 Xinjiang time")


@pytest.fixture
def matchmaking_setup(live_server):
    """Two open public demo needs of different owners, and a day a week ahead (a date in Ürümqi)."""
    from sqlalchemy import select

    from collab.auth.models import User
    from collab.db import utcnow
    from collab.extensions import db
    from collab.needs.models import Need

    with live_server.app.app_context():
        center = db.session.scalar(select(User).where(User.email == "center@collab.demo"))
        center.timezone = "Asia/Shanghai"
        needs, owners = [], set()
        for need in db.session.scalars(select(Need).where(Need.status == "open", Need.visibility == "public")
                                       .order_by(Need.id)):
            if need.owner_id not in owners and need.owner_id != center.id:
                needs.append(need.id)
                owners.add(need.owner_id)
            if len(needs) == 2:
                break
        db.session.commit()
        db.session.remove()
    assert len(needs) == 2
    day = (utcnow() + timedelta(days=7)).date()
    return needs, day


def log_in(page, lang: str, email: str) -> None:
    page.goto(f"/{lang}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("#main form [type=submit]")
    assert "/login" not in page.url, page.locator(".invalid-feedback, .alert").all_inner_texts()


def test_a_matchmaking_day_from_creation_to_the_agenda(live_server, new_page, matchmaking_setup):
    from playwright.sync_api import expect

    need_ids, day = matchmaking_setup

    # The admin writes the day in Chinese: 09:00–12:00 Xinjiang time, 20-minute meetings at 4 tables.
    admin = new_page(locale="zh-CN", timezone_id="Asia/Urumqi")
    log_in(admin, "zh", "admin@collab.demo")
    admin.goto("/zh/events/new")
    admin.select_option("select[name=type]", "matchmaking")
    admin.fill("input[name=title_zh]", "新疆—大连科技成果对接会（浏览器测试）")
    admin.fill("textarea[name=description_zh]", "离岸孵化项目与新疆企业需求一对一洽谈。")
    admin.select_option("select[name=timezone]", "Asia/Urumqi")
    admin.fill("input[name=starts_at]", f"{day}T09:00")
    admin.fill("input[name=ends_at]", f"{day}T12:00")
    admin.fill("input[name=place_zh]", "乌鲁木齐高新区创业大厦")
    admin.fill("input[name=capacity]", "30")
    admin.fill("input[name=meeting_minutes]", "20")
    admin.fill("input[name=tables]", "4")
    admin.select_option("select[name=featured_need_ids]", [str(i) for i in need_ids])
    with admin.expect_navigation():
        admin.click("button[name=submit_for_review], input[name=submit_for_review]")
    expect(admin.locator("h1")).to_contain_text("新疆—大连科技成果对接会")
    expect(admin.locator("body")).to_contain_text("已发布")
    event_path = live_server.path_of(admin.url)
    event_id = int(re.search(r"/events/(\d+)", event_path).group(1))

    # The center user, in English with the browser in Beijing time, registers and wishes to meet both needs.
    center = new_page(locale="en-US", timezone_id="Asia/Shanghai")
    log_in(center, "en", "center@collab.demo")
    center.goto(f"/en/events/{event_id}")
    expect(center.locator("#event-when")).to_contain_text("Beijing time")
    expect(center.locator("#event-when")).to_contain_text("09:00–12:00 Xinjiang time")
    with center.expect_navigation():
        center.click("#registration button[type=submit]")
    expect(center.locator("#registration-status")).to_contain_text("You are registered.")
    center.goto(f"/en/events/{event_id}/wishes")
    for need_id in need_ids:
        center.check(f"input[name=need_ids][value='{need_id}']")
    with center.expect_navigation():
        center.click("form.wishes-form button[type=submit]")
    for need_id in need_ids:
        expect(center.locator(f"input[name=need_ids][value='{need_id}']")).to_be_checked()

    # The admin generates the schedule.
    admin.goto(f"/zh/events/{event_id}/schedule")
    with admin.expect_navigation():
        admin.click("#generate-schedule")
    expect(admin.locator("#generate-schedule")).to_be_visible()

    # The center user's agenda: two meetings, Beijing time with Xinjiang time beside.
    center.goto(f"/en/events/{event_id}/agenda")
    rows = center.locator("#agenda tr.agenda-meeting")
    expect(rows).to_have_count(2)
    times = [t.strip() for t in center.locator("#agenda td.agenda-time").all_inner_texts()]
    assert FIRST_MEETING.search(times[0]), times
    assert all("Beijing time" in t and "Xinjiang time" in t for t in times), times
    assert times[0] != times[1]  # one person, two meetings: never at once
    center.screenshot(path=AGENDA_SCREENSHOT, full_page=True)  # for a person to look at

    # Printed, the agenda fits one A4 page.
    center.emulate_media(media="print")
    pdf = center.pdf(format="A4")
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 1
