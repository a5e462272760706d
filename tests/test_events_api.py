"""The events' JSON API (docs/API.md, section Events): who may create, read, edit,
publish, cancel and delete an event; registering and cancelling with the waiting list;
the listing's filters; the calendar file. Bad input is a 400 naming the field in the
caller's language and saves nothing; every response conforms to the OpenAPI document."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import jsonschema
import pytest
from flask_babel import force_locale, gettext
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import func, select

from collab.auth.tokens import issue_token
from collab.content.models import StatusChange
from collab.db import utcnow
from collab.events.models import Event, Registration
from collab.extensions import db
from collab.notifications.models import Notification

from conftest import count_rows

XINJIANG = timezone(timedelta(hours=6))


# --- helpers -------------------------------------------------------------------------

@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").get_json()


@pytest.fixture
def conforms(document):
    """conforms(body, "Schema") or conforms(body, {inline schema}) against the served document."""
    registry = Registry().with_resource(
        "urn:collab-api", Resource.from_contents(document, default_specification=DRAFT202012))

    def rebase(node):
        if isinstance(node, dict):
            return {k: (f"urn:collab-api{v}" if k == "$ref" and v.startswith("#") else rebase(v))
                    for k, v in node.items()}
        return [rebase(v) for v in node] if isinstance(node, list) else node

    def check(body, schema):
        schema = {"$ref": f"urn:collab-api#/components/schemas/{schema}"} if isinstance(schema, str) else rebase(schema)
        jsonschema.Draft202012Validator(schema, registry=registry,
                                        format_checker=jsonschema.FormatChecker()).validate(body)

    return check


def documented(document, path: str, method: str, status: int) -> dict:
    return document["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"]


class Api:
    """Calls the API as a user (by bearer token) or anonymously (user=None)."""

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

    def get(self, path, user=None, **kwargs):
        return self.call("GET", path, user, **kwargs)

    def post(self, path, user=None, **kwargs):
        return self.call("POST", path, user, **kwargs)

    def patch(self, path, user=None, **kwargs):
        return self.call("PATCH", path, user, **kwargs)

    def delete(self, path, user=None, **kwargs):
        return self.call("DELETE", path, user, **kwargs)


@pytest.fixture
def api(client):
    return Api(client)


def ok(response, status=200) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    assert response.mimetype == "application/json"
    return response.get_json()


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) <= {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def in_chinese(message: str) -> str:
    with force_locale("zh_Hans"):
        return gettext(message)


def day_ahead(days: int = 10):
    return (utcnow() + timedelta(days=days)).date()


def at(day, clock: str) -> str:
    """A wall-clock time of Xinjiang (UTC+6) on ``day``, as the API takes it."""
    return f"{day.isoformat()}T{clock}:00+06:00"


def event_body(org_id=None, **fields) -> dict:
    """Valid JSON for POST /events: 09:00–17:00 Xinjiang time ten days ahead."""
    day = day_ahead()
    body = {
        "type": "matchmaking", "title_zh": "新疆—大连科技成果对接会", "title_en": "Xinjiang–Dalian matching day",
        "description_zh": "一对一洽谈。", "description_en": "One-to-one talks.",
        "starts_at": at(day, "09:00"), "ends_at": at(day, "17:00"), "timezone": "Asia/Urumqi",
        "place_zh": "乌鲁木齐", "place_en": "Ürümqi", "online_url": None, "capacity": 40,
        "registration_deadline": None, "featured_project_ids": [], "featured_need_ids": [],
        "meeting_minutes": 20, "tables": 8,
    }
    if org_id is not None:
        body["organisation_id"] = org_id
    body.update(fields)
    return body


def columns(item) -> dict:
    db.session.expire_all()
    fresh = db.session.get(type(item), item.id)
    return None if fresh is None else {c.key: getattr(fresh, c.key) for c in type(fresh).__table__.columns}


def rows() -> tuple:
    """What a refused request must leave as it was."""
    return count_rows(Event), count_rows(StatusChange), count_rows(Registration), count_rows(Notification)


@pytest.fixture
def people(organiser, create_user, create_org, make_admin):
    """The roles around one host organisation: its creator staff and a colleague, another
    host's staff, a plain user, a pending colleague, an admin (anonymous is None)."""
    host = organiser(display_name="Kashgar base staff")
    return {
        "admin": make_admin(),
        "host": host,
        "colleague": create_user(role="center", org=host.organisation),
        "other_staff": organiser(kind="offshore_incubator"),
        "user": create_user(role="enterprise"),
        "pending": create_user(role="center", org=host.organisation, approved=False),
        "anonymous": None,
    }


# --- creating --------------------------------------------------------------------------

