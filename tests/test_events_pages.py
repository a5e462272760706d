"""Event pages: who creates, edits, publishes, cancels and holds an event; what the
listing and the page show to whom; bad input gets translated field errors and saves
nothing."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from collab.content.models import StatusChange
from collab.db import utcnow
from collab.events.models import Event
from collab.extensions import db

from conftest import count_rows


def form_data(org_id, **fields) -> dict:
    """What the event form posts: wall-clock times in the event's zone."""
    start = (utcnow() + timedelta(days=10)).date()
    data = {
        "type": "matchmaking", "title_zh": "新疆—大连科技成果对接会", "title_en": "Xinjiang–Dalian matching day",
        "description_zh": "一对一洽谈。", "description_en": "One-to-one talks.", "organisation_id": str(org_id),
        "timezone": "Asia/Urumqi", "starts_at": f"{start}T09:00", "ends_at": f"{start}T17:00",
        "registration_deadline": "", "place_zh": "乌鲁木齐", "place_en": "Ürümqi", "online_url": "",
        "capacity": "40", "meeting_minutes": "20", "tables": "8",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def test_host_staff_create_a_draft_read_in_the_event_zone_then_publish(client, organiser, login):
    staff = organiser()
    login(staff)
    response = client.post("/en/events/new", data=form_data(staff.organisation_id))
    assert response.status_code == 302
    event = db.session.scalar(select(Event))
    assert event.status == "draft" and event.organisation_id == staff.organisation_id
    # 09:00 Xinjiang time (UTC+6) is 03:00 UTC.
    assert event.starts_at.hour == 3 and event.ends_at.hour == 11
    assert event.registration_deadline == event.starts_at  # closes at the start unless set
    page = client.get(f"/en/events/{event.id}").get_data(as_text=True)
    assert "only the organisers see it" in page
    response = client.post(f"/en/events/{event.id}/transition", data={"to": "publish"})
    assert response.status_code == 302
    db.session.expire_all()
    assert event.status == "published" and event.published_at is not None
    steps = list(db.session.scalars(select(StatusChange.to_status).where(
        StatusChange.item_type == "event", StatusChange.item_id == event.id).order_by(StatusChange.id)))
    assert steps == ["draft", "published"]


def test_save_and_publish_in_one_step(client, organiser, login):
    staff = organiser()
    login(staff)
    client.post("/zh/events/new", data=form_data(staff.organisation_id, submit_for_review="1"))
    assert db.session.scalar(select(Event.status)) == "published"


@pytest.mark.parametrize("field, value, message", [
    ("ends_at", "{day}T08:00", "The end must come after the start."),
    ("capacity", "0", "Give between 1 and 100,000 places."),
    ("capacity", "99999999999999999999999", "Give between 1 and 100,000 places."),
    ("registration_deadline", "{day}T10:00", "Registration must close before the event starts."),
    ("timezone", "Mars/Olympus", "Choose a valid time zone, such as Asia/Urumqi."),
    ("starts_at", "not a date", "Give a date and time, such as 2026-12-01 10:00."),
    ("starts_at", "\x00", "Give"),
    ("online_url", "javascript:alert(1)", "Enter a full web address"),
])
def test_bad_input_gets_a_field_error_and_saves_nothing(client, organiser, login, field, value, message):
    staff = organiser()
    login(staff)
    day = (utcnow() + timedelta(days=10)).date()
    response = client.post("/en/events/new", data=form_data(staff.organisation_id, **{field: value.format(day=day)}))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count_rows(Event) == 0


def test_bad_input_is_explained_in_chinese(client, organiser, login):
    staff = organiser()
    login(staff, lang="zh")
    day = (utcnow() + timedelta(days=10)).date()
    page = client.post("/zh/events/new", data=form_data(staff.organisation_id, ends_at=f"{day}T08:00")).get_data(as_text=True)
    assert "结束时间必须晚于开始时间" in page
    assert count_rows(Event) == 0


def test_a_featured_need_must_be_public(client, organiser, login, create_user, make_need, make_project):
    staff = organiser()
    owner = create_user(role="enterprise")
    hidden = make_need(owner, "open", visibility="members")
    draft = make_project(create_user(role="center"), "draft")
    login(staff)
    page = client.post("/en/events/new", data={**form_data(staff.organisation_id),
                                                "featured_need_ids": [str(hidden.id)],
                                                "featured_project_ids": [str(draft.id)]}).get_data(as_text=True)
    assert "Only open public needs can be featured" in page
    assert "Only published projects can be featured" in page
    assert count_rows(Event) == 0


def test_featured_items_are_saved_and_shown(client, organiser, login, create_user, make_need, make_project):
    staff = organiser()
    need = make_need(create_user(role="enterprise"), "open")
    project = make_project(create_user(role="center"), "published")
    login(staff)
    client.post("/en/events/new", data={**form_data(staff.organisation_id), "featured_need_ids": [str(need.id)],
                                        "featured_project_ids": [str(project.id)], "submit_for_review": "1"})
    event = db.session.scalar(select(Event))
    assert event.featured_need_ids == [need.id] and event.featured_project_ids == [project.id]
    page = client.get(f"/en/events/{event.id}").get_data(as_text=True)
    assert "Featured at this event" in page and need.title_en in page and project.title_en in page


def test_staff_cannot_host_at_another_organisation(client, organiser, login, create_org):
    staff = organiser()
    elsewhere = create_org(kind="xinjiang_base")
    login(staff)
    response = client.post("/en/events/new", data=form_data(elsewhere.id))
    assert response.status_code == 200 and "Choose the host organisation." in response.get_data(as_text=True)
    assert count_rows(Event) == 0


def test_admins_host_at_any_host_organisation(client, make_admin, login, create_org):
    admin = make_admin()
    base = create_org(kind="xinjiang_base")
    login(admin)
    assert client.post("/en/events/new", data=form_data(base.id)).status_code == 302
    assert db.session.scalar(select(Event.organisation_id)) == base.id


@pytest.mark.parametrize("who, expected", [
    ("visitor", 302), ("enterprise", 403), ("pending_staff", 403), ("center_at_enterprise", 403),
    ("host_staff", 200), ("admin", 200),
])
def test_who_may_open_the_new_event_form(client, create_user, create_org, organiser, make_admin, login, who, expected):
    users = {
        "enterprise": lambda: create_user(role="enterprise"),
        "pending_staff": lambda: create_user(role="center", org=create_org(kind="xinjiang_base"), approved=False),
        "center_at_enterprise": lambda: create_user(role="center", org=create_org(kind="enterprise")),
        "host_staff": organiser, "admin": make_admin,
    }
    if who != "visitor":
        login(users[who]())
    assert client.get("/en/events/new").status_code == expected
    if expected != 200:
        response = client.post("/en/events/new", data=form_data(1))
        assert response.status_code == expected
        assert count_rows(Event) == 0


@pytest.mark.parametrize("who, can_edit", [
    ("creator", True), ("colleague", True), ("admin", True), ("other_staff", False), ("registrant", False),
])
def test_only_organisers_edit_an_event(client, organiser, create_user, make_admin, make_event, login, who, can_edit):
    staff = organiser()
    event = make_event(staff, "published")
    users = {"creator": lambda: staff, "colleague": lambda: create_user(role="center", org=staff.organisation),
             "admin": make_admin, "other_staff": organiser, "registrant": lambda: create_user(role="enterprise")}
    login(users[who]())
    before = event.title_en
    response = client.post(f"/en/events/{event.id}/edit", data=form_data(staff.organisation_id, title_en="Renamed"))
    db.session.expire_all()
    if can_edit:
        assert response.status_code == 302 and event.title_en == "Renamed"
        assert event.status == "published"  # no review: an organiser's edit stays public
    else:
        assert response.status_code == 403 and event.title_en == before
    response = client.post(f"/en/events/{event.id}/transition", data={"to": "cancel"})
    db.session.expire_all()
    assert event.status == ("cancelled" if can_edit else "published")


def test_drafts_are_hidden_from_everyone_but_organisers(client, organiser, create_user, make_event, login, make_admin):
    staff = organiser()
    draft = make_event(staff, "draft")
    assert client.get(f"/en/events/{draft.id}").status_code == 404
    assert client.get(f"/en/events/{draft.id}.ics").status_code == 404
    login(organiser())
    assert client.get(f"/en/events/{draft.id}").status_code == 404
    assert draft.title_en not in client.get("/en/events/").get_data(as_text=True)
    login(create_user(role="center", org=staff.organisation))
    assert client.get(f"/en/events/{draft.id}").status_code == 200


def test_held_only_once_begun_and_publish_only_before(client, organiser, make_event, login):
    staff = organiser()
    upcoming = make_event(staff, "published")
    start = utcnow() - timedelta(hours=3)
    begun = make_event(staff, "draft", starts_at=start, ends_at=start + timedelta(hours=2), registration_deadline=start)
    login(staff)
    client.post(f"/en/events/{upcoming.id}/transition", data={"to": "held"})
    client.post(f"/en/events/{begun.id}/transition", data={"to": "publish"})
    db.session.expire_all()
    assert upcoming.status == "published" and begun.status == "draft"
    page = client.get(f"/en/events/{upcoming.id}").get_data(as_text=True)
    assert "An event can be marked as held once it has begun." in page


def test_a_cancelled_event_can_no_longer_be_edited(client, organiser, make_event, login):
    staff = organiser()
    event = make_event(staff, "cancelled")
    login(staff)
    client.post(f"/en/events/{event.id}/edit", data=form_data(staff.organisation_id, title_en="Again"))
    db.session.expire_all()
    assert event.title_en != "Again"


def test_listing_filters_by_type_host_and_time(client, organiser, make_event):
    base, center = organiser(), organiser(kind="offshore_incubator")
    start = utcnow() - timedelta(days=30)
    make_event(base, "published", type="matchmaking", title_en="Dalian matching day")
    make_event(center, "published", type="roadshow", title_en="Shanghai roadshow")
    make_event(base, "held", type="training", title_en="Past training", starts_at=start,
               ends_at=start + timedelta(hours=3), registration_deadline=start)
    make_event(base, "draft", title_en="Secret draft")

    def titles(query):
        page = client.get(f"/en/events/{query}").get_data(as_text=True)
        return {t for t in ("Dalian matching day", "Shanghai roadshow", "Past training", "Secret draft") if t in page}

    assert titles("") == {"Dalian matching day", "Shanghai roadshow", "Past training"}
    assert titles("?type=roadshow") == {"Shanghai roadshow"}
    assert titles(f"?organisation={base.organisation.key}") == {"Dalian matching day", "Past training"}
    assert titles("?when=upcoming") == {"Dalian matching day", "Shanghai roadshow"}
    assert titles("?when=past") == {"Past training"}
    assert titles("?q=roadshow") == {"Shanghai roadshow"}
    assert titles("?type=%00&when=x&status=bogus&page=99999999999999999999") <= {
        "Dalian matching day", "Shanghai roadshow", "Past training"}
    assert client.get("/zh/events/").status_code == 200


def test_the_page_shows_times_in_the_viewers_zone_and_the_events_beside(client, organiser, make_event, create_user,
                                                                        login):
    staff = organiser()
    event = make_event(staff, "published")  # 09:00–17:00 Xinjiang time
    login(create_user(role="enterprise", timezone="Asia/Shanghai"))
    page = client.get(f"/en/events/{event.id}").get_data(as_text=True)
    assert "11:00–19:00 Beijing time" in page and "09:00–17:00 Xinjiang time" in page


def test_registering_and_cancelling_from_the_page(client, organiser, make_event, create_user, login):
    staff = organiser()
    event = make_event(staff, "published", capacity=1)
    first, second = create_user(role="enterprise"), create_user(role="center")
    login(first)
    client.post(f"/en/events/{event.id}/register")
    login(second)
    client.post(f"/en/events/{event.id}/register")
    page = client.get(f"/en/events/{event.id}").get_data(as_text=True)
    assert "number 1 on the waiting list" in page
    # A second click changes nothing.
    client.post(f"/en/events/{event.id}/register")
    from collab.events.models import Registration

    assert count_rows(Registration) == 2
    login(first)
    client.post(f"/en/events/{event.id}/unregister")
    db.session.expire_all()
    statuses = dict(db.session.execute(select(Registration.user_id, Registration.status)).all())
    assert statuses == {first.id: "cancelled", second.id: "registered"}


def test_a_visitor_is_asked_to_sign_in_and_nothing_is_saved(client, organiser, make_event):
    from collab.events.models import Registration

    event = make_event(organiser(), "published")
    response = client.post(f"/en/events/{event.id}/register")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "Sign in to register" in client.get(f"/en/events/{event.id}").get_data(as_text=True)
    assert count_rows(Registration) == 0


def test_registration_closes_at_the_deadline(client, organiser, make_event, create_user, login):
    from collab.events.models import Registration

    event = make_event(organiser(), "published", registration_deadline=utcnow() - timedelta(minutes=1))
    login(create_user(role="enterprise"))
    client.post(f"/en/events/{event.id}/register")
    assert count_rows(Registration) == 0
    assert "Registration is closed." in client.get(f"/en/events/{event.id}").get_data(as_text=True)


def test_the_calendar_file_names_the_events_zone(client, organiser, make_event):
    event = make_event(organiser(), "published")
    response = client.get(f"/en/events/{event.id}.ics")
    body = response.get_data(as_text=True)
    assert response.mimetype == "text/calendar"
    assert "TZID=Asia/Urumqi" in body and "BEGIN:VTIMEZONE" in body and event.title_en in body


def test_the_nav_links_to_events(client):
    assert 'href="/zh/events/"' in client.get("/zh/").get_data(as_text=True)
