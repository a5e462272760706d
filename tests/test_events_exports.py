"""The attendee list's exports, read back: CSV (UTF-8 with a BOM, Chinese headers, CRLF)
and XLSX (openpyxl: one sheet 报名名单, a frozen bold header row, sized columns), the
same rows in both, whoever exports and in whichever language; times in the event's own
zone, named in the header; formulas neutralised; a file name that keeps a Chinese title.

The clock is frozen at NOW (1 December 2026, 00:00 UTC: 06:00 in Ürümqi).
"""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from collab.events import organisers, services
from collab.extensions import db

HEADERS = ["序号", "姓名", "邮箱", "机构", "状态", "候补顺位", "报名时间（新疆时间）", "签到"]
DURING = datetime(2026, 12, 8, 4, 0, tzinfo=timezone.utc)


@pytest.fixture
def listed(frozen, organiser, create_org, create_user, make_event):
    """A published event (two places) with two registered and two waiting; one has left."""
    host = organiser(display_name="Organiser", locale="en", timezone="Asia/Tashkent")
    event = make_event(host, capacity=2)
    firm = create_org(name_zh="和田玉石公司", name_en="Hotan Jade Co.")
    english_only = create_org(name_zh="", name_en="Almaty Ventures")
    people = [create_user(org=firm, display_name="阿依努尔", email="aynur@example.test"),
              create_user(org=english_only, display_name="Bakhtiyor", email="bakhtiyor@example.test"),
              create_user(display_name="=HYPERLINK(\"http://evil.test\",\"click\")", email="chen@example.test",
                          with_org=False, role="mentor"),
              create_user(display_name="@Dilnoza", email="dilnoza@example.test")]
    gone = create_user(display_name="Erkin", email="erkin@example.test")
    services.register(event, people[0])
    frozen.shift(timedelta(minutes=5))
    services.register(event, people[1])
    services.register(event, gone)
    frozen.shift(timedelta(minutes=5))
    services.register(event, people[2])
    services.register(event, people[3])
    services.cancel_registration(event, gone)
    db.session.commit()
    return {"event": event, "host": host, "people": people}


EXPECTED = [
    ["1", "阿依努尔", "aynur@example.test", "和田玉石公司", "已报名", "", "2026-12-01 06:00", "未标记"],
    ["2", "Bakhtiyor", "bakhtiyor@example.test", "Almaty Ventures", "已报名", "", "2026-12-01 06:05", "未标记"],
    ["3", "'=HYPERLINK(\"http://evil.test\",\"click\")", "chen@example.test", "", "候补", "1", "2026-12-01 06:10",
     "未标记"],
    ["4", "'@Dilnoza", "dilnoza@example.test", None, "候补", "2", "2026-12-01 06:10", "未标记"],
]


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    return list(csv.reader(io.StringIO(text)))