def test_host_staff_create_a_draft_and_read_it_back_in_utc(api, people, document, conforms):
    host = people["host"]
    body = ok(api.post("/events", host, json=event_body(host.organisation_id)), 201)
    conforms(body, documented(document, "/events", "post", 201))
    assert body["status"] == "draft" and body["organisation_id"] == host.organisation_id
    day = day_ahead()
    # 09:00 Xinjiang time is 03:00 UTC; registration closes at the start unless set.
    assert body["starts_at"] == f"{day}T03:00:00Z" and body["ends_at"] == f"{day}T11:00:00Z"
    assert body["registration_deadline"] == body["starts_at"]
    assert body["timezone"] == "Asia/Urumqi" and body["capacity"] == 40 and body["tables"] == 8
    event = db.session.get(Event, body["id"])
    assert event.owner_id == host.id
    assert event.starts_at == datetime(day.year, day.month, day.day, 3, tzinfo=timezone.utc)
    detail = ok(api.get(f"/events/{body['id']}", host))
    conforms(detail, documented(document, "/events/{id}", "get", 200))
    assert [change["to"] for change in detail["history"]] == ["draft"]
    assert detail["registrations"] == {"capacity": 40, "registered": 0, "waitlisted": 0, "places_left": 40,
                                       "attended": 0}
    assert detail["my_registration"] is None and detail["ics_url"] == f"/api/v1/events/{body['id']}.ics"


def test_the_host_defaults_to_the_callers_organisation(api, people):
    host = people["host"]
    body = ok(api.post("/events", host, json=event_body()), 201)
    assert body["organisation_id"] == host.organisation_id


def test_featured_items_and_utc_offsets_are_taken(api, people, create_user, make_project, make_need):
    host = people["host"]
    project = make_project(create_user(role="center"), "published")
    need = make_need(create_user(role="enterprise"), "open")
    day = day_ahead()
    body = ok(api.post("/events", host, json=event_body(
        host.organisation_id, featured_project_ids=[project.id], featured_need_ids=[need.id],
        starts_at=f"{day}T03:00:00Z", ends_at=f"{day}T13:00:00+08:00",
        registration_deadline=f"{day - timedelta(days=1)}T18:00:00+08:00")), 201)
    assert body["featured_project_ids"] == [project.id] and body["featured_need_ids"] == [need.id]
    assert body["starts_at"] == f"{day}T03:00:00Z" and body["ends_at"] == f"{day}T05:00:00Z"
    assert body["registration_deadline"] == f"{day - timedelta(days=1)}T10:00:00Z"


def test_admins_host_at_any_host_organisation(api, people, create_org):
    base = create_org(kind="xinjiang_base")
    body = ok(api.post("/events", people["admin"], json=event_body(base.id)), 201)
    assert body["organisation_id"] == base.id


@pytest.mark.parametrize("who, status, code", [
    ("anonymous", 401, "unauthorized"), ("user", 403, "forbidden"), ("pending", 403, "forbidden"),
    ("center_at_enterprise", 403, "forbidden"),
])
def test_who_may_not_create(api, people, create_user, create_org, who, status, code):
    user = (create_user(role="center", org=create_org(kind="enterprise")) if who == "center_at_enterprise"
            else people[who])
    before = rows()
    error(api.post("/events", user, json=event_body(people["host"].organisation_id)), status, code)
    assert rows() == before


def test_staff_cannot_host_at_another_organisation(api, people):
    before = rows()
    fields = error(api.post("/events", people["other_staff"], json=event_body(people["host"].organisation_id)),
                   400, "validation_error")["fields"]
    assert fields == {"organisation_id": ["Choose the host organisation."]}
    assert rows() == before


def _bad_field_cases():
    day = day_ahead()
    return [
        ("ends_at", {"ends_at": at(day, "08:00")}, "The end must come after the start."),
        ("capacity", {"capacity": 0}, "Give between 1 and 100,000 places."),
        ("capacity", {"capacity": 10 ** 30}, "Give between 1 and 100,000 places."),
        ("registration_deadline", {"registration_deadline": at(day, "10:00")},
         "Registration must close before the event starts."),
        ("timezone", {"timezone": "Mars/Olympus"}, "Choose a valid time zone, such as Asia/Urumqi."),
        ("online_url", {"online_url": "javascript:alert(1)"},
         "Enter a full web address starting with http:// or https://."),
        ("meeting_minutes", {"meeting_minutes": 1}, "A meeting lasts between 5 and 240 minutes."),
        ("type", {"type": "party"}, None),
        ("title_zh", {"title_zh": None, "title_en": None}, "Give the title in Chinese or English (or both)."),
    ]


@pytest.mark.parametrize("field, change, message", _bad_field_cases())
def test_bad_input_names_the_field_in_the_callers_language_and_saves_nothing(api, people, field, change, message):
    host = people["host"]
    before = rows()
    english = error(api.post("/events", host, json=event_body(host.organisation_id, **change)),
                    400, "validation_error")
    assert field in english["fields"]
    if message is not None:
        assert message in english["fields"][field]
    chinese = error(api.post("/events", host, lang="zh", json=event_body(host.organisation_id, **change)),
                    400, "validation_error")
    if message is not None:
        assert in_chinese(message) in chinese["fields"][field]
    else:  # WTForms' own message, from its catalogue
        assert chinese["fields"][field] != english["fields"][field]
    assert chinese["message"] != english["message"]
    assert rows() == before


