"""The JSON API for projects, needs, reviews and search (docs/API.md is the contract):
the same permissions as the pages, the error shape, nothing saved on bad input, and
every response conforming to the OpenAPI document."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import jsonschema
import pytest
import time_machine
from flask_babel import force_locale
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import func, select

from collab.audit import AuditEntry
from collab.auth.tokens import issue_token
from collab.content.models import StatusChange
from collab.extensions import db
from collab.needs.models import Need
from collab.notifications.models import Notification
from collab.content.forms import TITLE_REQUIRED
from collab.orgs.models import Organisation
from collab.projects.models import Project

from conftest import count_rows
from content_factories import need_data, project_data, reload

NOW = datetime(2026, 11, 23, 4, 0, tzinfo=timezone.utc)  # 12:00 in Beijing


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
    """The response schema the document gives for an operation and status."""
    response = document["paths"][path][method]["responses"][str(status)]
    return response["content"]["application/json"]["schema"]


class Api:
    """Calls the API as a user (by bearer token) or anonymously (user=None)."""

    def __init__(self, client):
        self.client, self.tokens = client, {}

    def headers(self, user, lang="en") -> dict:
        headers = {"Accept-Language": lang}
        if user is not None:
            if user.id not in self.tokens:
                self.tokens[user.id] = issue_token(user)[0]
                db.session.commit()
            headers["Authorization"] = f"Bearer {self.tokens[user.id]}"
        return headers

    def call(self, method, path, user=None, lang="en", **kwargs):
        return self.client.open(f"/api/v1{path}", method=method, headers=self.headers(user, lang), **kwargs)

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


def ids(body) -> list[int]:
    return [item["id"] for item in body["items"]]


def snapshot(item) -> tuple:
    """What a refused request must not change: the row and its history."""
    fresh = reload(item)
    history = db.session.scalar(select(func.count()).select_from(StatusChange).where(
        StatusChange.item_type == item.item_type, StatusChange.item_id == item.id))
    if fresh is None:
        return None, history
    columns = {c.key: getattr(fresh, c.key) for c in type(fresh).__table__.columns}
    return columns, tuple(fresh.sector_codes), history


def project_body(**fields) -> dict:
    """Valid JSON for POST /projects (the service data is plain JSON already)."""
    return project_data(**fields)


def need_body(**fields) -> dict:
    """Valid JSON for POST /needs (the deadline as an ISO date)."""
    data = need_data(**fields)
    if hasattr(data["deadline"], "isoformat"):
        data["deadline"] = data["deadline"].isoformat()
    return data


@pytest.fixture
def center(create_user):
    return create_user(role="center", display_name="Shenzhen Offshore Center staff")


@pytest.fixture
def enterprise(create_user):
    return create_user(role="enterprise", display_name="Kashgar Silk Road New Materials")


# --- projects: listing and search ---------------------------------------------------------

@pytest.fixture
def catalogue(center, create_user, make_project):
    """Projects of two centers in several statuses, sectors, stages, directions and cities."""
    other = create_user(role="center")
    return {
        "solar": make_project(center, "published", sectors=["new_energy"], stage="prototype", city="Shenzhen"),
        "membrane": make_project(
            other, "in_incubation", title_zh="海水淡化膜材料", title_en="Desalination membranes",
            summary_zh="石墨烯复合膜，目标在克拉玛依落地。", summary_en="Graphene composite membranes for Karamay.",
            sectors=["new_materials", "energy_saving_env"], stage="growth", direction="xinjiang_to_offshore",
            city="Dalian"),
        "cotton": make_project(
            other, "landed", title_zh=None, title_en="Cotton traceability platform",
            summary_zh=None, summary_en="Blockchain traceability for Xinjiang cotton.",
            sectors=["textiles_apparel"], stage="early_revenue", direction="international", city="Tashkent"),
        "closed": make_project(center, "closed", title_en="Closed solar pilot", sectors=["new_energy"]),
        "draft": make_project(center, "draft", title_en="Secret solar draft"),
        "pending": make_project(center, "pending_review", title_en="Pending solar project"),
        "rejected": make_project(center, "rejected", title_en="Rejected solar project"),
    }


@pytest.mark.parametrize("query, expected", [
    ("", {"solar", "membrane", "cotton"}),
    ("?sector=new_energy", {"solar"}),
    ("?sector=new_materials", {"membrane"}),
    ("?stage=growth", {"membrane"}),
    ("?direction=international", {"cotton"}),
    ("?direction=offshore_to_xinjiang", {"solar"}),
    ("?city=Dalian", {"membrane"}),
    ("?status=landed", {"cotton"}),
    ("?status=closed", {"closed"}),
    ("?q=光伏", {"solar"}),
    ("?q=石墨烯", {"membrane"}),
    ("?q=membrane", {"membrane"}),
    ("?q=COTTON+blockchain", {"cotton"}),
    ("?q=新能源", {"solar"}),  # the sector's Chinese name
    ("?q=solar&status=closed", {"closed"}),
    ("?sector=new_energy&stage=growth", set()),
])
def test_projects_list_public_items_with_filters(api, catalogue, document, conforms, query, expected):
    body = ok(api.get(f"/projects{query}"))
    conforms(body, documented(document, "/projects", "get", 200))
    assert set(ids(body)) == {catalogue[name].id for name in expected}
    assert body["total"] == len(expected) and body["page"] == 1 and body["per_page"] == 20


def test_project_listing_is_the_same_for_every_caller(api, catalogue, center, create_user):
    """Drafts, pending and rejected projects never appear in the listing, not even the owner's."""
    public = {catalogue[n].id for n in ("solar", "membrane", "cotton")}
    for user in (None, center, create_user(role="admin"), create_user(role="mentor")):
        assert set(ids(ok(api.get("/projects", user)))) == public


