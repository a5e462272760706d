"""What organisers do with registrations: the attendee list (registered, then the
waiting list), attendance once the event has begun, messages to all registrants, and
the organisers' panel on the event page — on the web and through the API, for every
role: admins and the host's staff may, everyone else gets 403 (404 while the event is
hidden from them), and a refusal changes nothing.

The clock is frozen at NOW (1 December 2026, 00:00 UTC); the event starts on
8 December at 03:00 UTC (09:00 in Ürümqi) and ends at 11:00 UTC.
"""
from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from collab.audit import AuditEntry
from collab.content import services as content
from collab.events import organisers, services
from collab.events.models import Registration
from collab.extensions import db
from collab.mail.models import OutboxMessage
from collab.notifications.models import Notification

from content_factories import field_error, refused

START = datetime(2026, 12, 8, 3, 0, tzinfo=timezone.utc)
END = START + timedelta(hours=8)
DURING = START + timedelta(hours=1)

WEB_ROLES = ["admin", "creator", "host_staff", "other_staff", "pending_host_staff", "registrant", "visitor"]
ALLOWED = {"admin", "creator", "host_staff"}


@pytest.fixture
def scene(frozen, create_org, create_user, make_event):
    """A base's published event with two places: two registered, two waiting, one gone;
    and everyone who might ask."""
    base = create_org(kind="xinjiang_base", name_zh="喀什基地", name_en="Kashgar base")
    creator = create_user(role="center", org=base, display_name="Creator", timezone="Asia/Tashkent")
    people = {
        "admin": create_user(role="admin"),
        "creator": creator,
        "host_staff": create_user(role="center", org=base, display_name="Host staff"),
        "pending_host_staff": create_user(role="center", org=base, approved=False),
        "other_staff": create_user(role="center", org=create_org(kind="xinjiang_base")),
        "visitor": None,
    }
    event = make_event(creator, capacity=2)
    firm = create_org(name_zh="和田玉石公司", name_en="Hotan Jade Co.")
    attendees = [create_user(org=firm, display_name="Aynur", locale="zh", timezone="Asia/Shanghai"),
                 create_user(display_name="Bakhtiyor", locale="en", timezone="Asia/Tashkent"),
                 create_user(display_name="Chen", locale="zh"),
                 create_user(display_name="Dilnoza", locale="en")]
    gone = create_user(display_name="Erkin")
    for person in attendees[:2]:
        services.register(event, person)
    services.register(event, gone)  # waiting, then gone
    for person in attendees[2:]:
        services.register(event, person)
    services.cancel_registration(event, gone)
    db.session.commit()
    people["registrant"] = attendees[0]
    return {"event": event, "people": people, "attendees": attendees, "gone": gone, "base": base}


@pytest.fixture
def become(login):
    def do(scene, role, lang="en"):
        user = scene["people"][role]
        if user is not None:
            login(user, lang=lang)
        return user

    return do


def registration(event, user) -> Registration:
    db.session.expire_all()
    return db.session.scalar(select(Registration).where(Registration.event_id == event.id,
                                                        Registration.user_id == user.id))


def counts_of_what_a_refusal_must_not_change() -> tuple:
    db.session.expire_all()
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Notification, OutboxMessage, AuditEntry)) + tuple(
        db.session.execute(select(Registration.id, Registration.attended, Registration.status)
                           .order_by(Registration.id)).all())


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def translated(locale: str, message: str, **params) -> str:
    with force_locale(locale):
        return gettext(message, **params)


# --- who may -----------------------------------------------------------------------------------