def test_a_featured_need_must_be_public_and_a_featured_project_published(api, people, create_user, make_need,
                                                                         make_project):
    host = people["host"]
    hidden = make_need(create_user(role="enterprise"), "open", visibility="members")
    draft = make_project(create_user(role="center"), "draft")
    before = rows()
    fields = error(api.post("/events", host, json=event_body(
        host.organisation_id, featured_need_ids=[hidden.id], featured_project_ids=[draft.id, 2 ** 31 - 1])),
        400, "validation_error")["fields"]
    assert fields["featured_need_ids"] == [f"Only open public needs can be featured: {hidden.id}."]
    assert fields["featured_project_ids"] == [f"Only published projects can be featured: {draft.id}, {2 ** 31 - 1}."]
    assert rows() == before


@pytest.mark.parametrize("field, value, message", [
    ("capacity", "30", "A whole number is expected here."),
    ("capacity", True, "A whole number is expected here."),
    ("capacity", 30.5, "A whole number is expected here."),
    ("organisation_id", "1", "A whole number is expected here."),
    ("featured_project_ids", ["1"], "A list of whole numbers is expected here."),
    ("featured_need_ids", 3, "A list of whole numbers is expected here."),
    ("featured_need_ids", [10 ** 30], "A list of whole numbers is expected here."),
    ("featured_need_ids", [2 ** 31], "A list of whole numbers is expected here."),
    ("starts_at", "2026-12-01T10:00", "Give an ISO 8601 time with its offset, such as 2026-12-01T10:00:00+06:00."),
    ("starts_at", "tomorrow", "Give an ISO 8601 time with its offset, such as 2026-12-01T10:00:00+06:00."),
    ("ends_at", 1767225600, "Give an ISO 8601 time with its offset, such as 2026-12-01T10:00:00+06:00."),
    ("registration_deadline", "9999-12-31T23:00:00-05:00",
     "Give an ISO 8601 time with its offset, such as 2026-12-01T10:00:00+06:00."),
    ("title_en", ["a"], "Text is expected here."),
    ("timezone", 6, "Text is expected here."),
])
def test_wrong_json_types_are_named_and_save_nothing(api, people, field, value, message):
    host = people["host"]
    before = rows()
    fields = error(api.post("/events", host, json=event_body(host.organisation_id, **{field: value})),
                   400, "validation_error")["fields"]
    assert fields == {field: [message]}
    assert rows() == before


def test_odd_bodies_are_bad_requests(api, people):
    host = people["host"]
    before = rows()
    error(api.post("/events", host, data="[1, 2]", content_type="application/json"), 400, "bad_request")
    error(api.post("/events", host, data="not json", content_type="application/json"), 400, "bad_request")
    error(api.post("/events", host, json=event_body(host.organisation_id, title_en="A\x00B")), 400, "validation_error")
    assert rows() == before


# --- reading --------------------------------------------------------------------------------

@pytest.mark.parametrize("who, draft_status", [
    ("admin", 200), ("host", 200), ("colleague", 200), ("other_staff", 404), ("user", 404), ("pending", 404),
    ("anonymous", 404),
])
def test_drafts_are_read_by_organisers_only_published_events_by_all(api, people, make_event, who, draft_status):
    draft = make_event(people["host"], "draft")
    published = make_event(people["host"], "published")
    user = people[who]
    assert api.get(f"/events/{draft.id}", user).status_code == draft_status
    assert api.get(f"/events/{draft.id}.ics", user).status_code == draft_status
    assert ok(api.get(f"/events/{published.id}", user))["id"] == published.id
    listed = [item["id"] for item in ok(api.get("/events", user))["items"]]
    assert listed == [published.id]


def test_unknown_and_huge_ids_are_404(api, people):
    error(api.get("/events/999999"), 404, "not_found")
    error(api.get(f"/events/{10 ** 30}"), 404, "not_found")
    error(api.get(f"/events/{2 ** 31}.ics"), 404, "not_found")
    error(api.patch(f"/events/{2 ** 31}", people["admin"], json={}), 404, "not_found")
    error(api.post("/events/999999/registrations", people["user"]), 404, "not_found")


def test_the_detail_shows_the_callers_registration(api, people, make_event, document, conforms):
    event = make_event(people["host"], "published", capacity=1)
    first, second = people["user"], people["colleague"]
    ok(api.post(f"/events/{event.id}/registrations", first), 201)
    ok(api.post(f"/events/{event.id}/registrations", second), 201)
    detail = ok(api.get(f"/events/{event.id}", second))
    conforms(detail, "EventDetail")
    assert detail["my_registration"]["status"] == "waitlisted" and detail["my_registration"]["waitlist_position"] == 1
    assert detail["registrations"]["registered"] == 1 and detail["registrations"]["waitlisted"] == 1
    assert ok(api.get(f"/events/{event.id}"))["my_registration"] is None