def test_project_listing_pages(api, center, make_project):
    made = [make_project(center, "published", title_en=f"Solar line {n}") for n in range(5)]
    first = ok(api.get("/projects?per_page=2"))
    third = ok(api.get("/projects?per_page=2&page=3"))
    assert (first["total"], third["total"]) == (5, 5)
    assert len(first["items"]) == 2 and len(third["items"]) == 1
    everything = ids(ok(api.get("/projects?per_page=100")))
    assert sorted(everything) == sorted(p.id for p in made)
    assert ok(api.get("/projects?per_page=2&page=9"))["items"] == []


@pytest.mark.parametrize("query, field", [
    ("?stage=seed", "stage"),
    ("?direction=sideways", "direction"),
    ("?status=draft", "status"),
    ("?status=pending_review", "status"),
    ("?sector=quantum_magic", "sector"),
    ("?sort=random", "sort"),
    ("?city=Urumqi%07", "city"),
    ("?q=%E5%85%89%1B", "q"),
    ("?per_page=101", "per_page"),
    ("?page=0", "page"),
])
def test_project_listing_refuses_bad_filters(api, catalogue, query, field):
    assert field in error(api.get(f"/projects{query}"), 400, "validation_error")["fields"]


@pytest.mark.parametrize("path", ["/projects?city=Urumqi%00", "/needs?q=%E5%85%89%00", "/search?q=a%00b"])
def test_a_nul_byte_in_the_query_string_is_a_bad_request(api, catalogue, path):
    error(api.get(path), 400, "bad_request")


# --- projects: creating ------------------------------------------------------------------------

def test_a_center_creates_a_bilingual_draft(api, center, document, conforms):
    body = ok(api.post("/projects", center, json=project_body(seeks=["landing_site"], team_size=8)), 201)
    conforms(body, documented(document, "/projects", "post", 201))
    assert body["status"] == "draft" and body["published_at"] is None
    assert (body["title_zh"], body["title_en"]) == ("钙钛矿光伏组件中试线", "Perovskite solar module pilot line")
    assert (body["sectors"], body["seeks"], body["team_size"]) == (["new_energy"], ["landing_site"], 8)
    assert body["owner_id"] == center.id and body["organisation"]["id"] == center.organisation_id
    project = db.session.get(Project, body["id"])
    assert project.status == "draft" and project.organisation_id == center.organisation_id
    # The draft is the owner's only: readable by them, 404 for everybody else, and unlisted.
    assert ok(api.get(f"/projects/{project.id}", center))["history"][0]["to"] == "draft"
    error(api.get(f"/projects/{project.id}"), 404, "not_found")
    assert project.id not in ids(ok(api.get("/projects?q=光伏")))


def test_one_language_is_enough(api, center):
    body = ok(api.post("/projects", center, json=project_body(title_zh=None, summary_zh="", title_en="Solar")), 201)
    assert (body["title_zh"], body["summary_zh"], body["title_en"]) == (None, None, "Solar")


def test_an_enterprise_may_post_a_project(api, enterprise):
    assert ok(api.post("/projects", enterprise, json=project_body()), 201)["owner_id"] == enterprise.id


@pytest.mark.parametrize("role, status, code", [
    (None, 401, "unauthorized"),
    ("mentor", 403, "forbidden"),
])
def test_only_centers_and_enterprises_create_projects(api, create_user, role, status, code):
    user = create_user(role=role) if role else None
    error(api.post("/projects", user, json=project_body()), status, code)
    assert count_rows(Project) == 0 and count_rows(StatusChange) == 0


def test_a_bad_token_is_401_and_a_browser_session_is_no_token(client, center, login):
    response = client.post("/api/v1/projects", json=project_body(), headers={"Authorization": "Bearer nope"})
    error(response, 401, "unauthorized")
    login(center)
    error(client.post("/api/v1/projects", json=project_body()), 401, "unauthorized")
    assert count_rows(Project) == 0


LONG = "长" * 201
BAD_PROJECTS = [
    ({"title_zh": "", "title_en": None}, "title_zh"),
    ({"title_zh": "  ", "title_en": "   "}, "title_zh"),
    ({"summary_zh": None, "summary_en": ""}, "summary_zh"),
    ({"title_zh": LONG}, "title_zh"),
    ({"summary_en": "x" * 5001}, "summary_en"),
    ({"city": "c" * 101}, "city"),
    ({"title_en": "<script>alert(1)</script>"}, "title_en"),
    ({"summary_zh": "光伏<img src=x onerror=alert(1)>"}, "summary_zh"),
    ({"title_zh": "光伏\x00组件"}, "title_zh"),
    ({"summary_en": "line\x07bell"}, "summary_en"),
    ({"sectors": ["quantum_magic"]}, "sectors"),
    ({"sectors": "new_energy"}, "sectors"),
    ({"sectors": [1, 2]}, "sectors"),
    ({"sectors": [["new_energy"]]}, "sectors"),
    ({"seeks": ["world_peace"]}, "seeks"),
    ({"stage": "seed"}, "stage"),
    ({"stage": None}, "stage"),
    ({"direction": "sideways"}, "direction"),
    ({"title_zh": 42}, "title_zh"),
    ({"title_en": ["Solar"]}, "title_en"),
    ({"title_en": {"text": "Solar"}}, "title_en"),
    ({"title_en": True}, "title_en"),
    ({"funding_sought_cny": "5000000"}, "funding_sought_cny"),
    ({"funding_sought_cny": 5e6}, "funding_sought_cny"),
    ({"funding_sought_cny": -1}, "funding_sought_cny"),
    ({"funding_sought_cny": 10 ** 30}, "funding_sought_cny"),
    ({"team_size": 0}, "team_size"),
    ({"team_size": True}, "team_size"),
]