def expected_rows(listed) -> list[list[str]]:
    rows = [list(row) for row in EXPECTED]
    rows[3][3] = listed["people"][3].organisation.name_zh  # the factory's own organisation
    return rows


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_csv_opens_with_its_bom_and_chinese_headers_whatever_the_language(app, client, login, listed, lang):
    login(listed["host"], lang=lang)
    response = client.get(f"/{lang}/events/{listed['event'].id}/attendees.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "no-store" in response.headers["Cache-Control"]
    rows = read_csv(response.data)
    assert rows[0] == HEADERS
    assert rows[1:] == expected_rows(listed)


def test_the_xlsx_sheet_has_the_same_rows(app, client, login, listed):
    login(listed["host"])
    event_id = listed["event"].id
    csv_rows = read_csv(client.get(f"/en/events/{event_id}/attendees.csv").data)
    response = client.get(f"/en/events/{event_id}/attendees.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["报名名单"]
    sheet = workbook["报名名单"]
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    widths = [sheet.column_dimensions[letter].width for letter in "ABCDEFGH"]
    assert all(width and width >= 6 for width in widths) and widths[2] > widths[0]  # the e-mail is wider than 序号

    def as_text(value) -> str:
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M")
        return "" if value is None else str(value)

    xlsx_rows = [[as_text(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert xlsx_rows == csv_rows
    # Numbers stay numbers and times are times a spreadsheet can sort.
    assert sheet["A2"].value == 1 and sheet["F4"].value == 1
    assert sheet["G2"].value == datetime(2026, 12, 1, 6, 0) and sheet["G2"].number_format == "yyyy-mm-dd hh:mm"
    # No cell is a formula.
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert sheet["B4"].value.startswith("'=")


def test_attendance_and_the_events_own_zone_appear_in_the_exports(app, client, login, listed, frozen, make_event,
                                                                  create_user):
    event = listed["event"]
    frozen.move_to(DURING)
    first, second = organisers.attendees(event)[:2]
    organisers.mark_attendance(event, first.registration.id, True, listed["host"])
    organisers.mark_attendance(event, second.registration.id, False, listed["host"])
    db.session.commit()
    login(listed["host"])
    rows = read_csv(client.get(f"/en/events/{event.id}/attendees.csv").data)
    assert [row[7] for row in rows[1:]] == ["已签到", "缺席", "未标记", "未标记"]
    # An event in Beijing time: the header says so and the times follow.
    frozen.move_to(datetime(2026, 12, 1, 0, 0, tzinfo=timezone.utc))
    shanghai = make_event(listed["host"], timezone="Asia/Shanghai")
    services.register(shanghai, create_user())
    db.session.commit()
    login(listed["host"])
    rows = read_csv(client.get(f"/en/events/{shanghai.id}/attendees.csv").data)
    assert rows[0][6] == "报名时间（北京时间）" and rows[1][6] == "2026-12-01 08:00"


def test_the_file_name_keeps_a_chinese_title_with_an_ascii_fallback(app, client, login, listed, make_event):
    login(listed["host"])
    response = client.get(f"/en/events/{listed['event'].id}/attendees.csv")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="event-{listed["event"].id}-attendees.csv"; filename*=UTF-8\'\'')
    name = unquote(disposition.split("filename*=UTF-8''", 1)[1])
    assert name == "新疆—大连科技成果对接会-报名名单.csv"
    odd = make_event(listed["host"], title_zh='路演/"决赛" <第二场>\r\n', title_en="Final")
    disposition = client.get(f"/en/events/{odd.id}/attendees.xlsx").headers["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition and '"决赛"' not in disposition
    name = unquote(disposition.split("filename*=UTF-8''", 1)[1])
    assert name.endswith("-报名名单.xlsx") and "/" not in name and '"' not in name
    english = make_event(listed["host"], title_zh="", title_en="Shanghai roadshow")
    disposition = client.get(f"/en/events/{english.id}/attendees.csv").headers["Content-Disposition"]
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == "Shanghai roadshow-报名名单.csv"


def test_an_event_nobody_registered_for_exports_its_headers(app, client, login, listed, make_event):
    empty = make_event(listed["host"])
    login(listed["host"])
    assert read_csv(client.get(f"/en/events/{empty.id}/attendees.csv").data) == [HEADERS]
    sheet = load_workbook(io.BytesIO(client.get(f"/en/events/{empty.id}/attendees.xlsx").data)).active
    assert [cell.value for cell in sheet[1]] == HEADERS and sheet.max_row == 1


def test_the_api_exports_the_same_files(app, client, api_token, login, listed):
    event_id = listed["event"].id
    headers = api_token(listed["host"])
    csv_response = client.get(f"/api/v1/events/{event_id}/registrations?format=csv", headers=headers)
    assert csv_response.status_code == 200 and csv_response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert read_csv(csv_response.data) == [HEADERS, *expected_rows(listed)]
    assert "filename*=UTF-8''" in csv_response.headers["Content-Disposition"]
    xlsx = client.get(f"/api/v1/events/{event_id}/registrations?format=xlsx", headers=headers)
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data))["报名名单"]
    assert [cell.value for cell in sheet[1]] == HEADERS and sheet.max_row == 5
    assert "Set-Cookie" not in csv_response.headers


def test_text_that_looks_like_a_formula_is_neutralised_in_both_files(app, client, login, listed, create_user):
    event = listed["event"]
    for name in ("+1+2", "-3", "\tTab", "Plain - dash", "a=b"):
        services.register(event, create_user(display_name=name))
    db.session.commit()
    login(listed["host"])
    rows = read_csv(client.get(f"/en/events/{event.id}/attendees.csv").data)
    names = [row[1] for row in rows[5:]]
    assert names == ["'+1+2", "'-3", "'\tTab", "Plain - dash", "a=b"]
    sheet = load_workbook(io.BytesIO(client.get(f"/en/events/{event.id}/attendees.xlsx").data)).active
    assert [sheet.cell(row=r, column=2).value for r in range(6, 11)][:2] == ["'+1+2", "'-3"]
