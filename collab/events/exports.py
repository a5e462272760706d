"""The attendee list as files for the bases' offices: CSV (UTF-8 with a BOM, so Excel
reads the Chinese right) and XLSX (openpyxl), the same rows in both.

Headers and coded values are always in Chinese, whoever exports: the offices that take
these files work in Chinese, and a file's columns should not change with the language
of the organiser who downloaded it. Times are in the event's own zone, named in the
header. Text cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``,
``@``, tab, carriage return first) are prefixed with an apostrophe (OWASP's advice on
CSV injection), in both files.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

from flask import Response
from flask_babel import force_locale

from .models import Event
from .organisers import attendees

SHEET_TITLE = "报名名单"
STATUS_ZH = {"registered": "已报名", "waitlisted": "候补", "cancelled": "已取消"}
ATTENDANCE_ZH = {True: "已签到", False: "缺席", None: "未标记"}
TIME_FORMAT = "%Y-%m-%d %H:%M"
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def zone_name_zh(tz: str) -> str:
    """The zone as the header names it, in Chinese (新疆时间)."""
    from ..i18n import zone_label

    with force_locale("zh_Hans"):
        return zone_label(tz)


TIME_COLUMN = 6  # 报名时间, counted from 0


def headers(event: Event) -> list[str]:
    return ["序号", "姓名", "邮箱", "机构", "状态", "候补顺位", f"报名时间（{zone_name_zh(event.timezone)}）", "签到"]


def neutralise(value):
    """Text a spreadsheet would take for a formula, made plain text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _organisation_name(org) -> str:
    if org is None:
        return ""
    return org.name_zh or org.name_en or ""


def rows(event: Event) -> list[list]:
    """The attendee list's rows: registered, then the waiting list, each in order.
    Numbers stay numbers and the registration time a datetime (the event's wall clock)."""
    zone = ZoneInfo(event.timezone)
    table = []
    for attendee in attendees(event):
        registration = attendee.registration
        created = registration.created_at.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
        table.append([
            attendee.number,
            neutralise(attendee.user.display_name or ""),
            neutralise(attendee.user.email or ""),
            neutralise(_organisation_name(attendee.organisation)),
            STATUS_ZH[registration.status],
            attendee.waitlist_position if attendee.waitlist_position is not None else "",
            created,
            ATTENDANCE_ZH[registration.attended],
        ])
    return table


def cell_text(value) -> str:
    if isinstance(value, datetime):
        return value.strftime(TIME_FORMAT)
    return "" if value is None else str(value)


def csv_bytes(event: Event) -> bytes:
    """The CSV file: a UTF-8 BOM, the Chinese headers, one line per person (CRLF)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers(event))
    for row in rows(event):
        writer.writerow([cell_text(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def display_width(value) -> int:
    """Columns as wide as their text: Chinese characters take two places."""
    text = cell_text(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def xlsx_bytes(event: Event) -> bytes:
    """The XLSX workbook: one sheet titled 报名名单, a bold frozen header row with a
    filter, real numbers and times, columns sized to their content."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    workbook.properties.title = f"{event.title_zh or event.title_en or ''} {SHEET_TITLE}".strip()
    workbook.properties.creator = "Collab"
    header = headers(event)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    table = rows(event)
    for row in table:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value for value in row])
    time_column = TIME_COLUMN + 1
    for (cell,) in sheet.iter_rows(min_row=2, min_col=time_column, max_col=time_column):
        cell.number_format = "yyyy-mm-dd hh:mm"
    for index, title in enumerate(header, start=1):
        widest = max([display_width(title)] + [display_width(row[index - 1]) for row in table])
        sheet.column_dimensions[get_column_letter(index)].width = min(widest + 2, 60)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filename(event: Event, extension: str) -> tuple[str, str]:
    """(an ASCII name for old clients, the real name: the title and 报名名单)."""
    title = _UNSAFE_IN_NAME.sub(" ", event.title_zh or event.title_en or "").strip()
    title = " ".join(title.split())[:80].strip(" .")
    name = f"{title}-{SHEET_TITLE}.{extension}" if title else f"{SHEET_TITLE}-{event.id}.{extension}"
    return f"event-{event.id}-attendees.{extension}", name


def content_disposition(event: Event, extension: str) -> str:
    """An attachment whose Chinese name survives (RFC 6266 with RFC 5987's filename*)."""
    ascii_name, name = filename(event, extension)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def download(event: Event, extension: str) -> Response:
    """The attendee list as a file to save (``csv`` or ``xlsx``), never cached: it holds
    people's names and e-mail addresses."""
    data, content_type = (csv_bytes(event), CSV_TYPE) if extension == "csv" else (xlsx_bytes(event), XLSX_TYPE)
    response = Response(data, content_type=content_type)
    response.headers["Content-Disposition"] = content_disposition(event, extension)
    response.headers["Cache-Control"] = "no-store, private"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