@pytest.mark.parametrize("change, field", BAD_PROJECTS)
def test_bad_project_input_is_a_field_error_and_nothing_is_saved(api, center, conforms, change, field):
    body = error(api.post("/projects", center, json=project_body(**change)), 400, "validation_error")
    conforms({"error": body}, "Error")
    assert field in body["fields"] and all(body["fields"][field])
    assert count_rows(Project) == 0 and count_rows(StatusChange) == 0


@pytest.mark.parametrize("payload", [b"not json", b"[1, 2]", b'"title"', b"null", b"{"])
def test_a_body_that_is_not_a_json_object_is_a_bad_request(api, center, payload):
    error(api.post("/projects", center, data=payload, content_type="application/json"), 400, "bad_request")
    assert count_rows(Project) == 0


def test_field_errors_follow_accept_language(api, center):
    body = project_body(title_zh="", title_en="")
    zh = error(api.call("POST", "/projects", center, lang="zh", json=body), 400, "validation_error")
    en = error(api.call("POST", "/projects", center, lang="en", json=body), 400, "validation_error")
    with force_locale("zh_Hans"):
        assert zh["fields"]["title_zh"] == [str(TITLE_REQUIRED)]
    with force_locale("en"):
        assert en["fields"]["title_zh"] == [str(TITLE_REQUIRED)]
    assert zh["message"] != en["message"]


# --- projects: reading, editing, deleting ---------------------------------------------------------

@pytest.mark.parametrize("status, readers", [
    ("draft", {"owner"}),
    ("pending_review", {"owner", "admin"}),
    ("rejected", {"owner", "admin"}),
    ("published", {"owner", "admin", "other", "visitor", "pending"}),
    ("landed", {"owner", "admin", "other", "visitor", "pending"}),
    ("closed", {"owner", "admin", "other", "visitor", "pending"}),
])
def test_reading_a_project_follows_its_visibility(api, center, create_user, make_project, document, conforms,
                                                  status, readers):
    project = make_project(center, status)
    callers = {"owner": center, "admin": create_user(role="admin"), "other": create_user(role="center"),
               "visitor": None, "pending": create_user(role="center", approved=False)}
    for name, user in callers.items():
        response = api.get(f"/projects/{project.id}", user)
        if name in readers:
            body = ok(response)
            conforms(body, documented(document, "/projects/{id}", "get", 200))
            assert body["status"] == status and body["history"][-1]["to"] == status
        else:
            error(response, 404, "not_found")


def test_a_missing_project_is_404(api, center):
    error(api.get("/projects/999999"), 404, "not_found")
    error(api.patch("/projects/999999", center, json={"title_en": "x"}), 404, "not_found")
    error(api.delete("/projects/999999", center), 404, "not_found")


def test_the_owner_edits_a_draft(api, center, make_project, make_admin, conforms):
    project = make_project(center, "draft")
    body = ok(api.patch(f"/projects/{project.id}", center, json={
        "title_en": "Perovskite tandem modules", "title_zh": None, "sectors": ["new_energy", "new_materials"],
        "funding_sought_cny": None}))
    conforms(body, "Project")
    assert (body["title_en"], body["title_zh"], body["funding_sought_cny"]) == ("Perovskite tandem modules", None, None)
    assert set(body["sectors"]) == {"new_energy", "new_materials"}
    assert body["summary_zh"] == project_data()["summary_zh"]  # untouched fields keep their values
    assert body["status"] == "draft"
    # The search index follows the edit.
    ok(api.post(f"/projects/{project.id}/submit", center))
    ok(api.post(f"/reviews/project/{project.id}", make_admin(), json={"decision": "approve"}))
    assert ids(ok(api.get("/projects?q=tandem"))) == [project.id]
    assert ids(ok(api.get("/projects?q=钙钛矿"))) == []


def test_editing_a_public_project_sends_it_back_to_review_and_approval_restores_it(
        api, center, make_project, make_admin):
    project = make_project(center, "in_incubation")
    body = ok(api.patch(f"/projects/{project.id}", center, json={"summary_en": "Now with a landing plan in Hami."}))
    assert body["status"] == "pending_review"
    error(api.get(f"/projects/{project.id}"), 404, "not_found")
    queue = ok(api.get("/reviews", make_admin()))
    assert [(i["type"], i["id"], i["edit_of_live_item"]) for i in queue["items"]] == [("project", project.id, True)]
    assert ok(api.post(f"/reviews/project/{project.id}", make_admin(), json={"decision": "approve"}))["status"] == \
        "in_incubation"
    assert ok(api.get(f"/projects/{project.id}"))["summary_en"] == "Now with a landing plan in Hami."


@pytest.mark.parametrize("change, field", BAD_PROJECTS[:12])
def test_a_bad_edit_changes_nothing(api, center, make_project, change, field):
    project = make_project(center, "published")
    before = snapshot(project)
    assert field in error(api.patch(f"/projects/{project.id}", center, json=change), 400, "validation_error")["fields"]
    assert snapshot(project) == before


