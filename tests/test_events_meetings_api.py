"""The API of one-to-one meetings (docs/API.md, Events): PUT/GET wishes, POST/GET the
schedule, moving and cancelling meetings, the caller's agenda — who may call what, the
error shape with translated field errors, and nothing changed when refused."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from collab.auth.tokens import issue_token
from collab.events import meetings
from collab.events.models import Meeting, Wish
from collab.extensions import db

from conftest import count_rows
from meeting_support import build_day


class Api:
    def __init__(self, client):
        self.client, self.tokens = client, {}

    def call(self, method, path, user=None, lang="en", **kwargs):
        headers = {"Accept-Language": lang}
        if user is not None:
            if user.id not in self.tokens:
                self.tokens[user.id] = issue_token(user)[0]
                db.session.commit()
            headers["Authorization"] = f"Bearer {self.tokens[user.id]}"
        return self.client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)


@pytest.fixture
def api(client):
    return Api(client)


@pytest.fixture
def day(create_user, organiser, make_project, make_need, make_event):
    return build_day(create_user, organiser, make_project, make_need, make_event)


def ok(response, status=200) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    return response.get_json()


def error(response, status, code=None) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    body = response.get_json()["error"]
    if code:
        assert body["code"] == code
    return body


def wishes_in_db(event):
    db.session.expire_all()
    return sorted(db.session.execute(select(Wish.user_id, Wish.item_type, Wish.item_id)
                                     .where(Wish.event_id == event.id)).all())


def meetings_in_db(event):
    db.session.expire_all()
    return sorted(db.session.execute(select(Meeting.id, Meeting.slot, Meeting.table_number, Meeting.status)
                                     .where(Meeting.event_id == event.id)).all())


def person(d, role, create_user, make_admin, organiser):
    return {"admin": make_admin, "host": lambda: d.host,
            "host_colleague": lambda: create_user(role="center", org=d.host.organisation),
            "other_staff": organiser, "registrant": lambda: d.eve, "stranger": lambda: create_user(role="enterprise"),
            "visitor": lambda: None}[role]()


# --- wishes ----------------------------------------------------------------------------------

def test_a_registrant_replaces_their_wishes_and_reads_the_suggestions(api, day):
    d = day
    body = ok(api.call("GET", f"/events/{d.event.id}/wishes", d.eve))
    assert body["need_ids"] == sorted([d.drip.id, d.film.id]) and body["project_ids"] == [] and body["open"] is True
    assert [(s["item_type"], s["item_id"], s["score"], s["own_item_id"]) for s in body["suggestions"]] == [
        ("need", d.drip.id, 0.7, d.eve_project.id), ("need", d.film.id, 0.5, d.eve_project.id)]
    assert body["suggestions"][0]["reasons"] == {"sectors": ["new_energy"]}
    body = ok(api.call("PUT", f"/events/{d.event.id}/wishes", d.eve, json={"project_ids": [d.solar.id, d.solar.id],
                                                                           "need_ids": [d.film.id]}))
    assert (body["project_ids"], body["need_ids"]) == ([d.solar.id], [d.film.id])
    assert [row for row in wishes_in_db(d.event) if row[0] == d.eve.id] == sorted(
        [(d.eve.id, "project", d.solar.id), (d.eve.id, "need", d.film.id)])
    ok(api.call("PUT", f"/events/{d.event.id}/wishes", d.eve, json={}))  # an empty set
    assert [row for row in wishes_in_db(d.event) if row[0] == d.eve.id] == []


@pytest.mark.parametrize("payload, fields", [
    ({"project_ids": "all"}, {"project_ids"}),
    ({"project_ids": [1.5], "need_ids": [True]}, {"project_ids", "need_ids"}),
    ({"project_ids": [2**70]}, {"project_ids"}),
    ({"need_ids": ["x"]}, {"need_ids"}),
    ("not_featured", {"project_ids", "need_ids"}),
    ("own", {"need_ids"}),
])
def test_bad_wishes_get_field_errors_and_change_nothing(api, day, payload, fields):
    d = day
    if payload == "not_featured":
        payload = {"project_ids": [d.eve_project.id], "need_ids": [d.dee_need.id, 999999]}
    elif payload == "own":
        payload = {"need_ids": [d.drip.id]}
    before = wishes_in_db(d.event)
    body = error(api.call("PUT", f"/events/{d.event.id}/wishes", d.bo, json=payload), 400, "validation_error")
    assert set(body["fields"]) == fields
    assert wishes_in_db(d.event) == before


def test_wish_errors_follow_accept_language(api, day):
    d = day
    zh = error(api.call("PUT", f"/events/{d.event.id}/wishes", d.bo, lang="zh", json={"need_ids": [d.drip.id]}), 400)
    en = error(api.call("PUT", f"/events/{d.event.id}/wishes", d.bo, lang="en", json={"need_ids": [d.drip.id]}), 400)
    assert en["fields"]["need_ids"] == ["You present this need yourself: choose the ones you want to meet."]
    with force_locale("zh_Hans"):
        expected = str(meetings.wish_errors(d.event, d.bo, [], [d.drip.id])["need_ids"][0])
    assert zh["fields"]["need_ids"] == [expected] and zh["message"] != en["message"]


@pytest.mark.parametrize("role, status", [
    ("stranger", 403), ("other_staff", 403), ("host", 403), ("admin", 403), ("visitor", 401)])
def test_only_registrants_wish(api, day, role, status, create_user, make_admin, organiser):
    d = day
    user = person(d, role, create_user, make_admin, organiser)
    before = wishes_in_db(d.event)
    error(api.call("PUT", f"/events/{d.event.id}/wishes", user, json={"need_ids": [d.drip.id]}), status)
    error(api.call("GET", f"/events/{d.event.id}/wishes", user), status)
    assert wishes_in_db(d.event) == before


def test_wishes_of_a_hidden_or_missing_event_are_404_and_of_a_day_without_tables_409(api, day, make_event):
    d = day
    draft = make_event(d.host, status="draft")
    for event_id in (draft.id, 999999):
        error(api.call("PUT", f"/events/{event_id}/wishes", d.eve, json={}), 404, "not_found")
    error(api.call("GET", f"/events/{2**40}/wishes", d.eve), 404)
    d.event.tables = 0
    db.session.commit()
    body = error(api.call("PUT", f"/events/{d.event.id}/wishes", d.eve, json={}), 409, "no_meetings")
    assert "only matchmaking days with tables" in body["message"]


def test_wishes_close_when_the_event_begins(api, day):
    import time_machine

    d = day
    before = wishes_in_db(d.event)
    with time_machine.travel(d.event.starts_at + timedelta(minutes=5), tick=False):
        body = error(api.call("PUT", f"/events/{d.event.id}/wishes", d.eve, json={"need_ids": []}), 409,
                     "wishes_closed")
    assert "until the event begins" in body["message"]
    assert wishes_in_db(d.event) == before


# --- the schedule ----------------------------------------------------------------------------

ORGANISERS = ("admin", "host", "host_colleague")


@pytest.mark.parametrize("role", ORGANISERS)
def test_organisers_generate_and_read_the_schedule(api, day, role, create_user, make_admin, organiser):
    d = day
    user = person(d, role, create_user, make_admin, organiser)
    body = ok(api.call("POST", f"/events/{d.event.id}/schedule", user))
    assert body["unmet_wishes"] == 0 and body["slots"] == 24 and body["tables"] == 10
    assert [(m["table"], sorted(m["participant_ids"]), m["project_id"], m["need_id"]) for m in body["meetings"]] == [
        (1, sorted([d.ann.id, d.bo.id]), None, d.drip.id), (2, sorted([d.eve.id, d.cy.id]), None, d.film.id),
        (1, sorted([d.bo.id, d.ann.id]), d.solar.id, None), (1, sorted([d.eve.id, d.bo.id]), None, d.drip.id),
        (2, sorted([d.dee.id, d.ann.id]), d.solar.id, None)]
    first = body["meetings"][0]
    assert set(first) >= {"id", "starts_at", "ends_at", "table", "project_id", "need_id", "participant_ids"}
    assert first["starts_at"].endswith("Z") and first["slot"] == 1 and first["mutual"] is True
    assert ok(api.call("GET", f"/events/{d.event.id}/schedule", user))["meetings"] == body["meetings"]
    again = ok(api.call("POST", f"/events/{d.event.id}/schedule", user))
    assert len(again["meetings"]) == 5 and count_rows(Meeting) == 5


@pytest.mark.parametrize("role, status", [
    ("other_staff", 403), ("registrant", 403), ("stranger", 403), ("visitor", 401)])
def test_others_cannot_touch_the_schedule(api, day, role, status, create_user, make_admin, organiser):
    d = day
    meetings.generate_schedule(d.event)
    db.session.commit()
    before = meetings_in_db(d.event)
    user = person(d, role, create_user, make_admin, organiser)
    mid = before[0][0]
    error(api.call("POST", f"/events/{d.event.id}/schedule", user), status)
    error(api.call("GET", f"/events/{d.event.id}/schedule", user), status)
    error(api.call("POST", f"/events/{d.event.id}/meetings/{mid}/move", user, json={"slot": 5, "table": 5}), status)
    error(api.call("POST", f"/events/{d.event.id}/meetings/{mid}/cancel", user), status)
    assert meetings_in_db(d.event) == before


@pytest.mark.parametrize("change, code", [
    ({"tables": 0}, "no_meetings"), ({"type": "training"}, "no_meetings"), ({"status": "held"}, "wrong_state"),
    ({"status": "cancelled"}, "wrong_state")])
def test_the_schedule_is_for_published_matchmaking_days_with_tables(api, day, change, code):
    d = day
    for name, value in change.items():
        setattr(d.event, name, value)
    db.session.commit()
    body = error(api.call("POST", f"/events/{d.event.id}/schedule", d.host), 409, code)
    assert body["message"]
    assert count_rows(Meeting) == 0
    if code == "wrong_state":  # a held day's schedule can still be read
        assert ok(api.call("GET", f"/events/{d.event.id}/schedule", d.host))["meetings"] == []


def test_a_draft_is_404_to_others_and_409_to_its_organisers(api, day, make_event, create_user):
    d = day
    draft = make_event(d.host, status="draft")
    error(api.call("POST", f"/events/{draft.id}/schedule", create_user(role="enterprise")), 404)
    body = error(api.call("POST", f"/events/{draft.id}/schedule", d.host), 409, "wrong_state")
    assert "published event" in body["message"]
    error(api.call("GET", f"/events/{2**40}/schedule", d.host), 404)


# --- moving and cancelling ------------------------------------------------------------------------

def test_moving_and_cancelling_meetings(api, day, organiser, make_event):
    d = day
    meetings.generate_schedule(d.event)
    db.session.commit()
    eve_film = db.session.scalar(select(Meeting).where(Meeting.participant_id == d.eve.id, Meeting.slot == 0))
    url = f"/events/{d.event.id}/meetings/{eve_film.id}"
    before = meetings_in_db(d.event)
    body = error(api.call("POST", f"{url}/move", d.host, json={"slot": 3, "table": 4}), 409, "person_busy")
    assert body["message"].startswith("Eve Sensors already has a meeting at")
    body = error(api.call("POST", f"{url}/move", d.host, json={"slot": 2, "table": 1}), 409, "table_taken")
    assert body["message"].startswith("Table 1 is taken at")
    for payload, field in (({"slot": 25, "table": 1}, "slot"), ({"slot": 0, "table": 1}, "slot"),
                           ({"slot": 2, "table": 11}, "table"), ({"slot": "2", "table": 1}, "slot"),
                           ({"slot": 2**80, "table": 1}, "slot"), ({"slot": 2}, "table"),
                           ({"slot": True, "table": 1}, "slot")):
        body = error(api.call("POST", f"{url}/move", d.host, json=payload), 400, "validation_error")
        assert field in body["fields"], payload
    error(api.call("POST", f"{url}/move", d.host, data="[]", content_type="application/json"), 400)
    assert meetings_in_db(d.event) == before
    moved = ok(api.call("POST", f"{url}/move", d.host, json={"slot": 2, "table": 3}))
    assert (moved["slot"], moved["table"]) == (2, 3)
    assert moved["starts_at"] == (d.event.starts_at + timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
    cancelled = ok(api.call("POST", f"{url}/cancel", d.host))
    assert cancelled["status"] == "cancelled"
    error(api.call("POST", f"{url}/cancel", d.host), 409, "meeting_cancelled")
    error(api.call("POST", f"{url}/move", d.host, json={"slot": 5, "table": 1}), 409, "meeting_cancelled")
    # Another event's meeting, or none: 404.
    other = make_event(d.host)
    error(api.call("POST", f"/events/{other.id}/meetings/{eve_film.id}/cancel", d.host), 404)
    error(api.call("POST", f"/events/{d.event.id}/meetings/{2**40}/move", d.host, json={"slot": 1, "table": 1}), 404)
    assert ok(api.call("GET", f"/events/{d.event.id}/schedule", d.host))["unmet_wishes"] == 1


# --- agendas -------------------------------------------------------------------------------------

def test_the_agenda_is_the_callers_own(api, day, create_user):
    d = day
    meetings.generate_schedule(d.event)
    db.session.commit()
    body = ok(api.call("GET", f"/events/{d.event.id}/agenda", d.eve))
    assert body["timezone"] == "Asia/Urumqi"
    rows = [(m["starts_at"], m["table"], m["role"], m["with"]["display_name"], m["item"]["type"], m["item"]["id"])
            for m in body["meetings"]]
    start = d.event.starts_at
    assert rows == [
        (start.strftime("%Y-%m-%dT%H:%M:%SZ"), 2, "visitor", "Cy Film", "need", d.film.id),
        ((start + timedelta(minutes=40)).strftime("%Y-%m-%dT%H:%M:%SZ"), 1, "visitor", "Bo Drip", "need", d.drip.id)]
    ann = ok(api.call("GET", f"/events/{d.event.id}/agenda", d.ann))["meetings"]
    assert [m["role"] for m in ann] == ["visitor", "presenter", "presenter"]
    assert ann[2]["with"]["organisation"]["name_en"] == d.dee.organisation.name_en
    # A query naming someone else changes nothing: the agenda is always the caller's.
    assert ok(api.call("GET", f"/events/{d.event.id}/agenda?user_id={d.eve.id}", d.dee))["meetings"][0][
        "with"]["display_name"] == "Ann Solar"
    assert ok(api.call("GET", f"/events/{d.event.id}/agenda", create_user(role="enterprise")))["meetings"] == []
    error(api.call("GET", f"/events/{d.event.id}/agenda"), 401)


def test_the_meeting_routes_are_served_where_docs_api_says(client):
    """The paths of docs/API.md (Events), plus moving and cancelling."""
    rules = {(rule.rule, method) for rule in client.application.url_map.iter_rules()
             for method in rule.methods if rule.rule.startswith("/api/v1/events/")}
    for path, method in (("wishes", "PUT"), ("wishes", "GET"), ("schedule", "POST"), ("schedule", "GET"),
                         ("agenda", "GET"), ("meetings/<int:meeting_id>/move", "POST"),
                         ("meetings/<int:meeting_id>/cancel", "POST")):
        assert (f"/api/v1/events/<int:event_id>/{path}", method) in rules
