"""Plain helpers of the content tests (projects and needs): valid service data, the
route to each status, who may ask, reading pages and form errors, minimal real files.

The fixtures that use them (``make_project``, ``make_need``, ``make_admin``, ``act_as``)
live in tests/factories/content.py and reach every test through ``pytest_plugins``:
use them by name, do not import them.
"""
from __future__ import annotations

import html
import io
import re
import zipfile
from datetime import timedelta

from flask_babel import force_locale, gettext

from collab.extensions import db

from conftest import count_rows

# The route each status is reached by from draft (the states in between are recorded too).
PROJECT_PATHS = {
    "draft": (),
    "pending_review": ("pending_review",),
    "rejected": ("pending_review", "rejected"),
    "published": ("pending_review", "published"),
    "in_incubation": ("pending_review", "published", "in_incubation"),
    "landed": ("pending_review", "published", "in_incubation", "landed"),
    "graduated": ("pending_review", "published", "in_incubation", "landed", "graduated"),
    "closed": ("pending_review", "published", "closed"),
}
NEED_PATHS = {
    "draft": (),
    "pending_review": ("pending_review",),
    "rejected": ("pending_review", "rejected"),
    "open": ("pending_review", "open"),
    "in_talks": ("pending_review", "open", "in_talks"),
    "fulfilled": ("pending_review", "open", "fulfilled"),
    "withdrawn": ("pending_review", "open", "withdrawn"),
    "expired": ("pending_review", "open", "expired"),
}


def project_data(**fields) -> dict:
    """Valid service data for a project (the form's ``data_for_model`` shape)."""
    data = {
        "title_zh": "钙钛矿光伏组件中试线", "title_en": "Perovskite solar module pilot line",
        "summary_zh": "在深圳完成中试，计划在哈密落地组件产线。",
        "summary_en": "Pilot run finished in Shenzhen; the module line is to land in Hami.",
        "stage": "prototype", "direction": "offshore_to_xinjiang", "funding_sought_cny": 5_000_000,
        "team_size": 12, "ip_status": "pending", "seeks": ["landing_site", "capital"], "city": "Shenzhen",
        "sectors": ["new_energy"],
    }
    data.update(fields)
    return data


def need_data(**fields) -> dict:
    """Valid service data for a need, deadline a month ahead (Beijing date)."""
    from collab.needs.services import today

    data = {
        "kind": "technology", "title_zh": "盐碱地节水滴灌技术", "title_en": "Water-saving drip irrigation for saline soil",
        "description_zh": "寻找适合南疆盐碱地的节水滴灌方案。",
        "description_en": "Looking for a drip irrigation system suited to saline soil in southern Xinjiang.",
        "budget_min_cny": 1_000_000, "budget_max_cny": 3_000_000, "location": "kashgar",
        "deadline": today() + timedelta(days=30), "visibility": "public", "sectors": ["modern_agriculture"],
    }
    data.update(fields)
    return data


def _walk(item, path, owner, admin) -> None:
    from collab.content import services as content

    for status in path:
        actor = owner if status in ("pending_review",) else admin
        content.record_change(item, status, actor)


# --- who is asking --------------------------------------------------------------

ROLES = ["visitor", "enterprise", "center", "mentor", "pending", "admin", "owner"]
OTHERS = [r for r in ROLES if r != "owner"]


def refused(response, *codes) -> bool:
    """A refusal: the given statuses, or (for visitors) the redirect to the login page."""
    if response.status_code in codes:
        return True
    return response.status_code == 302 and "/login" in response.headers.get("Location", "")


def page(response) -> str:
    assert response.status_code == 200, (response.status_code, response.get_data(as_text=True)[:300])
    return response.get_data(as_text=True)


def field_error(html: str, field: str) -> str | None:
    """The text of the error shown next to a form field (``<id>-error``), or None."""
    match = re.search(rf'id="{field}-error"[^>]*>(.*?)</div>', html, re.S)
    return match.group(1).strip() if match else None