@pytest.mark.parametrize("role, status, code", [
    ("visitor", 401, "unauthorized"),
    ("other", 403, "forbidden"),
    ("admin", 403, "forbidden"),
    ("pending", 403, "forbidden"),
])
def test_only_the_owner_edits_or_deletes_a_project(api, center, create_user, make_project, role, status, code):
    project = make_project(center, "published")
    user = {"visitor": None, "other": create_user(role="center"), "admin": create_user(role="admin"),
            "pending": create_user(role="center", approved=False)}[role]
    before = snapshot(project)
    error(api.patch(f"/projects/{project.id}", user, json={"title_en": "Hijacked"}), status, code)
    error(api.delete(f"/projects/{project.id}", user), status, code)
    error(api.post(f"/projects/{project.id}/submit", user), status, code)
    assert snapshot(project) == before


def test_others_cannot_even_see_a_draft_to_edit_it(api, center, create_user, make_project):
    draft = make_project(center, "draft")
    before = snapshot(draft)
    intruder = create_user(role="center")
    error(api.patch(f"/projects/{draft.id}", intruder, json={"title_en": "Mine"}), 404, "not_found")
    error(api.delete(f"/projects/{draft.id}", intruder), 404, "not_found")
    error(api.post(f"/projects/{draft.id}/submit", intruder), 404, "not_found")
    assert snapshot(draft) == before


def test_the_owner_deletes_a_draft(api, center, make_project):
    draft = make_project(center, "draft", title_en="Throwaway tandem draft")
    response = api.delete(f"/projects/{draft.id}", center)
    assert response.status_code == 204 and response.data == b""
    assert reload(draft) is None
    error(api.get(f"/projects/{draft.id}", center), 404, "not_found")


@pytest.mark.parametrize("status", ["pending_review", "published", "rejected", "closed"])
def test_only_drafts_are_deleted(api, center, make_project, status):
    project = make_project(center, status)
    before = snapshot(project)
    error(api.delete(f"/projects/{project.id}", center), 409, "conflict")
    assert snapshot(project) == before


# --- projects: submitting and the lifecycle ---------------------------------------------------------

def test_the_owner_submits_a_draft_for_review(api, center, make_project, make_admin, conforms):
    project = make_project(center, "draft")
    body = ok(api.post(f"/projects/{project.id}/submit", center))
    conforms(body, "Project")
    assert body["status"] == "pending_review"
    assert reload(project).submitted_at is not None
    assert [i["id"] for i in ok(api.get("/reviews", make_admin()))["items"]] == [project.id]


def test_a_pending_member_may_draft_but_not_submit(api, create_user):
    pending = create_user(role="center", approved=False)
    body = ok(api.post("/projects", pending, json=project_body()), 201)
    project = db.session.get(Project, body["id"])
    before = snapshot(project)
    error(api.post(f"/projects/{project.id}/submit", pending), 403, "forbidden")
    assert snapshot(project) == before


@pytest.mark.parametrize("status", ["pending_review", "published", "closed"])
def test_submitting_twice_or_from_a_live_status_is_a_conflict(api, center, make_project, status):
    project = make_project(center, status)
    before = snapshot(project)
    error(api.post(f"/projects/{project.id}/submit", center), 409, "invalid_transition")
    assert snapshot(project) == before


def test_the_owner_records_incubation_landing_and_graduation(api, center, make_project, document, conforms):
    project = make_project(center, "published")
    steps = [("in_incubation", "入驻上海离岸中心孵化"), ("landed", "Landed in the Hami industrial park"),
             ("graduated", None)]
    base = Organisation(key="hami-base", kind="xinjiang_base", status="approved", name_zh="哈密", name_en="Hami",
                        country="CN", timezone="Asia/Urumqi", facts={})
    db.session.add(base)
    db.session.commit()
    from collab.projects.landing import today_in_beijing

    landing = {"city": "hami", "base_id": base.id, "landed_on": today_in_beijing().isoformat(),
               "company_name": "Hami Solar Co.", "investment_cny": 1_000_000, "jobs": 10}
    for target, note in steps:
        extra = {"landing": landing} if target == "landed" else {}
        body = ok(api.post(f"/projects/{project.id}/transition", center, json={"to": target, "note": note, **extra}))
        conforms(body, documented(document, "/projects/{id}/transition", "post", 200))
        assert body["status"] == target
    history = ok(api.get(f"/projects/{project.id}"))["history"]
    assert [(h["from"], h["to"], h["note"]) for h in history[-3:]] == [
        ("published", "in_incubation", "入驻上海离岸中心孵化"), ("in_incubation", "landed", "Landed in the Hami industrial park"),
        ("landed", "graduated", None)]
    assert all(h["actor_id"] == center.id for h in history[-3:])
    # The owner is not told about their own steps (the base is asked to confirm the landing).
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.kind != "landing_recorded")) == 0


def test_an_admin_moves_a_project_and_the_owner_is_told(api, center, make_project, make_admin):
    project = make_project(center, "published")
    admin = make_admin()
    assert ok(api.post(f"/projects/{project.id}/transition", admin, json={"to": "closed", "note": "Duplicate"}))[
        "status"] == "closed"
    notes = db.session.scalars(select(Notification).where(Notification.user_id == center.id)).all()
    assert [(n.kind, n.params["to_status"]) for n in notes] == [("status_changed", "closed")]
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.target_id == project.id)
                             .order_by(AuditEntry.id.desc()).limit(1)) == "project.closed"


@pytest.mark.parametrize("status, target", [
    ("published", "graduated"),
    ("draft", "in_incubation"),
    ("pending_review", "landed"),
    ("graduated", "closed"),
    ("closed", "in_incubation"),
    ("in_incubation", "in_incubation"),
])
def test_an_illegal_transition_is_a_conflict(api, center, make_project, status, target):
    project = make_project(center, status)
    before = snapshot(project)
    error(api.post(f"/projects/{project.id}/transition", center, json={"to": target}), 409, "invalid_transition")
    assert snapshot(project) == before