# --- the listing -------------------------------------------------------------------------------

@pytest.fixture
def programme(organiser, make_event):
    """Events of two hosts: types, statuses, and dates from last month to next month."""
    base, center = organiser(), organiser(kind="offshore_incubator")
    now = utcnow().replace(minute=0, second=0, microsecond=0)

    def on(days, hours=8, **fields):
        start = now + timedelta(days=days)
        return {"starts_at": start, "ends_at": start + timedelta(hours=hours),
                "registration_deadline": start, **fields}

    events = {
        "matching": make_event(base, "published", **on(7, type="matchmaking", title_en="Dalian matching day")),
        "roadshow": make_event(center, "published", **on(20, type="roadshow", title_en="Shanghai roadshow")),
        "training": make_event(base, "draft", **on(-30, hours=3, type="training", title_en="Past training")),
        "cancelled": make_event(center, "published", **on(3, type="talent", title_en="Talent day")),
        "draft": make_event(base, "draft", **on(10, title_en="Secret draft")),
    }
    from collab.content import services as content

    content.record_change(events["training"], "published", base)
    content.record_change(events["training"], "held", base)
    content.record_change(events["cancelled"], "cancelled", center)
    db.session.commit()
    return {"base": base, "center": center, "now": now, **events}


def _listed(api, query, programme, user=None) -> set:
    body = ok(api.get(f"/events{query}", user))
    names = {event.id: name for name, event in programme.items() if isinstance(event, Event)}
    assert body["total"] == len(body["items"])
    return {names[item["id"]] for item in body["items"]}


def test_the_listing_filters(api, programme, document, conforms):
    base, center, now = programme["base"], programme["center"], programme["now"]
    body = ok(api.get("/events"))
    conforms(body, documented(document, "/events", "get", 200))
    day = lambda days: (now + timedelta(days=days)).date().isoformat()  # noqa: E731
    cases = {
        "": {"matching", "roadshow", "training", "cancelled"},
        "?type=roadshow": {"roadshow"},
        f"?organisation={base.organisation_id}": {"matching", "training"},
        f"?organisation={center.organisation.key}": {"roadshow", "cancelled"},
        "?organisation=99999999999999999999999": set(),
        "?organisation=2147483648": set(),
        "?status=held": {"training"},
        "?status=cancelled": {"cancelled"},
        "?when=past": {"training"},
        "?when=upcoming": {"matching", "roadshow", "cancelled"},
        f"?from={day(5)}&tz=UTC": {"matching", "roadshow"},
        f"?to={day(7)}&tz=UTC": {"training", "cancelled", "matching"},  # a date as "to" takes that whole day
        f"?from={day(5)}&to={day(8)}&tz=UTC": {"matching"},
        f"?from={day(5)}&to={day(8)}&tz=UTC&type=roadshow": set(),
        "?q=roadshow": {"roadshow"},
    }
    for query, expected in cases.items():
        assert _listed(api, query, programme) == expected, query


def test_the_range_keeps_events_that_are_on_in_it(api, programme):
    """An event is listed when it is on, even in part, within [from, to): it ends after
    ``from`` and starts before ``to``; instants take their offset (a "+" sent unescaped too)."""
    start = programme["matching"].starts_at  # 8 hours long
    inside = (start + timedelta(hours=1)).astimezone(XINJIANG).isoformat()
    assert _listed(api, f"?from={inside.replace('+', '%2B')}&type=matchmaking", programme) == {"matching"}
    assert _listed(api, f"?from={inside}&type=matchmaking", programme) == {"matching"}  # "+" read as a space
    end = programme["matching"].ends_at.isoformat().replace("+00:00", "Z")
    assert _listed(api, f"?from={end}&type=matchmaking", programme) == set()  # over just then
    begin = start.isoformat().replace("+00:00", "Z")
    assert _listed(api, f"?to={begin}&type=matchmaking", programme) == set()  # not yet begun


def test_dates_of_the_range_are_read_in_the_callers_zone_or_tz(api, organiser, make_event, create_user):
    """01:00–02:00 Beijing time on a day is 23:00–24:00 Xinjiang time the day before: which
    day a date means depends on the zone (the caller's, or ?tz=)."""
    day = day_ahead(12)
    start = datetime(day.year, day.month, day.day, 1, tzinfo=timezone(timedelta(hours=8)))
    event = make_event(organiser(), "published", starts_at=start, ends_at=start + timedelta(hours=1),
                       registration_deadline=start)
    beijing_user = create_user(role="enterprise", timezone="Asia/Shanghai")
    xinjiang_user = create_user(role="enterprise", timezone="Asia/Urumqi")
    previous = day - timedelta(days=1)

    def found(query, user=None) -> bool:
        return [item["id"] for item in ok(api.get(f"/events{query}", user))["items"]] == [event.id]

    assert found(f"?from={day}&to={day}", beijing_user)
    assert not found(f"?from={day}&to={day}", xinjiang_user)
    assert found(f"?from={previous}&to={previous}", xinjiang_user)
    assert not found(f"?from={day}&to={day}&tz=Asia/Urumqi", beijing_user)
    assert found(f"?from={previous}&to={previous}&tz=Asia/Urumqi")


