"""The JSON API base: tokens, the caller, sectors, organisations, errors and the OpenAPI
document (docs/API.md is the contract)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import jsonschema
import pytest
import time_machine
from flask_babel import force_locale
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select

from collab.api.errors import MESSAGES
from collab.auth.models import ApiToken
from collab.extensions import db

from conftest import PASSWORD, count_rows

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)


# --- helpers -------------------------------------------------------------------------

@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


@pytest.fixture
def conforms(document):
    """conforms(body, "Schema") validates a response body against a component schema,
    or conforms(body, schema_dict) against an inline schema using the components."""
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:collab-api", resource)

    def check(body, schema):
        if isinstance(schema, str):
            schema = {"$ref": f"urn:collab-api#/components/schemas/{schema}"}
        else:
            schema = _rebase(schema)
        jsonschema.Draft202012Validator(schema, registry=registry,
                                        format_checker=jsonschema.FormatChecker()).validate(body)

    return check


def _rebase(node):
    """Point the document's local $refs at the registered document."""
    if isinstance(node, dict):
        return {k: (f"urn:collab-api{v}" if k == "$ref" and v.startswith("#") else _rebase(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_rebase(v) for v in node]
    return node


def response_schema(document, path: str, method: str, status: int) -> dict:
    return document["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"]


def get_token(client, user, password=PASSWORD) -> str:
    response = client.post("/api/v1/tokens", json={"email": user.email, "password": password})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, response.data[:300])
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert set(body["error"]) <= {"code", "message", "fields"}
    return body["error"]


def catalog(message, locale: str) -> str:
    with force_locale(locale):
        return str(message)


# --- tokens ------------------------------------------------------------------------------

def test_log_in_gives_a_token_that_expires_in_utc(client, create_user, document, conforms):
    user = create_user(role="center")
    with time_machine.travel(NOW, tick=False):
        response = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD, "label": "crm"})
    assert response.status_code == 201
    body = response.get_json()
    conforms(body, response_schema(document, "/tokens", "post", 201))
    assert body["expires_at"] == "2026-12-23T08:00:00Z"  # API_TOKEN_LIFETIME is 30 days
    record = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert record.label == "crm"
    assert record.token_hash == ApiToken.hash(body["token"]) and body["token"] not in record.token_hash
    assert "Set-Cookie" not in response.headers


def test_log_in_accepts_the_email_in_any_case(client, create_user):
    create_user(role="center", email="aynur@example.test")
    response = client.post("/api/v1/tokens", json={"email": "  AYNUR@example.TEST ", "password": PASSWORD})
    assert response.status_code == 201


@pytest.mark.parametrize("payload, missing", [
    ({}, {"email", "password"}),
    ({"email": "a@example.test"}, {"password"}),
    ({"password": PASSWORD}, {"email"}),
    ({"email": "", "password": ""}, {"email", "password"}),
    ({"email": 7, "password": ["x"]}, {"email", "password"}),
])
def test_log_in_without_email_or_password_is_a_validation_error(client, document, conforms, payload, missing):
    before = count_rows(ApiToken)
    response = client.post("/api/v1/tokens", json=payload)
    error = assert_error(response, 400, "validation_error")
    assert set(error["fields"]) == missing
    conforms(response.get_json(), "Error")
    assert count_rows(ApiToken) == before


@pytest.mark.parametrize("body, content_type", [("not json", "application/json"), ("[1, 2]", "application/json"),
                                                ("email=a&password=b", "application/x-www-form-urlencoded")])
def test_log_in_with_a_body_that_is_no_json_object_is_a_bad_request(client, body, content_type):
    assert_error(client.post("/api/v1/tokens", data=body, content_type=content_type), 400, "bad_request")