@pytest.mark.parametrize("role", WEB_ROLES)
@pytest.mark.parametrize("path", ["/attendees", "/attendees.csv", "/attendees.xlsx"])
def test_only_admins_and_the_hosts_staff_read_the_attendee_list(app, client, scene, become, role, path):
    become(scene, role)
    response = client.get(f"/en/events/{scene['event'].id}{path}")
    if role in ALLOWED:
        assert response.status_code == 200
    elif role == "visitor":
        assert refused(response)  # to the login page
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", WEB_ROLES)
@pytest.mark.parametrize("path", ["/attendees", "/attendees.csv", "/attendees.xlsx"])
def test_a_draft_is_hidden_from_everyone_but_its_organisers(app, client, scene, become, make_event, role, path):
    draft = make_event(scene["people"]["creator"], status="draft")
    become(scene, role)
    response = client.get(f"/en/events/{draft.id}{path}")
    if role in ALLOWED:
        assert response.status_code == 200
    elif role == "visitor":
        assert refused(response)
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("role", WEB_ROLES)
def test_only_organisers_mark_attendance_and_a_refusal_changes_nothing(app, client, scene, become, frozen, role):
    frozen.move_to(DURING)
    event, person = scene["event"], scene["attendees"][0]
    rid = registration(event, person).id
    become(scene, role)
    before = counts_of_what_a_refusal_must_not_change()
    response = client.post(f"/en/events/{event.id}/attendance", data={"registration_id": str(rid), "attended": "yes"})
    if role in ALLOWED:
        assert response.status_code == 302
        assert registration(event, person).attended is True
        return
    assert refused(response, 403)
    assert counts_of_what_a_refusal_must_not_change() == before


@pytest.mark.parametrize("role", WEB_ROLES)
def test_only_organisers_write_to_the_registrants_and_a_refusal_sends_nothing(app, client, scene, become, role):
    event = scene["event"]
    become(scene, role)
    before = counts_of_what_a_refusal_must_not_change()
    response = client.post(f"/en/events/{event.id}/message", data={"subject": "Bus at 8", "body": "From the hotel."})
    if role in ALLOWED:
        assert response.status_code == 302
        assert counts_of_what_a_refusal_must_not_change() != before
        return
    assert refused(response, 403)
    assert counts_of_what_a_refusal_must_not_change() == before


@pytest.mark.parametrize("role", ["other_staff", "registrant"])
def test_a_hidden_event_answers_404_to_posts_too(app, client, scene, become, make_event, role):
    draft = make_event(scene["people"]["creator"], status="draft")
    become(scene, role)
    before = counts_of_what_a_refusal_must_not_change()
    assert client.post(f"/en/events/{draft.id}/message", data={"subject": "s", "body": "b"}).status_code == 404
    assert client.post(f"/en/events/{draft.id}/attendance", data={"registration_id": "1", "attended": "yes"}
                       ).status_code == 404
    assert counts_of_what_a_refusal_must_not_change() == before


API_ROLES = ["admin", "creator", "host_staff", "other_staff", "pending_host_staff", "registrant", "anonymous"]


@pytest.fixture
def headers_for(api_token):
    def make(scene, role):
        if role == "anonymous":
            return {}
        return api_token(scene["people"][role])

    return make


@pytest.mark.parametrize("role", API_ROLES)
@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_the_registrations_api_answers_organisers_only(app, client, scene, headers_for, role, fmt):
    response = client.get(f"/api/v1/events/{scene['event'].id}/registrations?format={fmt}",
                          headers=headers_for(scene, role))
    expected = 200 if role in ALLOWED else 401 if role == "anonymous" else 403
    assert response.status_code == expected
    if expected != 200:
        assert response.get_json()["error"]["code"] in ("unauthorized", "forbidden")


@pytest.mark.parametrize("role", API_ROLES)
def test_the_attendance_api_answers_organisers_only_and_a_refusal_changes_nothing(app, client, scene, headers_for,
                                                                                 frozen, role):
    frozen.move_to(DURING)
    event, person = scene["event"], scene["attendees"][0]
    rid = registration(event, person).id
    headers = headers_for(scene, role)
    before = counts_of_what_a_refusal_must_not_change()
    response = client.post(f"/api/v1/events/{event.id}/registrations/{rid}/attendance", json={"attended": True},
                           headers=headers)
    if role in ALLOWED:
        assert response.status_code == 200 and response.get_json()["attended"] is True
        return
    assert response.status_code == (401 if role == "anonymous" else 403)
    assert counts_of_what_a_refusal_must_not_change() == before