@pytest.mark.parametrize("query, field", [
    ("?type=party", "type"), ("?status=draft", "status"), ("?status=bogus", "status"), ("?when=soon", "when"),
    ("?from=yesterday", "from"), ("?from=2026-13-01", "from"), ("?to=2026-12-01T10:00", "to"),
    ("?from=9999-12-31&to=9999-12-31", "to"), ("?from=2026-12-10&to=2026-12-01", "to"),
    ("?tz=Mars/Olympus&from=2026-12-01", "tz"), ("?sort=random", "sort"), ("?sector=nope", "sector"),
    ("?per_page=1000", "per_page"),
])
def test_bad_listing_parameters_are_400(api, query, field):
    fields = error(api.get(f"/events{query}"), 400, "validation_error")["fields"]
    assert field in fields


def test_a_nul_in_the_query_is_a_bad_request(api):
    error(api.get("/events?q=%00"), 400, "bad_request")


# --- editing ---------------------------------------------------------------------------------

@pytest.mark.parametrize("who, status", [
    ("admin", 200), ("host", 200), ("colleague", 200), ("other_staff", 403), ("user", 403), ("pending", 403),
    ("anonymous", 401),
])
def test_only_organisers_edit(api, people, make_event, who, status):
    event = make_event(people["host"], "published")
    before = columns(event)
    response = api.patch(f"/events/{event.id}", people[who], json={"title_en": "Renamed", "capacity": 50})
    if status == 200:
        body = ok(response)
        assert body["title_en"] == "Renamed" and body["capacity"] == 50 and body["status"] == "published"
        assert body["title_zh"] == event.title_zh  # untouched fields stay
    else:
        assert response.status_code == status
        assert columns(event) == before


@pytest.mark.parametrize("who, status", [("other_staff", 404), ("user", 404), ("anonymous", 401)])
def test_a_draft_is_not_found_by_others(api, people, make_event, who, status):
    draft = make_event(people["host"], "draft")
    before = columns(draft)
    assert api.patch(f"/events/{draft.id}", people[who], json={"title_en": "X"}).status_code == status
    assert api.delete(f"/events/{draft.id}", people[who]).status_code == status
    assert api.post(f"/events/{draft.id}/publish", people[who]).status_code == status
    assert columns(draft) == before


def test_a_bad_edit_saves_nothing(api, people, make_event):
    event = make_event(people["host"], "published")
    before, counts = columns(event), rows()
    fields = error(api.patch(f"/events/{event.id}", people["host"], json={"ends_at": event.starts_at.isoformat()}),
                   400, "validation_error")["fields"]
    assert fields == {"ends_at": ["The end must come after the start."]}
    error(api.patch(f"/events/{event.id}", people["host"], json={"capacity": "many"}), 400, "validation_error")
    assert columns(event) == before and rows() == counts


def test_moving_a_published_event_tells_its_registrants(api, people, make_event):
    event = make_event(people["host"], "published")
    ok(api.post(f"/events/{event.id}/registrations", people["user"]), 201)
    later = event.starts_at + timedelta(hours=1)
    body = ok(api.patch(f"/events/{event.id}", people["host"],
                        json={"starts_at": later.astimezone(XINJIANG).isoformat()}))
    assert body["starts_at"] == later.isoformat().replace("+00:00", "Z")
    kinds = list(db.session.scalars(select(Notification.kind).where(Notification.user_id == people["user"].id)))
    assert kinds == ["event_registered", "event_changed"]


def test_more_places_move_the_waiting_list_up(api, people, make_event):
    event = make_event(people["host"], "published", capacity=1)
    ok(api.post(f"/events/{event.id}/registrations", people["user"]), 201)
    waiting = ok(api.post(f"/events/{event.id}/registrations", people["other_staff"]), 201)
    assert waiting["status"] == "waitlisted"
    ok(api.patch(f"/events/{event.id}", people["host"], json={"capacity": 2}))
    assert ok(api.get(f"/events/{event.id}/registrations/me", people["other_staff"]))["status"] == "registered"


def test_a_cancelled_event_can_no_longer_be_edited(api, people, make_event):
    event = make_event(people["host"], "cancelled")
    before = columns(event)
    error(api.patch(f"/events/{event.id}", people["host"], json={"title_en": "Again"}), 409, "conflict")
    assert columns(event) == before


@pytest.mark.parametrize("who, status", [
    ("admin", 204), ("host", 204), ("colleague", 204), ("other_staff", 404), ("user", 404), ("anonymous", 401),
])
def test_organisers_delete_a_draft(api, people, make_event, who, status):
    draft = make_event(people["host"], "draft")
    assert api.delete(f"/events/{draft.id}", people[who]).status_code == status
    assert (columns(draft) is None) == (status == 204)