def test_wrong_password_and_unknown_email_are_the_same_401(client, create_user):
    user = create_user(role="center")
    wrong = assert_error(client.post("/api/v1/tokens", json={"email": user.email, "password": "nope-nope"}),
                         401, "invalid_credentials")
    unknown = assert_error(client.post("/api/v1/tokens", json={"email": "ghost@example.test", "password": PASSWORD}),
                           401, "invalid_credentials")
    assert wrong == unknown
    assert count_rows(ApiToken) == 0


def test_a_disabled_user_gets_no_token(client, create_user):
    user = create_user(role="center")
    user.is_enabled = False
    db.session.commit()
    assert_error(client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD}),
                 401, "invalid_credentials")
    assert count_rows(ApiToken) == 0


def test_token_requests_are_rate_limited(app, client, create_user):
    user = create_user(role="center")
    statuses = [client.post("/api/v1/tokens", json={"email": user.email, "password": "wrong-pass"}).status_code
                for _ in range(11)]
    assert statuses[:10] == [401] * 10
    error = assert_error(client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD}),
                         429, "rate_limited")
    assert error["message"]


# --- the caller ---------------------------------------------------------------------------

def test_me_needs_a_token(client):
    response = client.get("/api/v1/me")
    assert_error(response, 401, "unauthorized")


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Bearer not-a-token", "Basic dXNlcjpwYXNz", "token abc"])
def test_me_refuses_a_bad_authorization_header(client, header):
    assert_error(client.get("/api/v1/me", headers={"Authorization": header}), 401, "unauthorized")


def test_me_describes_the_caller(client, create_user, document, conforms):
    user = create_user(role="enterprise", locale="zh", timezone="Asia/Urumqi", display_name="阿依努尔")
    response = client.get("/api/v1/me", headers=bearer(get_token(client, user)))
    assert response.status_code == 200
    body = response.get_json()
    conforms(body, response_schema(document, "/me", "get", 200))
    conforms(body, "Me")
    assert body["id"] == user.id and body["email"] == user.email
    assert body["roles"] == ["enterprise"]
    assert (body["locale"], body["timezone"]) == ("zh", "Asia/Urumqi")
    assert body["organisation"] == {"id": user.organisation.id, "key": user.organisation.key,
                                    "name_zh": user.organisation.name_zh, "name_en": user.organisation.name_en}
    assert body["membership_status"] == "approved" and body["can_publish"] is True
    assert "mentor_id" in body


def test_me_of_a_pending_member_cannot_publish(client, create_user, conforms):
    user = create_user(role="enterprise", approved=False)
    body = client.get("/api/v1/me", headers=bearer(get_token(client, user))).get_json()
    conforms(body, "Me")
    assert (body["membership_status"], body["can_publish"]) == ("pending", False)


def test_me_of_a_mentor_without_organisation(client, create_user, conforms):
    user = create_user(role="mentor")
    body = client.get("/api/v1/me", headers=bearer(get_token(client, user))).get_json()
    conforms(body, "Me")
    assert body["organisation"] is None and body["membership_status"] == "none"


def test_a_revoked_token_is_refused(client, create_user):
    user = create_user(role="center")
    token = get_token(client, user)
    record = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(token)))
    record.revoked_at = NOW
    db.session.commit()
    assert_error(client.get("/api/v1/me", headers=bearer(token)), 401, "unauthorized")


def test_a_token_stops_working_when_it_expires(client, create_user):
    user = create_user(role="center")
    with time_machine.travel(NOW, tick=False):
        token = get_token(client, user)
    with time_machine.travel(NOW + timedelta(days=30) - timedelta(seconds=1), tick=False):
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    with time_machine.travel(NOW + timedelta(days=30), tick=False):
        assert_error(client.get("/api/v1/me", headers=bearer(token)), 401, "unauthorized")


def test_a_token_of_a_disabled_user_is_refused(client, create_user):
    user = create_user(role="center")
    token = get_token(client, user)
    user.is_enabled = False
    db.session.commit()
    assert_error(client.get("/api/v1/me", headers=bearer(token)), 401, "unauthorized")