@pytest.mark.parametrize("role", ["other_staff", "registrant"])
def test_the_api_hides_a_draft_with_404(app, client, scene, headers_for, make_event, role):
    draft = make_event(scene["people"]["creator"], status="draft")
    headers = headers_for(scene, role)
    assert client.get(f"/api/v1/events/{draft.id}/registrations", headers=headers).status_code == 404
    assert client.post(f"/api/v1/events/{draft.id}/registrations/1/attendance", json={"attended": True},
                       headers=headers).status_code == 404


# --- the attendee list -----------------------------------------------------------------------

def row_texts(page: str) -> list[str]:
    body = page.split('id="attendees"', 1)[1].split("</table>", 1)[0].split("<tbody>", 1)[1]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in body.split("</tr>") if "<td" in row]


def test_the_list_shows_the_registered_then_the_waiting_list_in_order(app, client, scene, become):
    become(scene, "creator")  # reads in Tashkent time
    page = text_of(client.get(f"/en/events/{scene['event'].id}/attendees"))
    rows = row_texts(page)
    assert [row.split(" ")[1] for row in rows] == ["Aynur", "Bakhtiyor", "Chen", "Dilnoza"]
    assert "Erkin" not in page  # cancelled: not an attendee
    aynur = scene["attendees"][0]
    assert aynur.email in rows[0] and "Hotan Jade Co." in rows[0] and "Registered" in rows[0]
    assert "Waiting list, number 1" in rows[2] and "Waiting list, number 2" in rows[3]
    # Registered at NOW, shown in the viewer's zone (Tashkent, UTC+5), the zone named in the header.
    assert "Registered at (Tashkent time)" in page
    assert "12/1/26, 5:00 AM" in rows[0]  # (the narrow space before AM is a space here)
    counts = page.split('id="attendee-counts"', 1)[1].split("</ul>", 1)[0]
    assert re.search(r">2</span> registered of 2 places", counts)
    assert re.search(r">2</span> on the waiting list", counts)
    assert re.search(r">0</span> attended", counts)
    # Attendance is not open yet: no attendance forms, a hint why.
    assert 'name="attended"' not in page
    assert "Attendance can be marked once the event has begun." in page


def test_the_list_is_in_chinese_on_zh(app, client, scene, become):
    become(scene, "host_staff", lang="zh")
    page = text_of(client.get(f"/zh/events/{scene['event'].id}/attendees"))
    assert "和田玉石公司" in page
    assert '<html lang="zh-Hans"' in page


def test_the_list_loads_in_a_fixed_number_of_queries(app, client, scene, become, create_user):
    from sqlalchemy import event as sa_event

    become(scene, "admin")
    url = f"/en/events/{scene['event'].id}/attendees"

    def queries() -> int:
        seen = []
        engine = db.engine

        def count(*_args):
            seen.append(1)

        sa_event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get(url).status_code == 200
        finally:
            sa_event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    few = queries()
    for n in range(8):
        services.register(scene["event"], create_user(org=scene["base"] if n % 2 else None))
    db.session.commit()
    assert queries() == few


# --- attendance -----------------------------------------------------------------------------------

def mark(client, event, rid, value):
    return client.post(f"/en/events/{event.id}/attendance", data={"registration_id": str(rid), "attended": value})


