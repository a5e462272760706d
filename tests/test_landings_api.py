"""The landing API: POST /projects/<id>/transition {"to": "landed", "landing": {…}},
PATCH /projects/<id>/landing, POST /projects/<id>/landing/confirm and …/question, and the
landing in the project's JSON detail, against the OpenAPI document."""
from __future__ import annotations

from datetime import date

import jsonschema
import pytest
from flask_babel import force_locale
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select

from collab.extensions import db
from collab.notifications.models import Notification
from collab.projects import landing as landings
from collab.projects.models import Landing
from conftest import count_rows
from content_factories import reload

TODAY = date(2026, 12, 1)


@pytest.fixture
def world(frozen, create_org, create_user, make_project, make_admin, api_token):
    base = create_org(kind="xinjiang_base", key="hami-base", name_en="Hami High-tech Zone")
    other_base = create_org(kind="xinjiang_base")
    people = {
        "owner": create_user(role="center"),
        "other_center": create_user(role="center"),
        "base_admin": create_user(role="admin", org=base, locale="zh"),
        "other_base_admin": create_user(role="admin", org=other_base),
        "network_admin": make_admin(),
    }
    project = make_project(people["owner"], "in_incubation")
    tokens = {name: api_token(user) for name, user in people.items()}
    tokens["visitor"] = {}
    return {"base": base, "project": project, "tokens": tokens, **people}


@pytest.fixture
def conforms(client):
    document = client.get("/api/v1/openapi.json").get_json()
    registry = Registry().with_resource("urn:collab-api", Resource.from_contents(
        document, default_specification=DRAFT202012))

    def check(body, name: str):
        jsonschema.Draft202012Validator({"$ref": f"urn:collab-api#/components/schemas/{name}"}, registry=registry,
                                        format_checker=jsonschema.FormatChecker()).validate(body)

    return check


def landing(world, **fields) -> dict:
    data = {"city": "hami", "base_id": world["base"].id, "landed_on": TODAY.isoformat(),
            "company_name": "哈密钙钛矿光伏科技有限公司", "investment_cny": 20_000_000, "jobs": 45}
    data.update(fields)
    return data


def land(client, world, who="owner", **fields):
    return client.post(f"/api/v1/projects/{world['project'].id}/transition", headers=world["tokens"][who],
                       json={"to": "landed", "note": "Plant opened", "landing": landing(world, **fields)})


def test_landing_through_the_transition(world, client, conforms):
    response = land(client, world)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "landed"
    detail = client.get(f"/api/v1/projects/{world['project'].id}").get_json()
    conforms(detail, "ProjectDetail")
    assert detail["landing"]["status"] == "pending" and detail["landing"]["city"] == "hami"
    assert detail["landing"]["base"]["id"] == world["base"].id
    assert detail["landing"]["via_id"] == world["owner"].organisation_id
    assert detail["history"][-1]["note"] == "Plant opened"
    conforms(detail["landing"], "Landing")


def test_a_project_without_landing_has_null(world, client, conforms):
    detail = client.get(f"/api/v1/projects/{world['project'].id}").get_json()
    assert detail["landing"] is None
    conforms(detail, "ProjectDetail")


@pytest.mark.parametrize("body", [{"to": "landed"}, {"to": "landed", "landing": None},
                                  {"to": "landed", "landing": "hami"}, {"to": "landed", "landing": []}])
def test_landed_without_a_landing_record_is_a_400(world, client, body):
    response = client.post(f"/api/v1/projects/{world['project'].id}/transition", headers=world["tokens"]["owner"],
                           json=body)
    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) == {"landing"}
    assert reload(world["project"]).status == "in_incubation" and count_rows(Landing) == 0


@pytest.mark.parametrize("field, value", [
    ("city", None), ("city", "paris"), ("base_id", None), ("base_id", "x"), ("base_id", 10**20),
    ("landed_on", None), ("landed_on", "2026-12-02"), ("landed_on", "2026-11-30"), ("landed_on", "12/01/2026"),
    ("company_name", None), ("company_name", ""), ("company_name", "c" * 201),
    ("investment_cny", None), ("investment_cny", -1), ("investment_cny", "ten"), ("investment_cny", 10**14),
    ("jobs", None), ("jobs", -1), ("jobs", "5 people"), ("jobs", 10**7), ("jobs", 2.5),
])
def test_bad_landing_fields_are_named_and_nothing_is_saved(world, client, field, value):
    body = landing(world, **{field: value})
    if value is None:
        del body[field]
    response = client.post(f"/api/v1/projects/{world['project'].id}/transition",
                           headers={**world["tokens"]["owner"], "Accept-Language": "zh-CN"},
                           json={"to": "landed", "landing": body})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and set(error["fields"]) == {f"landing.{field}"}
    with pytest.raises(Exception) as refusal:
        landings.clean_landing(world["project"], body)
    with force_locale("zh_Hans"):
        assert error["fields"][f"landing.{field}"] == [str(m) for m in refusal.value.fields[field]]
    assert reload(world["project"]).status == "in_incubation" and count_rows(Landing) == 0