@pytest.mark.parametrize("payload, field", [
    ({"to": "published"}, "to"),
    ({"to": "approve"}, "to"),
    ({}, "to"),
    ({"to": ["landed"]}, "to"),
    ({"to": "landed", "note": "<b>bold</b>"}, "note"),
    ({"to": "landed", "note": "n" * 1001}, "note"),
    ({"to": "landed", "note": "a\x00b"}, "note"),
    ({"to": "landed", "note": 7}, "note"),
])
def test_a_bad_transition_request_is_a_field_error(api, center, make_project, payload, field):
    project = make_project(center, "in_incubation")
    before = snapshot(project)
    body = error(api.post(f"/projects/{project.id}/transition", center, json=payload), 400, "validation_error")
    assert field in body["fields"]
    assert snapshot(project) == before


@pytest.mark.parametrize("role, status, code", [
    ("visitor", 401, "unauthorized"),
    ("other", 403, "forbidden"),
    ("enterprise", 403, "forbidden"),
    ("mentor", 403, "forbidden"),
])
def test_only_the_owner_and_admins_move_a_project(api, center, create_user, make_project, role, status, code):
    project = make_project(center, "published")
    user = None if role == "visitor" else create_user(role="center" if role == "other" else role)
    before = snapshot(project)
    error(api.post(f"/projects/{project.id}/transition", user, json={"to": "landed"}), status, code)
    assert snapshot(project) == before


def test_moving_a_project_one_cannot_see_is_404(api, center, create_user, make_project):
    draft = make_project(center, "draft")
    before = snapshot(draft)
    error(api.post(f"/projects/{draft.id}/transition", create_user(role="center"), json={"to": "closed"}),
          404, "not_found")
    error(api.post(f"/projects/{draft.id}/transition", create_user(role="admin"), json={"to": "closed"}),
          404, "not_found")
    assert snapshot(draft) == before


# --- needs ------------------------------------------------------------------------------------------------

@pytest.fixture
def market(enterprise, create_user, make_need):
    """Needs of two enterprises: kinds, sectors, locations, statuses and visibilities."""
    other = create_user(role="enterprise")
    return {
        "irrigation": make_need(enterprise, "open"),
        "solar": make_need(other, "in_talks", kind="industry", title_zh="光伏组件清洗机器人",
                           title_en="Solar panel cleaning robots", description_zh="哈密光伏电站需要清洗机器人。",
                           description_en="Cleaning robots for the Hami solar plant.", sectors=["new_energy"],
                           location="hami"),
        "members": make_need(other, "open", kind="talent", title_en="Battery engineers", title_zh="储能电池工程师",
                             sectors=["new_energy"], location="karamay", visibility="members"),
        "anonymous": make_need(other, "open", kind="capital", title_en="Series A for a cotton mill",
                               title_zh="棉纺厂A轮融资", sectors=["textiles_apparel"], location="aksu",
                               visibility="anonymous"),
        "fulfilled": make_need(enterprise, "fulfilled", title_en="Fulfilled irrigation need"),
        "draft": make_need(enterprise, "draft", title_en="Draft irrigation need"),
        "pending": make_need(enterprise, "pending_review", title_en="Pending irrigation need"),
    }


@pytest.mark.parametrize("query, expected", [
    ("", {"irrigation", "solar", "anonymous"}),
    ("?kind=industry", {"solar"}),
    ("?kind=capital", {"anonymous"}),
    ("?sector=modern_agriculture", {"irrigation"}),
    ("?location=hami", {"solar"}),
    ("?status=in_talks", {"solar"}),
    ("?status=fulfilled", {"fulfilled"}),
    ("?q=光伏", {"solar"}),
    ("?q=滴灌", {"irrigation", "anonymous"}),  # the members-only one has it too, unseen
    ("?q=robots+hami", {"solar"}),
    ("?q=储能", set()),  # members only
    ("?sort=deadline", {"irrigation", "solar", "anonymous"}),
    ("?sort=budget&kind=technology", {"irrigation"}),
])
def test_needs_list_what_a_visitor_may_see(api, market, document, conforms, query, expected):
    body = ok(api.get(f"/needs{query}"))
    conforms(body, documented(document, "/needs", "get", 200))
    assert set(ids(body)) == {market[name].id for name in expected}
    assert body["total"] == len(expected)


def test_members_see_members_only_needs(api, market, create_user):
    member = create_user(role="center")
    assert set(ids(ok(api.get("/needs?q=储能", member)))) == {market["members"].id}
    assert ok(api.get(f"/needs/{market['members'].id}", member))["visibility"] == "members"
    for outsider in (None, create_user(role="enterprise", approved=False), create_user(role="mentor")):
        error(api.get(f"/needs/{market['members'].id}", outsider), 404, "not_found")
        assert market["members"].id not in ids(ok(api.get("/needs?per_page=100", outsider)))