def test_attendance_is_marked_from_the_start_on_the_web(app, client, scene, become, frozen):
    event, (aynur, bakhtiyor, chen, _dilnoza) = scene["event"], scene["attendees"]
    become(scene, "host_staff")
    rid = registration(event, aynur).id
    response = mark(client, event, rid, "yes")  # before the start: refused, nothing saved
    assert response.status_code == 302
    assert registration(event, aynur).attended is None
    followed = text_of(client.get(response.headers["Location"]))
    assert "Attendance can be marked once the event has begun." in followed
    frozen.move_to(DURING)
    become(scene, "host_staff")
    response = mark(client, event, rid, "yes")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#registration-{rid}")
    assert registration(event, aynur).attended is True
    assert mark(client, event, registration(event, bakhtiyor).id, "no").status_code == 302
    assert registration(event, bakhtiyor).attended is False
    # Someone from the waiting list who came anyway.
    assert mark(client, event, registration(event, chen).id, "yes").status_code == 302
    page = text_of(client.get(f"/en/events/{event.id}/attendees"))
    counts = page.split('id="attendee-counts"', 1)[1].split("</ul>", 1)[0]
    assert re.search(r">2</span> attended", counts) and re.search(r">1</span> absent", counts)
    assert 'id="attended-%d"' % rid in page and f'for="attended-{rid}"' in page  # each select has its label
    # Cleared again.
    assert mark(client, event, rid, "").status_code == 302
    assert registration(event, aynur).attended is None


def test_attendance_of_held_events_too_until_a_month_after_the_end(app, client, scene, become, frozen):
    event, aynur = scene["event"], scene["attendees"][0]
    rid = registration(event, aynur).id
    frozen.move_to(END + timedelta(days=2))
    content.transition_item(event, "held", scene["people"]["creator"])
    db.session.commit()
    become(scene, "creator")
    assert mark(client, event, rid, "yes").status_code == 302
    assert registration(event, aynur).attended is True
    frozen.move_to(END + timedelta(days=31))
    become(scene, "creator")
    mark(client, event, rid, "no")
    assert registration(event, aynur).attended is True
    assert "no longer be marked" in text_of(client.get(f"/en/events/{event.id}/attendees"))


def test_attendance_of_a_cancelled_event_or_registration_is_refused(app, client, scene, become, frozen):
    event = scene["event"]
    gone_id = registration(event, scene["gone"]).id
    frozen.move_to(DURING)
    become(scene, "admin")
    before = counts_of_what_a_refusal_must_not_change()
    assert mark(client, event, gone_id, "yes").status_code == 302
    assert counts_of_what_a_refusal_must_not_change() == before
    assert registration(event, scene["gone"]).attended is None


def test_odd_attendance_input_is_refused_without_an_error_page(app, client, scene, become, frozen, make_event):
    event = scene["event"]
    other = make_event(scene["people"]["creator"])
    stranger = services.register(other, scene["attendees"][0])
    db.session.commit()
    frozen.move_to(DURING)
    become(scene, "admin")
    before = counts_of_what_a_refusal_must_not_change()
    for rid, value in (("abc", "yes"), ("", "yes"), ("99999999999999999999999", "yes"), ("1\x00", "yes"),
                       (str(registration(event, scene["attendees"][0]).id), "maybe")):
        response = client.post(f"/en/events/{event.id}/attendance", data={"registration_id": rid, "attended": value})
        assert response.status_code in (302, 400), (rid, value, response.status_code)
    # Another event's registration is not this event's: 404.
    assert mark(client, event, stranger.id, "yes").status_code == 404
    assert client.get("/en/events/99999999999999999999999/attendees").status_code == 404
    assert counts_of_what_a_refusal_must_not_change() == before