def reload(item):
    """The item as stored now (None once deleted)."""
    db.session.expire_all()
    return db.session.get(type(item), item.id)


def error_for(text: str, field: str) -> str | None:
    if field in ("sectors", "seeks"):
        inside = "(?:(?!</fieldset>).)*"
        fieldset = re.search(rf'<fieldset{inside}name="{field}"{inside}</fieldset>', text, re.S)
        match = fieldset and re.search(r'invalid-feedback[^>]*>(.*?)</div>', fieldset.group(0), re.S)
        return match.group(1).strip() if match else None
    return field_error(text, field)


def check_refused_form(app, client, url, data, field, count_model):
    """POST ``data`` to ``/en<url>`` and ``/zh<url>``: the form comes back with the field's error in
    English and in Chinese (never English on /zh/), and no ``count_model`` row is added."""
    before = count_rows(count_model)
    english_page = page(client.post(f"/en{url}", data=data))
    english = error_for(english_page, field)
    assert english, f"no error shown next to {field}"
    chinese_page = page(client.post(f"/zh{url}", data=data))
    chinese = error_for(chinese_page, field)
    assert chinese, f"no error shown next to {field} on /zh/"
    with app.test_request_context("/zh/"), force_locale("zh_Hans"):
        translated = gettext(html.unescape(english))
    if translated != html.unescape(english):  # the catalog has it: the zh page must not fall back to English
        assert html.unescape(chinese) == translated
        assert html.unescape(english) not in html.unescape(chinese_page)
    # Whatever catalog a message comes from (ours or WTForms'), no English sentence reaches /zh/.
    assert chinese != english
    assert not re.search(r"[A-Za-z]{2,} [A-Za-z]{2,} [A-Za-z]{2,}", html.unescape(chinese)), chinese
    assert count_rows(count_model) == before
    return english, chinese


# --- minimal real files -----------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
EXE = (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
       + b"This program cannot be run in DOS mode.")
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def _ooxml(part: str, body: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                                                'package/2006/content-types"/>')
        archive.writestr(part, body)
    return buffer.getvalue()


DOCX = _ooxml("word/document.xml", b'<?xml version="1.0"?><w:document '
                                    b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>')
PPTX = _ooxml("ppt/presentation.xml", b'<?xml version="1.0"?><p:presentation '
                                       b'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>')
PLAIN_ZIP = b""
with io.BytesIO() as _buffer:
    with zipfile.ZipFile(_buffer, "w") as _archive:
        _archive.writestr("notes.txt", "not an office document")
    PLAIN_ZIP = _buffer.getvalue()


EVENT_PATHS = {
    "draft": (),
    "published": ("published",),
    "cancelled": ("published", "cancelled"),
    "held": ("published", "held"),
}


def event_data(**fields) -> dict:
    """Valid service data for an event a week ahead, 09:00–17:00 Xinjiang time (UTC+6)."""
    from datetime import datetime, timezone

    from collab.db import utcnow

    day = (utcnow() + timedelta(days=7)).date()
    start = datetime(day.year, day.month, day.day, 3, 0, tzinfo=timezone.utc)
    data = {
        "type": "matchmaking", "title_zh": "新疆—大连科技成果对接会", "title_en": "Xinjiang–Dalian technology matching day",
        "description_zh": "大连离岸孵化项目与新疆企业需求一对一洽谈。",
        "description_en": "One-to-one talks between Dalian offshore projects and Xinjiang enterprises' needs.",
        "timezone": "Asia/Urumqi", "starts_at": start, "ends_at": start + timedelta(hours=8),
        "registration_deadline": start - timedelta(hours=12), "place_zh": "乌鲁木齐高新区创业大厦",
        "place_en": "Ürümqi High-tech Zone Innovation Tower", "online_url": None, "capacity": 30,
        "meeting_minutes": 20, "tables": 10, "featured_project_ids": [], "featured_need_ids": [],
        "sectors": [],
    }
    data.update(fields)
    return data