def test_a_request_is_one_unit_of_work_and_a_read_writes_nothing(client, create_user):
    """A read with a token stays a read (SQLite's readers never queue behind writers); a
    refused write keeps nothing; a write that succeeds commits, with the token's use."""
    user = create_user(role="mentor")
    token = get_token(client, user)

    def last_used():
        db.session.expire_all()
        return db.session.scalar(select(ApiToken.last_used_at).where(ApiToken.token_hash == ApiToken.hash(token)))

    with time_machine.travel(NOW, tick=False):
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
        assert last_used() is None
        refused = client.put("/api/v1/mentors/me/availability", json={"colour": "blue"}, headers=bearer(token))
        assert_error(refused, 400, "validation_error")
        assert last_used() is None
        saved = client.put("/api/v1/mentors/me/availability", json={"session_minutes": 30}, headers=bearer(token))
        assert saved.status_code == 200, saved.get_json()
    assert last_used() == NOW
    db.session.remove()
    assert client.get("/api/v1/mentors/me/availability", headers=bearer(token)).get_json()["session_minutes"] == 30


def test_a_browser_session_cookie_grants_nothing_in_the_api(client, create_user, login):
    login(create_user(role="admin"))
    assert client.get("/en/admin/").status_code == 200
    assert_error(client.get("/api/v1/me"), 401, "unauthorized")


# --- sectors -----------------------------------------------------------------------------------

def test_sectors_are_the_bilingual_taxonomy(client, document, conforms):
    response = client.get("/api/v1/sectors")
    assert response.status_code == 200
    body = response.get_json()
    conforms(body, response_schema(document, "/sectors", "get", 200))
    assert body["total"] == len(body["items"]) == 12
    codes = [item["code"] for item in body["items"]]
    assert len(set(codes)) == 12
    for item in body["items"]:
        assert item["name_zh"] and item["name_en"]
        assert re.search(r"[\u4e00-\u9fff]", item["name_zh"])
        assert item["name_en"].isascii()
        assert item["keywords_zh"] and item["keywords_en"]


# --- organisations ----------------------------------------------------------------------------------

def org_keys(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["key"] for item in response.get_json()["items"]]


def test_organisations_list_the_approved_network(client, document, conforms):
    response = client.get("/api/v1/organisations")
    body = response.get_json()
    conforms(body, response_schema(document, "/organisations", "get", 200))
    assert (body["page"], body["per_page"], body["total"]) == (1, 20, 16)
    assert len(body["items"]) == 16
    shenzhen = next(item for item in body["items"] if item["key"] == "shenzhen-offshore")
    assert shenzhen["name_zh"] == "深圳离岸创新中心"
    assert shenzhen["facts"]["investment_cny"] == 5000000
    assert shenzhen["kind"] == "offshore_incubator" and shenzhen["country"] == "CN"


@pytest.mark.parametrize("query, expected", [
    ("kind=offshore_incubator", {"dalian-offshore", "shanghai-offshore", "shenzhen-offshore", "weplus-guangzhou"}),
    ("city=Kashgar", {"changjiang-kashgar-fund", "kashgar-edz", "kashgar-university", "shenzhen-kashgar-center"}),
    ("city=%E5%96%80%E4%BB%80", {"changjiang-kashgar-fund", "kashgar-edz", "kashgar-university",
                                 "shenzhen-kashgar-center"}),  # 喀什
    ("city=%C3%9Cr%C3%BCmqi", {"dabancheng", "tech-transfer-xj", "urumqi-hitech", "xju-it-park"}),  # Ürümqi
    ("country=UZ", {"tashkent-offshore"}),
    ("country=kg", {"kyrgyzstan-station"}),
    ("kind=university&city=Kashgar", {"kashgar-university"}),
    ("q=%E7%A6%BB%E5%B2%B8", {"shenzhen-offshore", "dalian-offshore", "shanghai-offshore",
                              "tashkent-offshore", "weplus-guangzhou"}),  # 离岸
    ("q=offshore+shanghai", {"shanghai-offshore"}),
    ("country=FR", set()),
])
def test_organisations_filter(client, query, expected):
    assert set(org_keys(client.get(f"/api/v1/organisations?{query}"))) == expected