def test_attendance_through_the_api(app, client, scene, api_token, frozen):
    event, aynur = scene["event"], scene["attendees"][0]
    rid = registration(event, aynur).id
    headers = api_token(scene["people"]["admin"])
    url = f"/api/v1/events/{event.id}/registrations/{rid}/attendance"
    early = client.post(url, json={"attended": True}, headers=headers)
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "attendance_closed"
    frozen.move_to(DURING)
    headers = api_token(scene["people"]["admin"])
    for body in ({}, {"attended": "yes"}, {"attended": 1}, {"attended": [True]}):
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == 400 and "attended" in response.get_json()["error"]["fields"], body
    assert client.post(url, data="not json", headers=headers).status_code == 400
    answer = client.post(url, json={"attended": True}, headers=headers)
    assert answer.status_code == 200
    assert answer.get_json()["attended"] is True and answer.get_json()["id"] == rid
    assert registration(event, aynur).attended is True
    assert client.post(url, json={"attended": False}, headers=headers).get_json()["attended"] is False
    assert client.post(url, json={"attended": None}, headers=headers).get_json()["attended"] is None
    missing = client.post(f"/api/v1/events/{event.id}/registrations/99999999999999999999/attendance",
                          json={"attended": True}, headers=headers)
    assert missing.status_code == 404
    gone = registration(event, scene["gone"]).id
    assert client.post(f"/api/v1/events/{event.id}/registrations/{gone}/attendance", json={"attended": True},
                       headers=headers).status_code == 409


# --- the registrations API ------------------------------------------------------------------------

def test_the_api_lists_registrations_in_order_with_paging_and_filters(app, client, scene, api_token):
    event = scene["event"]
    headers = api_token(scene["people"]["host_staff"])
    body = client.get(f"/api/v1/events/{event.id}/registrations", headers=headers).get_json()
    assert body["total"] == 4 and body["page"] == 1 and body["per_page"] == 20
    assert [item["display_name"] for item in body["items"]] == ["Aynur", "Bakhtiyor", "Chen", "Dilnoza"]
    first = body["items"][0]
    assert first["status"] == "registered" and first["waitlist_position"] is None and first["attended"] is None
    assert first["email"] == scene["attendees"][0].email
    assert first["organisation"]["name_zh"] == "和田玉石公司"
    assert first["created_at"] == "2026-12-01T00:00:00Z"
    assert [item["waitlist_position"] for item in body["items"][2:]] == [1, 2]
    page2 = client.get(f"/api/v1/events/{event.id}/registrations?per_page=1&page=2", headers=headers).get_json()
    assert [item["display_name"] for item in page2["items"]] == ["Bakhtiyor"] and page2["total"] == 4
    waiting = client.get(f"/api/v1/events/{event.id}/registrations?status=waitlisted", headers=headers).get_json()
    assert [item["display_name"] for item in waiting["items"]] == ["Chen", "Dilnoza"]
    cancelled = client.get(f"/api/v1/events/{event.id}/registrations?status=cancelled", headers=headers).get_json()
    assert [item["display_name"] for item in cancelled["items"]] == ["Erkin"]
    assert cancelled["items"][0]["cancelled_at"] == "2026-12-01T00:00:00Z"
    for query in ("format=pdf", "status=maybe", "per_page=1000", "page=0", "format=%00"):
        response = client.get(f"/api/v1/events/{event.id}/registrations?{query}", headers=headers)
        assert response.status_code == 400, query
    assert client.get("/api/v1/events/99999999999999999999/registrations", headers=headers).status_code == 404


# --- messages to all registrants -------------------------------------------------------------------

BODY = 'Bring R&D plans and "business cards" <3\nThe bus leaves at 8:00 — 5 > 4.'


def message(client, event, lang="en", **fields):
    data = {"subject": "Bus & badges", "body": BODY, **fields}
    return client.post(f"/{lang}/events/{event.id}/message", data=data)


def event_messages(user) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                              Notification.kind == "event_message")))


def mails(outbox, user) -> list:
    return [m for m in outbox() if m.recipient == user.email and m.template == "event_message"]