def test_a_published_event_is_not_deleted(api, people, make_event):
    event = make_event(people["host"], "published")
    error(api.delete(f"/events/{event.id}", people["host"]), 409, "conflict")
    error(api.delete(f"/events/{event.id}", people["user"]), 403, "forbidden")
    assert columns(event) is not None


# --- publish and cancel ---------------------------------------------------------------------------

@pytest.mark.parametrize("who, status", [
    ("admin", 200), ("host", 200), ("colleague", 200), ("other_staff", 404), ("user", 404), ("pending", 404),
    ("anonymous", 401),
])
def test_who_publishes_a_draft(api, people, make_event, document, conforms, who, status):
    draft = make_event(people["host"], "draft")
    response = api.post(f"/events/{draft.id}/publish", people[who], json={"note": "Ready"})
    assert response.status_code == status
    db.session.expire_all()
    if status == 200:
        conforms(response.get_json(), documented(document, "/events/{id}/publish", "post", 200))
        assert response.get_json()["status"] == "published" and draft.status == "published"
        history = ok(api.get(f"/events/{draft.id}"))["history"]
        assert [(c["to"], c["note"]) for c in history] == [("draft", None), ("published", "Ready")]
        assert history[-1]["actor_id"] == people[who].id
    else:
        assert draft.status == "draft"


@pytest.mark.parametrize("who, status", [
    ("admin", 200), ("host", 200), ("colleague", 200), ("other_staff", 403), ("user", 403), ("pending", 403),
    ("anonymous", 401),
])
def test_who_cancels_and_registrants_are_told(api, people, make_event, create_user, who, status):
    event = make_event(people["host"], "published")
    registrant = create_user(role="enterprise")
    ok(api.post(f"/events/{event.id}/registrations", registrant), 201)
    before = rows()
    response = api.post(f"/events/{event.id}/cancel", people[who])
    assert response.status_code == status
    told = db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == registrant.id, Notification.kind == "event_cancelled"))
    db.session.expire_all()
    if status == 200:
        assert response.get_json()["status"] == "cancelled" and event.status == "cancelled" and told == 1
        ics = api.get(f"/events/{event.id}.ics")
        assert "METHOD:CANCEL" in ics.get_data(as_text=True)
    else:
        assert event.status == "published" and told == 0 and rows() == before


@pytest.mark.parametrize("status, step", [
    ("published", "publish"), ("cancelled", "publish"), ("held", "publish"),
    ("draft", "cancel"), ("cancelled", "cancel"), ("held", "cancel"),
])
def test_steps_from_the_wrong_status_are_409(api, people, make_event, status, step):
    start = utcnow() - timedelta(hours=2)
    event = make_event(people["host"], status, **({"starts_at": start, "ends_at": start + timedelta(hours=1),
                                                   "registration_deadline": start} if status == "held" else {}))
    before = rows()
    error(api.post(f"/events/{event.id}/{step}", people["host"]), 409, "invalid_transition")
    assert rows() == before
    db.session.expire_all()
    assert event.status == status


def test_an_event_that_has_begun_is_not_published(api, people, make_event):
    start = utcnow() - timedelta(hours=1)
    draft = make_event(people["host"], "draft", starts_at=start, ends_at=start + timedelta(hours=3),
                       registration_deadline=start)
    fields = error(api.post(f"/events/{draft.id}/publish", people["host"]), 400, "validation_error")["fields"]
    assert "starts_at" in fields
    db.session.expire_all()
    assert draft.status == "draft"


def test_a_pending_creator_cannot_publish(api, people, make_event):
    host = people["host"]
    draft = make_event(host, "draft")
    host.membership_status = "pending"
    db.session.commit()
    assert api.post(f"/events/{draft.id}/publish", host).status_code == 403
    db.session.expire_all()
    assert draft.status == "draft"


def test_the_generic_steps_still_work(api, people, make_event):
    host = people["host"]
    first, second = make_event(host, "draft"), make_event(host, "draft")
    assert ok(api.post(f"/events/{first.id}/submit", host))["status"] == "published"
    step = f"/events/{second.id}/transition"
    assert ok(api.post(step, host, json={"to": "publish"}))["status"] == "published"
    error(api.post(step, host, json={"to": "held"}), 409, "wrong_state")  # not yet begun
    assert ok(api.post(step, host, json={"to": "cancel"}))["status"] == "cancelled"
    error(api.post(step, host, json={"to": "approve"}), 400, "validation_error")
    error(api.post(step, people["user"], json={"to": "cancel"}), 403, "forbidden")


def test_odd_step_bodies(api, people, make_event):
    draft = make_event(people["host"], "draft")
    error(api.post(f"/events/{draft.id}/publish", people["host"], json=[1]), 400, "bad_request")
    error(api.post(f"/events/{draft.id}/publish", people["host"], json={"note": 5}), 400, "validation_error")
    error(api.post(f"/events/{draft.id}/publish", people["host"], json={"note": "<script>"}), 400, "validation_error")
    db.session.expire_all()
    assert draft.status == "draft"