def test_an_anonymous_need_hides_its_organisation_and_owner(api, market, create_user, make_admin, conforms, document):
    need = market["anonymous"]
    for viewer in (None, create_user(role="center"), create_user(role="enterprise")):
        body = ok(api.get(f"/needs/{need.id}", viewer))
        conforms(body, documented(document, "/needs/{id}", "get", 200))
        assert (body["organisation"], body["owner_id"], body["organisation_hidden"]) == (None, None, True)
        assert all(h["actor_id"] is None for h in body["history"])
        listed = next(i for i in ok(api.get("/needs", viewer))["items"] if i["id"] == need.id)
        assert (listed["organisation"], listed["owner_id"]) == (None, None)
        hit = next(i for i in ok(api.get("/search?q=棉纺厂", viewer))["items"] if i["id"] == need.id)
        assert set(hit) == {"type", "id", "title_zh", "title_en", "snippet", "status"}
    # The organisation filter does not reveal it either.
    org_key = reload(need).organisation.key
    assert need.id not in ids(ok(api.get(f"/needs?organisation={org_key}")))
    for insider in (reload(need).owner, make_admin()):
        body = ok(api.get(f"/needs/{need.id}", insider))
        assert body["organisation"]["key"] == org_key and body["owner_id"] == need.owner_id


def test_an_enterprise_creates_a_need_draft(api, enterprise, document, conforms):
    body = ok(api.post("/needs", enterprise, json=need_body(visibility="anonymous")), 201)
    conforms(body, documented(document, "/needs", "post", 201))
    assert body["status"] == "draft" and body["organisation"]["id"] == enterprise.organisation_id
    assert (body["budget_min_cny"], body["budget_max_cny"], body["location"]) == (1_000_000, 3_000_000, "kashgar")
    error(api.get(f"/needs/{body['id']}"), 404, "not_found")


@pytest.mark.parametrize("role, status, code", [
    (None, 401, "unauthorized"),
    ("center", 403, "forbidden"),
    ("mentor", 403, "forbidden"),
])
def test_only_enterprises_create_needs(api, create_user, role, status, code):
    user = create_user(role=role) if role else None
    error(api.post("/needs", user, json=need_body()), status, code)
    assert count_rows(Need) == 0


BAD_NEEDS = [
    ({"title_zh": None, "title_en": ""}, "title_zh"),
    ({"description_zh": "", "description_en": None}, "description_zh"),
    ({"budget_min_cny": 5_000_000, "budget_max_cny": 1_000_000}, "budget_max_cny"),
    ({"budget_min_cny": -5}, "budget_min_cny"),
    ({"budget_max_cny": "3000000"}, "budget_max_cny"),
    ({"deadline": "2020-01-01"}, "deadline"),
    ({"deadline": "tomorrow"}, "deadline"),
    ({"deadline": 20271231}, "deadline"),
    ({"deadline": None}, "deadline"),
    ({"kind": "romance"}, "kind"),
    ({"location": "beijing"}, "location"),
    ({"visibility": "secret"}, "visibility"),
    ({"sectors": ["unknown_sector"]}, "sectors"),
    ({"title_en": "t" * 201}, "title_en"),
    ({"description_zh": "<script>alert('x')</script>"}, "description_zh"),
    ({"description_en": "null\x00byte"}, "description_en"),
    ({"title_zh": 3.14}, "title_zh"),
]


@pytest.mark.parametrize("change, field", BAD_NEEDS)
def test_bad_need_input_is_a_field_error_and_nothing_is_saved(api, enterprise, change, field):
    body = error(api.post("/needs", enterprise, json=need_body(**change)), 400, "validation_error")
    assert field in body["fields"]
    assert count_rows(Need) == 0 and count_rows(StatusChange) == 0


def test_a_deadline_must_be_after_today_in_beijing(api, enterprise):
    # 23:30 on 23 November in Ürümqi is already 24 November in Beijing.
    with time_machine.travel(datetime(2026, 11, 23, 16, 30, tzinfo=timezone.utc), tick=False):
        error(api.post("/needs", enterprise, json=need_body(deadline="2026-11-24")), 400, "validation_error")
        assert ok(api.post("/needs", enterprise, json=need_body(deadline="2026-11-25")), 201)["deadline"] == "2026-11-25"
    assert count_rows(Need) == 1


def test_a_need_whose_deadline_passed_cannot_be_submitted(api, enterprise, make_need):
    with time_machine.travel(NOW, tick=False):
        need = make_need(enterprise, "draft", deadline=NOW.date() + timedelta(days=2))
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        before = snapshot(need)
        body = error(api.post(f"/needs/{need.id}/submit", enterprise), 400, "validation_error")
        assert "deadline" in body["fields"]
        assert snapshot(need) == before
        body = ok(api.patch(f"/needs/{need.id}", enterprise, json={"deadline": "2026-12-31"}))
        assert body["deadline"] == "2026-12-31"
        assert ok(api.post(f"/needs/{need.id}/submit", enterprise))["status"] == "pending_review"


@pytest.mark.parametrize("change, field", BAD_NEEDS[:6])
def test_a_bad_need_edit_changes_nothing(api, enterprise, make_need, change, field):
    need = make_need(enterprise, "open")
    before = snapshot(need)
    assert field in error(api.patch(f"/needs/{need.id}", enterprise, json=change), 400, "validation_error")["fields"]
    assert snapshot(need) == before


def test_the_need_lifecycle_through_the_api(api, enterprise, make_admin, conforms):
    need_id = ok(api.post("/needs", enterprise, json=need_body()), 201)["id"]
    assert ok(api.post(f"/needs/{need_id}/submit", enterprise))["status"] == "pending_review"
    assert ok(api.post(f"/reviews/need/{need_id}", make_admin(), json={"decision": "approve"}))["status"] == "open"
    assert ok(api.post(f"/needs/{need_id}/transition", enterprise, json={"to": "in_talks", "note": "与深圳团队洽谈中"}))[
        "status"] == "in_talks"
    error(api.post(f"/needs/{need_id}/transition", enterprise, json={"to": "in_talks"}), 409, "invalid_transition")
    body = ok(api.post(f"/needs/{need_id}/transition", enterprise, json={"to": "fulfilled"}))
    conforms(body, "Need")
    history = ok(api.get(f"/needs/{need_id}"))["history"]
    assert [h["to"] for h in history] == ["draft", "pending_review", "open", "in_talks", "fulfilled"]
    assert history[3]["note"] == "与深圳团队洽谈中"
    # A fulfilled need is history: it can be neither edited nor deleted.
    error(api.patch(f"/needs/{need_id}", enterprise, json={"title_en": "Again"}), 409, "conflict")
    error(api.delete(f"/needs/{need_id}", enterprise), 409, "conflict")
    error(api.post(f"/needs/{need_id}/transition", enterprise, json={"to": "landed"}), 400, "validation_error")