def test_organisations_paginate(client, create_org, document, conforms):
    for _ in range(9):
        create_org(kind="investor")
    first = client.get("/api/v1/organisations?per_page=10").get_json()
    third = client.get("/api/v1/organisations?per_page=10&page=3").get_json()
    beyond = client.get("/api/v1/organisations?per_page=10&page=4").get_json()
    for body in (first, third, beyond):
        conforms(body, response_schema(document, "/organisations", "get", 200))
    assert (first["page"], first["per_page"], first["total"], len(first["items"])) == (1, 10, 25, 10)
    assert (third["page"], len(third["items"])) == (3, 5)
    assert beyond["items"] == [] and beyond["total"] == 25
    everything = client.get("/api/v1/organisations?per_page=100").get_json()
    assert len(everything["items"]) == 25
    pages = [client.get(f"/api/v1/organisations?per_page=10&page={n}").get_json()["items"] for n in (1, 2, 3)]
    assert sorted(item["id"] for page in pages for item in page) == sorted(i["id"] for i in everything["items"])


@pytest.mark.parametrize("query, field", [("per_page=101", "per_page"), ("per_page=0", "per_page"),
                                          ("page=0", "page"), ("page=-1", "page"), ("page=abc", "page"),
                                          ("per_page=ten", "per_page"), ("kind=spaceport", "kind")])
def test_bad_list_parameters_are_validation_errors(client, conforms, query, field):
    response = client.get(f"/api/v1/organisations?{query}")
    error = assert_error(response, 400, "validation_error")
    assert list(error["fields"]) == [field]  # only the parameter that is wrong
    conforms(response.get_json(), "Error")


@pytest.mark.parametrize("status", ["proposed", "rejected"])
def test_unapproved_organisations_are_invisible(client, create_org, status):
    org = create_org(status=status, key="hidden-org")
    assert "hidden-org" not in org_keys(client.get("/api/v1/organisations?per_page=100"))
    assert_error(client.get(f"/api/v1/organisations/{org.id}"), 404, "not_found")


def test_one_organisation(client, document, conforms):
    listed = client.get("/api/v1/organisations?kind=offshore_incubator").get_json()["items"][0]
    response = client.get(f"/api/v1/organisations/{listed['id']}")
    assert response.status_code == 200
    conforms(response.get_json(), response_schema(document, "/organisations/{id}", "get", 200))
    assert response.get_json() == listed


def test_an_organisation_reporting_ranges_conforms(client, conforms):
    body = client.get("/api/v1/organisations?city=Guangzhou").get_json()
    [weplus] = body["items"]
    assert weplus["facts"]["target_resident_companies"] == "20-30"
    conforms(weplus, "Organisation")


@pytest.mark.parametrize("path", ["/api/v1/organisations/999999", "/api/v1/organisations/abc"])
def test_unknown_organisation_is_404(client, path):
    assert_error(client.get(path), 404, "not_found")


# --- errors --------------------------------------------------------------------------------------

@pytest.mark.parametrize("method, path, status, code", [
    ("GET", "/api/v1/nothing-here", 404, "not_found"),
    ("GET", "/api/v2/organisations", 404, "not_found"),
    ("DELETE", "/api/v1/sectors", 405, "method_not_allowed"),
    ("GET", "/api/v1/tokens", 405, "method_not_allowed"),
    ("PUT", "/api/v1/organisations/1", 405, "method_not_allowed"),
])
def test_unknown_api_paths_and_methods_answer_in_json(client, conforms, method, path, status, code):
    response = client.open(path, method=method)
    assert_error(response, status, code)
    conforms(response.get_json(), "Error")
    if status == 405:
        assert "GET" in response.headers["Allow"] or "POST" in response.headers["Allow"]


