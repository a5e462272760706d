"""My workspace (my own items by status, with counts) and the notification centre
(unread badge, mark one or all read; someone else's notification is a 404)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from collab.extensions import db
from collab.notifications.models import Notification
from collab.notifications.services import notify

from conftest import count_rows
from content_factories import OTHERS, page, refused, reload


def counts(text: str) -> dict[str, int]:
    return {name: int(value) for name, value in re.findall(r'data-count="(\w+)">(\d+)<', text)}


def section(text: str, name: str) -> str:
    start = text.index(f'id="group-{name}"')
    return text[start:text.index("</section>", start)]


def badge(text: str) -> int | None:
    match = re.search(r'id="unread-badge">(\d+)', text)
    return int(match.group(1)) if match else None


@pytest.fixture
def center_user(create_user):
    return create_user(role="center")


@pytest.fixture
def enterprise_user(create_user):
    return create_user(role="enterprise")


def test_each_user_sees_their_own_items_by_status_with_counts(client, login, center_user, enterprise_user,
                                                             make_project, make_need):
    make_project(center_user, "draft", title_en="My draft project")
    make_project(center_user, "rejected", title_en="My rejected project")
    make_project(center_user, "pending_review", title_en="My pending project")
    make_project(center_user, "published", title_en="My public project")
    make_project(center_user, "landed", title_en="My landed project")
    make_project(center_user, "closed", title_en="My closed project")
    make_need(enterprise_user, "draft", title_en="Their draft need")
    make_need(enterprise_user, "open", title_en="Their open need")
    make_need(enterprise_user, "expired", title_en="Their expired need")
    make_need(enterprise_user, "pending_review", title_en="Their pending need")

    login(center_user)
    text = page(client.get("/en/workspace"))
    assert counts(text) == {"drafts": 2, "pending": 1, "published": 2, "closed": 1}
    assert "My draft project" in section(text, "drafts") and "My rejected project" in section(text, "drafts")
    assert "My pending project" in section(text, "pending")
    assert "My public project" in section(text, "published") and "My landed project" in section(text, "published")
    assert "My closed project" in section(text, "closed")
    groups = "".join(section(text, name) for name in ("drafts", "pending", "published", "closed"))
    assert not re.search(r"Their (draft|open|expired|pending) need", groups)

    client.post("/en/logout")
    login(enterprise_user)
    assert counts(page(client.get("/zh/workspace"))) == {"drafts": 1, "pending": 1, "published": 1, "closed": 1}
    text = page(client.get("/en/workspace"))
    assert "Their open need" in section(text, "published") and "Their expired need" in section(text, "closed")
    groups = "".join(section(text, name) for name in ("drafts", "pending", "published", "closed"))
    assert not re.search(r"My (draft|rejected|pending|public|landed|closed) project", groups)


def test_a_new_user_has_an_empty_workspace(client, act_as):
    act_as("mentor")
    text = page(client.get("/en/workspace"))
    assert counts(text) == {"drafts": 0, "pending": 0, "published": 0, "closed": 0}
    assert "Nothing here." in text


def test_visitors_are_sent_to_log_in(client):
    for url in ("/en/workspace", "/en/notifications"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- notifications ------------------------------------------------------------------

def _notes(user, n: int) -> list[Notification]:
    notes = [notify(user, "need_expired", email=False, item_type="need", item_id=100 + i,
                    title_zh=f"需求{i}", title_en=f"Need {i}") for i in range(n)]
    db.session.commit()
    return notes


def test_the_unread_badge_counts_and_marking_read_clears_it(client, login, enterprise_user):
    notes = _notes(enterprise_user, 3)
    login(enterprise_user)
    text = page(client.get("/en/notifications"))
    assert badge(text) == 3
    assert "Your need “Need 2” passed its deadline and has expired." in text
    assert badge(page(client.get("/en/workspace"))) == 3
    response = client.post(f"/en/notifications/{notes[0].id}/read")
    assert response.status_code == 302
    assert reload(notes[0]).read_at is not None and reload(notes[1]).read_at is None
    assert badge(page(client.get("/en/projects/"))) == 2
    client.post("/en/notifications/read")
    assert all(reload(n).read_at is not None for n in notes)
    assert badge(page(client.get("/en/notifications"))) is None


def test_notifications_are_shown_in_the_readers_language(client, login, enterprise_user):
    _notes(enterprise_user, 1)
    login(enterprise_user)
    text = page(client.get("/zh/notifications"))
    assert "您的需求“需求0”已过截止日期，现已过期。" in text
    assert "passed its deadline" not in text


def test_mark_read_returns_to_a_local_page_only(client, login, enterprise_user):
    notes = _notes(enterprise_user, 2)
    login(enterprise_user)
    response = client.post(f"/en/notifications/{notes[0].id}/read", data={"next": "/en/workspace"})
    assert response.headers["Location"].endswith("/en/workspace")
    response = client.post(f"/en/notifications/{notes[1].id}/read", data={"next": "//evil.example/"})
    assert "evil.example" not in response.headers["Location"]


def test_marking_an_already_read_notification_again_is_harmless(client, login, enterprise_user):
    [note] = _notes(enterprise_user, 1)
    login(enterprise_user)
    client.post(f"/en/notifications/{note.id}/read")
    first = reload(note).read_at
    assert client.post(f"/en/notifications/{note.id}/read").status_code == 302
    assert reload(note).read_at == first


@pytest.mark.parametrize("role", OTHERS)
def test_someone_elses_notification_is_404_and_stays_unread(client, act_as, enterprise_user, role):
    [note] = _notes(enterprise_user, 1)
    act_as(role)
    response = client.post(f"/en/notifications/{note.id}/read")
    assert refused(response, 404)
    assert client.post("/en/notifications/99999/read").status_code in (302, 404)
    if role != "visitor":
        assert client.post("/en/notifications/99999/read").status_code == 404
        # "Mark all" only ever touches the caller's own.
        client.post("/en/notifications/read")
        assert "Need 0" not in page(client.get("/en/notifications"))
    assert reload(note).read_at is None
    assert count_rows(Notification) == 1


def test_notifications_paginate(app, client, login, enterprise_user):
    _notes(enterprise_user, 23)
    login(enterprise_user)
    first = page(client.get("/en/notifications"))
    second = page(client.get("/en/notifications?page=2"))
    assert first.count("passed its deadline") == 20 and second.count("passed its deadline") == 3
    assert "Need 22" in first and "Need 0" in second  # newest first
    assert badge(first) == 23


def test_the_workspace_shows_recent_notifications(client, login, enterprise_user):
    _notes(enterprise_user, 7)
    login(enterprise_user)
    text = page(client.get("/en/workspace"))
    assert text.count("passed its deadline") == 5
    assert db.session.scalar(select(Notification.read_at).limit(1)) is None  # looking does not mark read