def test_only_the_owner_changes_a_need(api, enterprise, create_user, make_need):
    need = make_need(enterprise, "open")
    draft = make_need(enterprise, "draft")
    before, before_draft = snapshot(need), snapshot(draft)
    other = create_user(role="enterprise")
    error(api.patch(f"/needs/{need.id}", other, json={"title_en": "Mine"}), 403, "forbidden")
    error(api.post(f"/needs/{need.id}/transition", other, json={"to": "withdrawn"}), 403, "forbidden")
    error(api.delete(f"/needs/{draft.id}", other), 404, "not_found")
    error(api.patch(f"/needs/{need.id}", None, json={"title_en": "Mine"}), 401, "unauthorized")
    assert (snapshot(need), snapshot(draft)) == (before, before_draft)
    response = api.delete(f"/needs/{draft.id}", enterprise)
    assert response.status_code == 204 and reload(draft) is None


def test_a_pending_enterprise_member_cannot_submit_a_need(api, create_user):
    pending = create_user(role="enterprise", approved=False)
    need_id = ok(api.post("/needs", pending, json=need_body()), 201)["id"]
    error(api.post(f"/needs/{need_id}/submit", pending), 403, "forbidden")
    assert db.session.get(Need, need_id).status == "draft"


# --- reviews ---------------------------------------------------------------------------------------------

@pytest.fixture
def pending(center, enterprise, make_project, make_need):
    return {"project": make_project(center, "pending_review"), "need": make_need(enterprise, "pending_review")}


def test_the_review_queue_is_for_admins(api, pending, make_admin, center, create_user, document, conforms):
    body = ok(api.get("/reviews", make_admin()))
    conforms(body, documented(document, "/reviews", "get", 200))
    assert [(i["type"], i["id"]) for i in body["items"]] == [("project", pending["project"].id),
                                                             ("need", pending["need"].id)]
    assert body["total"] == 2
    assert [i["type"] for i in ok(api.get("/reviews?kind=need", make_admin()))["items"]] == ["need"]
    second = ok(api.get("/reviews?per_page=1&page=2", make_admin()))
    assert [(i["type"], i["id"]) for i in second["items"]] == [("need", pending["need"].id)]
    assert second["total"] == 2
    error(api.get("/reviews"), 401, "unauthorized")
    for role in ("center", "enterprise", "mentor"):
        error(api.get("/reviews", create_user(role=role)), 403, "forbidden")


def test_approving_publishes_and_tells_the_owner(api, pending, make_admin, center, outbox, conforms, document):
    project = pending["project"]
    body = ok(api.post(f"/reviews/project/{project.id}", make_admin(), json={"decision": "approve"}))
    conforms(body, documented(document, "/reviews/{kind}/{id}", "post", 200))
    assert body["status"] == "published" and body["published_at"]
    assert project.id in ids(ok(api.get("/projects")))
    assert [n.kind for n in db.session.scalars(select(Notification).where(Notification.user_id == center.id))] == [
        "review_approved"]
    assert [(m.recipient, m.template) for m in outbox()] == [(center.email, "notification")]


@pytest.mark.parametrize("kind", ["project", "need"])
def test_rejecting_needs_a_typed_reason(api, pending, make_admin, kind):
    item = pending[kind]
    admin = make_admin()
    before = snapshot(item)
    body = error(api.post(f"/reviews/{kind}/{item.id}", admin, json={"decision": "reject"}), 400, "validation_error")
    assert "reason" in body["fields"]
    body = error(api.post(f"/reviews/{kind}/{item.id}", admin, json={"decision": "reject", "reason": "spam"}),
                 400, "validation_error")
    assert "reason" in body["fields"]
    body = error(api.post(f"/reviews/{kind}/{item.id}", admin, json={"decision": "reject", "reason": "other"}),
                 400, "validation_error")
    assert "note" in body["fields"]
    assert snapshot(item) == before and count_rows(Notification) == 0
    body = ok(api.post(f"/reviews/{kind}/{item.id}", admin,
                       json={"decision": "reject", "reason": "incomplete", "note": "请补充落地计划。"}))
    assert body["status"] == "rejected"
    history = ok(api.get(f"/{kind}s/{item.id}", reload(item).owner))["history"]
    assert (history[-1]["to"], history[-1]["reason"], history[-1]["note"]) == ("rejected", "incomplete", "请补充落地计划。")
    note = db.session.scalar(select(Notification).where(Notification.user_id == reload(item).owner_id))
    assert (note.kind, note.params["reason_code"]) == ("review_rejected", "incomplete")


@pytest.mark.parametrize("payload, field", [
    ({"decision": "maybe"}, "decision"),
    ({}, "decision"),
    ({"decision": "approve", "note": "<script>x</script>"}, "note"),
    ({"decision": "approve", "note": "x" * 1001}, "note"),
    ({"decision": "approve", "note": "a\x00b"}, "note"),
    ({"decision": "reject", "reason": 3}, "reason"),
])
def test_a_bad_review_is_a_field_error(api, pending, make_admin, payload, field):
    project = pending["project"]
    before = snapshot(project)
    body = error(api.post(f"/reviews/project/{project.id}", make_admin(), json=payload), 400, "validation_error")
    assert field in body["fields"]
    assert snapshot(project) == before