def test_a_message_reaches_each_registered_person_once_in_app_and_by_mail(app, client, scene, become, outbox):
    event, (aynur, bakhtiyor, chen, dilnoza) = scene["event"], scene["attendees"]
    become(scene, "creator")
    response = message(client, event)
    assert response.status_code == 302 and response.headers["Location"].endswith("#messages")
    assert "Your message is sent to 2 people." in text_of(client.get(response.headers["Location"]))
    for person in (aynur, bakhtiyor):
        [note] = event_messages(person)
        assert note.params["subject"] == "Bus & badges" and note.params["body"] == BODY
        [mail] = mails(outbox, person)
        assert mail.ics is None
    for person in (chen, dilnoza, scene["gone"], scene["people"]["creator"]):
        assert event_messages(person) == [] and mails(outbox, person) == []
    # In each reader's language: the Chinese reader gets the Chinese title and greeting.
    [zh_mail] = mails(outbox, aynur)
    assert zh_mail.locale == "zh" and zh_mail.subject.startswith("新疆—大连科技成果对接会")
    assert zh_mail.subject.endswith("Bus & badges")
    assert translated("zh_Hans", "Hello %(name)s,", name="Aynur") in zh_mail.body_text
    assert "11:00 北京时间" in zh_mail.body_text
    [en_mail] = mails(outbox, bakhtiyor)
    assert en_mail.locale == "en" and en_mail.subject == "Xinjiang–Dalian technology matching day: Bus & badges"
    assert "08:00 Tashkent time" in en_mail.body_text
    # Kept for the record: who sent what to how many.
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "event.message")).all()
    assert (entry.actor_id, entry.target_type, entry.target_id) == (scene["people"]["creator"].id, "event", event.id)
    assert entry.details == {"subject": "Bus & badges", "body": BODY, "include_waitlist": False, "recipients": 2}


def test_the_waiting_list_gets_the_message_when_asked(app, client, scene, become, outbox):
    event = scene["event"]
    become(scene, "admin")
    assert message(client, event, include_waitlist="y").status_code == 302
    for person in scene["attendees"]:
        assert len(event_messages(person)) == 1 and len(mails(outbox, person)) == 1
    assert event_messages(scene["gone"]) == []


def test_the_message_is_plain_text_escaped_everywhere(app, client, login, scene, become, outbox):
    event, aynur = scene["event"], scene["attendees"][0]
    become(scene, "creator")
    message(client, event)
    [mail] = mails(outbox, aynur)
    # The text part as written, the lines kept; the HTML part escaped.
    assert BODY in mail.body_text
    assert "R&amp;D" in mail.body_html and "&lt;3" in mail.body_html and "5 &gt; 4" in mail.body_html
    assert "<3" not in mail.body_html and '"business cards"' not in mail.body_html
    assert "Bus &amp; badges" in mail.body_html
    # In-app, in the notification centre.
    login(aynur, lang="zh")
    page = client.get("/zh/notifications").get_data(as_text=True)
    assert "R&amp;D" in page and "&lt;3" in page and "<3" not in page
    # The organisers' list of messages sent.
    become(scene, "creator")
    page = client.get(f"/en/events/{event.id}/attendees").get_data(as_text=True)
    assert "Bus &amp; badges" in page.split('id="sent-messages"', 1)[1]


def test_markup_in_a_message_is_refused_with_a_field_error_and_nothing_is_sent(app, client, scene, become):
    event = scene["event"]
    become(scene, "creator")
    before = counts_of_what_a_refusal_must_not_change()
    for lang in ("en", "zh"):
        response = message(client, event, lang=lang, body="<script>alert(1)</script>")
        assert response.status_code == 200
        error = html.unescape(field_error(response.get_data(as_text=True), "body") or "")
        assert error == translated("zh_Hans" if lang == "zh" else "en", "Please write plain text without HTML tags.")
        assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    assert counts_of_what_a_refusal_must_not_change() == before


@pytest.mark.parametrize("fields, field, english", [
    ({"subject": ""}, "subject", "Give the message a subject."),
    ({"body": "   "}, "body", "Write the message."),
    ({"subject": "x" * 151}, "subject", None),
    ({"body": "x" * 5001}, "body", None),
    ({"subject": "Bus\x00"}, "subject", "This text contains characters that are not allowed."),
])
def test_a_bad_message_gets_a_field_error_in_each_language_and_sends_nothing(app, client, scene, become, fields, field,
                                                                            english):
    event = scene["event"]
    become(scene, "creator")
    before = counts_of_what_a_refusal_must_not_change()
    for lang, locale in (("en", "en"), ("zh", "zh_Hans")):
        response = message(client, event, lang=lang, **fields)
        assert response.status_code == 200
        error = field_error(response.get_data(as_text=True), field)
        assert error, (lang, field)
        if english:
            assert html.unescape(error) == translated(locale, english)
    assert counts_of_what_a_refusal_must_not_change() == before