def test_a_base_that_is_not_a_xinjiang_base_is_refused(world, client, create_org):
    incubator = create_org(kind="offshore_incubator")
    response = land(client, world, base_id=incubator.id)
    assert response.status_code == 400 and set(response.get_json()["error"]["fields"]) == {"landing.base_id"}
    assert count_rows(Landing) == 0


@pytest.mark.parametrize("who, status", [("owner", 200), ("network_admin", 200), ("other_center", 403),
                                         ("visitor", 401)])
def test_who_lands_a_project(world, client, who, status):
    assert land(client, world, who).status_code == status
    assert count_rows(Landing) == (1 if status == 200 else 0)


def test_landing_from_the_wrong_status_is_a_409(world, client, make_project):
    world["project"] = make_project(world["owner"], "draft")
    assert land(client, world).status_code == 409
    assert count_rows(Landing) == 0


def _answer(client, world, who, decision, note=None):
    body = {"note": note} if note is not None else None
    return client.post(f"/api/v1/projects/{world['project'].id}/landing/{decision}", headers=world["tokens"][who],
                       json=body)


@pytest.mark.parametrize("who, status", [("base_admin", 200), ("network_admin", 200), ("other_base_admin", 403),
                                         ("owner", 403), ("other_center", 403), ("visitor", 401)])
def test_who_confirms(world, client, conforms, who, status):
    land(client, world)
    response = _answer(client, world, who, "confirm")
    assert response.status_code == status
    stored = db.session.scalar(select(Landing))
    db.session.refresh(stored)
    assert stored.status == ("confirmed" if status == 200 else "pending")
    if status == 200:
        conforms(response.get_json(), "Landing")
        assert response.get_json()["status"] == "confirmed"


def test_question_then_correct_then_confirm(world, client):
    land(client, world)
    missing = _answer(client, world, "base_admin", "question")
    assert missing.status_code == 400 and set(missing.get_json()["error"]["fields"]) == {"note"}
    questioned = _answer(client, world, "base_admin", "question", "公司名称与营业执照不符")
    assert questioned.status_code == 200 and questioned.get_json()["review_note"] == "公司名称与营业执照不符"
    again = _answer(client, world, "base_admin", "question", "again")
    assert again.status_code == 409
    owner = world["owner"]
    notes = list(db.session.scalars(select(Notification).where(Notification.user_id == owner.id,
                                                                 Notification.kind == "landing_questioned")))
    assert len(notes) == 1
    url = f"/api/v1/projects/{world['project'].id}/landing"
    bad = client.patch(url, headers=world["tokens"]["owner"], json={"jobs": -1})
    assert bad.status_code == 400 and set(bad.get_json()["error"]["fields"]) == {"jobs"}
    assert client.patch(url, headers=world["tokens"]["other_center"], json={"jobs": 3}).status_code == 403
    fixed = client.patch(url, headers=world["tokens"]["owner"], json={"company_name": "哈密光伏有限公司"})
    assert fixed.status_code == 200 and fixed.get_json()["status"] == "pending"
    assert fixed.get_json()["company_name"] == "哈密光伏有限公司" and fixed.get_json()["jobs"] == 45
    assert _answer(client, world, "base_admin", "confirm", "OK").status_code == 200
    assert client.patch(url, headers=world["tokens"]["owner"], json={"jobs": 3}).status_code == 409


def test_landing_operations_on_a_project_without_landing_are_404(world, client):
    pid = world["project"].id
    assert client.post(f"/api/v1/projects/{pid}/landing/confirm", headers=world["tokens"]["base_admin"]).status_code == 404
    assert client.patch(f"/api/v1/projects/{pid}/landing", headers=world["tokens"]["owner"], json={}).status_code == 404
    assert client.post("/api/v1/projects/999999/landing/confirm", headers=world["tokens"]["base_admin"]).status_code == 404