def test_reviews_refuse_non_admins_missing_items_and_wrong_states(api, pending, make_admin, center, create_user,
                                                                  make_project):
    project = pending["project"]
    before = snapshot(project)
    for user in (center, create_user(role="enterprise"), create_user(role="mentor")):
        error(api.post(f"/reviews/project/{project.id}", user, json={"decision": "approve"}), 403, "forbidden")
    error(api.post(f"/reviews/project/{project.id}", None, json={"decision": "approve"}), 401, "unauthorized")
    assert snapshot(project) == before
    admin = make_admin()
    error(api.post("/reviews/event/1", admin, json={"decision": "approve"}), 404, "not_found")
    error(api.post("/reviews/project/999999", admin, json={"decision": "approve"}), 404, "not_found")
    draft = make_project(center, "draft")
    error(api.post(f"/reviews/project/{draft.id}", admin, json={"decision": "approve"}), 404, "not_found")
    published = make_project(center, "published")
    error(api.post(f"/reviews/project/{published.id}", admin, json={"decision": "approve"}), 409, "conflict")
    assert reload(draft).status == "draft" and reload(published).status == "published"


# --- search --------------------------------------------------------------------------------------------------

def test_search_finds_projects_and_needs_in_both_languages(api, catalogue, market, document, conforms):
    body = ok(api.get("/search?q=光伏"))
    conforms(body, documented(document, "/search", "get", 200))
    found = {(i["type"], i["id"]) for i in body["items"]}
    assert found == {("project", catalogue["solar"].id), ("need", market["solar"].id)}
    assert body["total"] == 2 and (body["page"], body["per_page"]) == (1, 20)
    need_hit = next(i for i in body["items"] if i["type"] == "need")
    assert (need_hit["title_zh"], need_hit["title_en"]) == ("光伏组件清洗机器人", "Solar panel cleaning robots")
    assert "<mark>光伏</mark>" in need_hit["snippet"]
    english = ok(api.get("/search?q=membranes"))
    assert [(i["type"], i["id"]) for i in english["items"]] == [("project", catalogue["membrane"].id)]
    assert "<mark>membranes</mark>" in english["items"][0]["snippet"]


def test_search_shows_only_what_the_caller_may_see(api, catalogue, market, create_user, enterprise):
    # "solar"/"irrigation" words are in drafts, pending, rejected and closed items too.
    visible = {(i["type"], i["id"]) for i in ok(api.get("/search?q=solar&per_page=100"))["items"]}
    assert visible == {("project", catalogue["solar"].id), ("need", market["solar"].id)}
    assert ok(api.get("/search?q=储能"))["items"] == []
    assert [i["id"] for i in ok(api.get("/search?q=储能", create_user(role="center")))["items"]] == [
        market["members"].id]
    # Search lists current items only: not even the owner's own drafts, pending or fulfilled needs.
    found = {i["id"] for i in ok(api.get("/search?q=irrigation&per_page=100", enterprise))["items"]}
    assert found == {market[name].id for name in ("irrigation", "members", "anonymous")}


def test_search_escapes_text_and_pages_across_both_kinds(api, center, enterprise, make_project, make_need):
    for n in range(3):
        make_project(center, "published", title_en=f"Hami solar farm {n}", summary_en="Hami solar & storage <3")
        make_need(enterprise, "open", title_en=f"Hami solar cleaning {n}")
    pages = [ok(api.get(f"/search?q=hami&per_page=4&page={p}")) for p in (1, 2)]
    assert [p["total"] for p in pages] == [6, 6]
    assert [len(p["items"]) for p in pages] == [4, 2]
    everything = [(i["type"], i["id"]) for p in pages for i in p["items"]]
    assert len(set(everything)) == 6 and {t for t, _ in everything} == {"project", "need"}
    project_hit = next(i for p in pages for i in p["items"] if i["type"] == "project")
    assert "&amp; storage &lt;3" in project_hit["snippet"] and "<mark>Hami</mark>" in project_hit["snippet"]


@pytest.mark.parametrize("query, status, field", [
    ("", 400, "q"),
    ("?q=", 400, "q"),
    ("?q=%20%20", 400, "q"),
    ("?q=a%08b", 400, "q"),
    ("?q=solar&per_page=500", 400, "per_page"),
])
def test_search_refuses_bad_queries(api, query, status, field):
    assert field in error(api.get(f"/search{query}"), status, "validation_error")["fields"]


def test_a_query_of_punctuation_finds_nothing(api, catalogue):
    assert ok(api.get("/search?q=%21%21%3F"))["items"] == []
    assert ok(api.get("/search?q=%21%21%3F"))["total"] == 0


def test_every_content_route_is_in_the_openapi_document(document):
    paths = document["paths"]
    for path, methods in {"/projects": {"get", "post"}, "/projects/{id}": {"get", "patch", "delete"},
                          "/projects/{id}/submit": {"post"}, "/projects/{id}/transition": {"post"},
                          "/needs": {"get", "post"}, "/needs/{id}": {"get", "patch", "delete"},
                          "/needs/{id}/submit": {"post"}, "/needs/{id}/transition": {"post"},
                          "/reviews": {"get"}, "/reviews/{kind}/{id}": {"post"}, "/search": {"get"}}.items():
        assert methods <= set(paths[path]), path