def test_a_double_submit_sends_the_message_once(app, client, scene, become, outbox, frozen):
    event, aynur = scene["event"], scene["attendees"][0]
    become(scene, "creator")
    assert message(client, event).status_code == 302
    again = message(client, event)
    assert again.status_code == 200
    assert "This message was sent a moment ago; it is not sent twice." in text_of(again)
    assert len(event_messages(aynur)) == 1 and len(mails(outbox, aynur)) == 1
    assert message(client, event, subject="Bus & badges (2)").status_code == 302  # another message goes
    assert len(event_messages(aynur)) == 2
    frozen.move_to(datetime(2026, 12, 1, 0, 11, tzinfo=timezone.utc))  # the same words later: sent on purpose
    become(scene, "creator")
    assert message(client, event).status_code == 302
    assert len(event_messages(aynur)) == 3


def test_the_service_tells_each_person_once_per_message(app, scene):
    event, creator = scene["event"], scene["people"]["creator"]
    assert organisers.send_message(event, creator, "Hello", "Once.", include_waitlist=True) == 4
    for person in scene["attendees"]:
        assert len(event_messages(person)) == 1
    with pytest.raises(Exception) as refused_again:
        organisers.send_message(event, creator, "Hello", "Once.", include_waitlist=True)
    assert getattr(refused_again.value, "status", None) == 409


def test_nobody_to_write_to_and_drafts_are_refused(app, client, scene, become, make_event):
    empty = make_event(scene["people"]["creator"])
    draft = make_event(scene["people"]["creator"], status="draft")
    become(scene, "creator")
    before = counts_of_what_a_refusal_must_not_change()
    response = message(client, empty)
    assert response.status_code == 200
    assert "Nobody is registered yet: there is nobody to write to." in text_of(response)
    page = text_of(client.get(f"/en/events/{draft.id}/attendees"))
    assert "Publish the event before writing to its registrants." in page and 'name="subject"' not in page
    assert message(client, draft).status_code == 200
    assert counts_of_what_a_refusal_must_not_change() == before


# --- the organisers' panel on the event page ------------------------------------------------------

@pytest.mark.parametrize("role", WEB_ROLES)
def test_the_event_page_shows_organisers_their_panel(app, client, scene, become, role):
    event = scene["event"]
    become(scene, role)
    page = text_of(client.get(f"/en/events/{event.id}"))
    if role not in ALLOWED:
        assert 'id="organiser-panel"' not in page
        assert f"/events/{event.id}/attendees" not in page
        return
    panel = page.split('id="organiser-panel"', 1)[1].split("</section>", 1)[0]
    for path in ("/attendees", "/attendees.csv", "/attendees.xlsx", "/attendees#messages"):
        assert f'href="/en/events/{event.id}{path}"' in panel
    assert "2 registered of 2 places" in panel and "2 on the waiting list" in panel and "0 attended" in panel


def test_the_panel_counts_attendance_and_messages(app, client, scene, become, frozen):
    event, creator = scene["event"], scene["people"]["creator"]
    frozen.move_to(DURING)
    organisers.mark_attendance(event, registration(event, scene["attendees"][0]).id, True, creator)
    organisers.send_message(event, creator, "Welcome", "Doors open.")
    db.session.commit()
    become(scene, "creator")
    panel = text_of(client.get(f"/en/events/{event.id}")).split('id="organiser-panel"', 1)[1].split("</section>")[0]
    assert "1 attended" in panel and "1 message sent so far." in panel and "mark attendance" in panel