# --- registering ----------------------------------------------------------------------------------

def test_register_then_the_waiting_list_then_cancel(api, people, make_event, create_user, document, conforms):
    event = make_event(people["host"], "published", capacity=1)
    first, second, third = people["user"], create_user(role="center"), create_user(role="enterprise")
    body = ok(api.post(f"/events/{event.id}/registrations", first), 201)
    conforms(body, documented(document, "/events/{id}/registrations", "post", 201))
    assert body["status"] == "registered" and body["waitlist_position"] is None
    assert ok(api.post(f"/events/{event.id}/registrations", second), 201)["waitlist_position"] == 1
    assert ok(api.post(f"/events/{event.id}/registrations", third), 201)["waitlist_position"] == 2
    mine = ok(api.get(f"/events/{event.id}/registrations/me", third))
    conforms(mine, "Registration")
    assert mine["status"] == "waitlisted" and mine["waitlist_position"] == 2
    # The first gives up their place: the first waiting moves up and is told, the next moves to 1.
    cancelled = ok(api.delete(f"/events/{event.id}/registrations/me", first))
    conforms(cancelled, documented(document, "/events/{id}/registrations/me", "delete", 200))
    assert cancelled["status"] == "cancelled" and cancelled["cancelled_at"]
    assert ok(api.get(f"/events/{event.id}/registrations/me", second))["status"] == "registered"
    assert ok(api.get(f"/events/{event.id}/registrations/me", third))["waitlist_position"] == 1
    told = list(db.session.scalars(select(Notification.kind).where(Notification.user_id == second.id)
                                   .order_by(Notification.id)))
    assert told == ["event_waitlisted", "event_moved_up"]
    # Registering again after cancelling takes the end of the list.
    again = ok(api.post(f"/events/{event.id}/registrations", first), 201)
    assert again["id"] == body["id"] and again["status"] == "waitlisted" and again["waitlist_position"] == 2


def test_registering_twice_is_409_and_changes_nothing(api, people, make_event):
    event = make_event(people["host"], "published")
    ok(api.post(f"/events/{event.id}/registrations", people["user"]), 201)
    before = rows()
    message = error(api.post(f"/events/{event.id}/registrations", people["user"], lang="zh"),
                    409, "already_registered")["message"]
    assert message == in_chinese("You are already registered for this event.")
    assert rows() == before


@pytest.mark.parametrize("case", ["deadline_passed", "begun", "cancelled", "draft_seen_by_organiser"])
def test_closed_registration_is_409(api, people, make_event, case):
    now = utcnow()
    if case == "deadline_passed":
        event = make_event(people["host"], "published", registration_deadline=now - timedelta(minutes=1))
    elif case == "begun":
        begun = now - timedelta(hours=1)
        event = make_event(people["host"], "draft", starts_at=begun, ends_at=now + timedelta(hours=1),
                           registration_deadline=begun)
        from collab.content import services as content

        content.record_change(event, "published", people["host"])
        db.session.commit()
    else:
        event = make_event(people["host"], "cancelled" if case == "cancelled" else "draft")
    user = people["colleague"] if case == "draft_seen_by_organiser" else people["user"]
    before = rows()
    error(api.post(f"/events/{event.id}/registrations", user), 409, "registration_closed")
    assert rows() == before


@pytest.mark.parametrize("who, status", [("anonymous", 401), ("user", 404), ("other_staff", 404)])
def test_registering_for_a_hidden_event_or_anonymously(api, people, make_event, who, status):
    draft, published = make_event(people["host"], "draft"), make_event(people["host"], "published")
    before = rows()
    assert api.post(f"/events/{draft.id}/registrations", people[who]).status_code == status
    if who == "anonymous":
        error(api.post(f"/events/{published.id}/registrations"), 401, "unauthorized")
        error(api.delete(f"/events/{published.id}/registrations/me"), 401, "unauthorized")
        error(api.get(f"/events/{published.id}/registrations/me"), 401, "unauthorized")
    assert rows() == before


def test_cancelling_without_a_registration_is_404(api, people, make_event):
    event = make_event(people["host"], "published")
    before = rows()
    error(api.delete(f"/events/{event.id}/registrations/me", people["user"]), 404, "not_found")
    error(api.get(f"/events/{event.id}/registrations/me", people["user"]), 404, "not_found")
    ok(api.post(f"/events/{event.id}/registrations", people["user"]), 201)
    ok(api.delete(f"/events/{event.id}/registrations/me", people["user"]))
    after = rows()
    error(api.delete(f"/events/{event.id}/registrations/me", people["user"]), 404, "not_found")
    assert rows() == after and after[0] == before[0]


def test_a_registration_is_not_cancelled_once_the_event_has_begun(api, people, make_event, time_machine):
    event = make_event(people["host"], "published")
    ok(api.post(f"/events/{event.id}/registrations", people["user"]), 201)
    time_machine.move_to(event.starts_at + timedelta(minutes=5))
    error(api.delete(f"/events/{event.id}/registrations/me", people["user"]), 409, "conflict")
    assert db.session.scalar(select(Registration.status)) == "registered"