@pytest.mark.parametrize("accept, locale", [("zh-CN,zh;q=0.9", "zh_Hans"), ("en-US,en;q=0.8", "en"),
                                            ("zh", "zh_Hans"), ("en", "en")])
def test_error_messages_follow_accept_language(client, accept, locale):
    error = assert_error(client.get("/api/v1/organisations/999999", headers={"Accept-Language": accept}),
                         404, "not_found")
    assert error["message"] == catalog(MESSAGES["not_found"], locale)


def test_chinese_and_english_error_messages_differ_once_translated(client, create_user):
    user = create_user(role="center")
    messages = {}
    for accept in ("zh-CN", "en"):
        response = client.post("/api/v1/tokens", json={"email": user.email, "password": "wrong-pass"},
                               headers={"Accept-Language": accept})
        messages[accept] = assert_error(response, 401, "invalid_credentials")["message"]
    assert messages["en"] == "The e-mail or password is not right."
    zh_catalog = catalog(MESSAGES["invalid_credentials"], "zh_Hans")
    assert messages["zh-CN"] == zh_catalog
    if zh_catalog != messages["en"]:
        assert re.search(r"[\u4e00-\u9fff]", messages["zh-CN"])


def test_validation_field_messages_follow_accept_language(client):
    en = assert_error(client.post("/api/v1/tokens", json={}, headers={"Accept-Language": "en"}),
                      400, "validation_error")
    zh = assert_error(client.post("/api/v1/tokens", json={}, headers={"Accept-Language": "zh-CN"}),
                      400, "validation_error")
    assert en["fields"]["email"] == ["This field is required."]
    with force_locale("zh_Hans"):
        from flask_babel import gettext
        assert zh["fields"]["email"] == [gettext("This field is required.")]


def test_a_page_visited_in_english_does_not_set_the_api_language(client):
    """The API follows Accept-Language, not the language of the last web page."""
    client.get("/en/organisations/")
    error = assert_error(client.get("/api/v1/organisations/999999", headers={"Accept-Language": "zh-CN"}),
                         404, "not_found")
    assert error["message"] == catalog(MESSAGES["not_found"], "zh_Hans")


# --- the OpenAPI document ---------------------------------------------------------------------------

def test_openapi_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    try:
        validate(document)
    except OpenAPIValidationError as error:  # pragma: no cover - the message is the point
        pytest.fail(f"invalid OpenAPI document: {error}")


def _rule_template(rule: str) -> str:
    return re.sub(r"<(?:[^<>:]+:)?[^<>]+>", "{}", rule)


def _doc_template(path: str) -> str:
    return re.sub(r"\{[^{}]+\}", "{}", path)


def test_openapi_documents_every_api_route(app, document):
    base = document["servers"][0]["url"]
    documented = {(_doc_template(path), method.upper())
                  for path, operations in document["paths"].items() for method in operations
                  if method in ("get", "post", "put", "patch", "delete")}
    routes = {(_rule_template(rule.rule[len(base):]), method)
              for rule in app.url_map.iter_rules() if rule.rule.startswith(base + "/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    undocumented = sorted(routes - documented)
    assert not undocumented, f"API routes missing from collab/api/openapi.py: {undocumented}"
    stale = sorted(documented - routes)
    assert not stale, f"documented in collab/api/openapi.py but not served: {stale}"


def test_openapi_operations_have_ids_and_error_schemas(document):
    operation_ids = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            operation_ids.append(operation.get("operationId"))
            assert operation.get("summary"), (path, method)
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (path, method, status)
    assert None not in operation_ids
    assert len(operation_ids) == len(set(operation_ids))


def test_openapi_is_public_json_without_a_session(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "Set-Cookie" not in response.headers