# --- the calendar file ------------------------------------------------------------------------------

def test_the_calendar_file_in_the_events_zone(api, people, make_event):
    event = make_event(people["host"], "published")
    response = api.get(f"/events/{event.id}.ics", lang="zh")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    body = response.get_data(as_text=True)
    assert "BEGIN:VTIMEZONE" in body and "TZID=Asia/Urumqi" in body and "METHOD:PUBLISH" in body
    assert event.title_zh in body  # in the caller's language
    assert f"event-{event.id}.ics" in response.headers["Content-Disposition"]
    assert event.title_en in api.get(f"/events/{event.id}.ics", lang="en").get_data(as_text=True)


# --- the document --------------------------------------------------------------------------------------

CONTRACT = [
    ("/events", "get"), ("/events", "post"), ("/events/{id}", "get"), ("/events/{id}", "patch"),
    ("/events/{id}/publish", "post"), ("/events/{id}/cancel", "post"), ("/events/{id}/registrations", "post"),
    ("/events/{id}/registrations/me", "delete"), ("/events/{id}/registrations", "get"),
    ("/events/{id}/registrations/{rid}/attendance", "post"), ("/events/{id}/wishes", "put"),
    ("/events/{id}/schedule", "post"), ("/events/{id}/schedule", "get"), ("/events/{id}/agenda", "get"),
    ("/events/{id}.ics", "get"),
]


def test_the_openapi_document_covers_every_event_endpoint(document):
    for path, method in CONTRACT:
        operation = document["paths"][path][method]
        assert operation["operationId"] and operation["summary"] and operation["tags"] == ["events"]
    schemas = document["components"]["schemas"]
    assert set(schemas["EventInput"]["properties"]) >= {
        "type", "title_zh", "title_en", "description_zh", "description_en", "organisation_id", "starts_at", "ends_at",
        "timezone", "place_zh", "place_en", "online_url", "capacity", "registration_deadline", "featured_project_ids",
        "featured_need_ids", "meeting_minutes", "tables"}
    assert set(schemas["Meeting"]["required"]) == {"id", "starts_at", "ends_at", "table", "project_id", "need_id",
                                                   "participant_ids"}
    exports = document["paths"]["/events/{id}/registrations"]["get"]["responses"]["200"]["content"]
    assert {"application/json", "text/csv",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"} <= set(exports)
    filters = {p["name"] for p in document["paths"]["/events"]["get"]["parameters"]}
    assert {"type", "organisation", "from", "to", "status"} <= filters


def test_the_organisers_and_meetings_endpoints_answer_as_documented(api, people, create_user, make_project,
                                                                    make_need, make_event, document, conforms):
    """The attendee list, attendance, wishes, the schedule, a move and the agenda conform to
    the document (their behaviour is tested beside their modules)."""
    presenter = create_user(role="center")
    project = make_project(presenter, "published")
    need = make_need(create_user(role="enterprise"), "open")
    event = make_event(people["host"], "published", featured_project_ids=[project.id], featured_need_ids=[need.id])
    visitor = people["user"]
    for user in (visitor, presenter):
        ok(api.post(f"/events/{event.id}/registrations", user), 201)
    base = f"/events/{event.id}"
    attendees = ok(api.get(f"{base}/registrations", people["host"]))
    conforms(attendees, documented(document, "/events/{id}/registrations", "get", 200))
    assert [a["user_id"] for a in attendees["items"]] == [visitor.id, presenter.id]
    wishes = ok(api.call("PUT", f"{base}/wishes", visitor, json={"project_ids": [project.id], "need_ids": []}))
    conforms(wishes, documented(document, "/events/{id}/wishes", "put", 200))
    conforms(ok(api.get(f"{base}/wishes", visitor)), documented(document, "/events/{id}/wishes", "get", 200))
    schedule = ok(api.post(f"{base}/schedule", people["host"]))
    conforms(schedule, documented(document, "/events/{id}/schedule", "post", 200))
    conforms(ok(api.get(f"{base}/schedule", people["host"])), documented(document, "/events/{id}/schedule", "get", 200))
    assert len(schedule["meetings"]) == 1
    meeting = schedule["meetings"][0]
    assert set(meeting["participant_ids"]) == {visitor.id, presenter.id}
    moved = ok(api.post(f"{base}/meetings/{meeting['id']}/move", people["host"], json={"slot": 2, "table": 3}))
    conforms(moved, documented(document, "/events/{id}/meetings/{mid}/move", "post", 200))
    agenda = ok(api.get(f"{base}/agenda", visitor))
    conforms(agenda, documented(document, "/events/{id}/agenda", "get", 200))
    assert [m["id"] for m in agenda["meetings"]] == [meeting["id"]]
    cancelled = ok(api.post(f"{base}/meetings/{meeting['id']}/cancel", people["host"]))
    conforms(cancelled, documented(document, "/events/{id}/meetings/{mid}/cancel", "post", 200))
