"""The reports API: indicators and targets, an organisation's reports, create / read /
edit / submit / review / revise / export, and the annual evaluation — role matrices with
nothing changed on refusal, validation errors per indicator code, conflicts, bounds."""
from __future__ import annotations

import csv
import io

import pytest

from collab.extensions import db

from conftest import count_rows

ROLES = ("member", "other_member", "base_admin", "other_base_admin", "network_admin", "enterprise", "visitor")


@pytest.fixture
def api(network, frozen, api_token, client):
    """``call(role, method, url, json=None)`` as that person (visitor: no token)."""
    tokens = {}

    def call(role, method, url, json=None, headers=None):
        user = network.people[role]
        sent = dict(headers or {})
        if user is not None:
            if role not in tokens:
                tokens[role] = api_token(user)
            sent.update(tokens[role])
        return client.open(f"/api/v1{url}", method=method, json=json, headers=sent)

    network.call = call
    return network


def _counts():
    from collab.content.models import StatusChange
    from collab.reports.models import Report

    return count_rows(Report), count_rows(StatusChange)


def _reload(report):
    from collab.reports.models import Report

    db.session.expire_all()
    return db.session.get(Report, report.id)


def test_indicators_and_targets_for_anyone(api):
    response = api.call("visitor", "GET", "/indicators")
    assert response.status_code == 200
    data = response.get_json()
    codes = {i["code"]: i for i in data["indicators"]}
    assert codes["new_revenue_cny"] == {"code": "new_revenue_cny", "level": "incubator", "unit": "cny",
                                        "zh": "新增销售收入（元）", "en": "New sales revenue (CNY)"}
    kashgar = [t for t in data["targets"] if t["organisation"]["key"] == "kashgar-edz"]
    floor = next(t for t in kashgar if t["code"] == "floor_area_m2")
    assert (floor["period"], floor["baseline"], floor["target"], floor["cumulative"]) == ("2021-2023", 24000, 30000,
                                                                                         False)
    assert floor["source"] and isinstance(floor["organisation"]["id"], int)
    assert any(t["organisation"]["key"] == "dabancheng" and t["period"] == "2023-2025" for t in data["targets"])


@pytest.mark.parametrize("role, status", [
    ("member", 200), ("other_member", 403), ("base_admin", 200), ("other_base_admin", 200),
    ("network_admin", 200), ("enterprise", 403), ("visitor", 401),
])
def test_listing_an_organisations_reports(api, make_report, role, status):
    report = make_report(api.incubator, api.member, "2025")
    response = api.call(role, "GET", f"/organisations/{api.incubator.id}/reports")
    assert response.status_code == status
    if status == 200:
        data = response.get_json()
        assert data["total"] == 1 and data["items"][0]["id"] == report.id
        assert data["items"][0]["organisation"]["key"] == api.incubator.key
    assert api.call("network_admin", "GET", "/organisations/2147483646/reports").status_code == 404
    assert api.call("network_admin", "GET", "/organisations/99999999999999999/reports").status_code == 404


@pytest.mark.parametrize("role, status", [
    ("member", 201), ("other_member", 403), ("base_admin", 201), ("other_base_admin", 403),
    ("network_admin", 201), ("enterprise", 403), ("visitor", 401),
])
def test_creating_a_report_by_role(api, role, status, monkeypatch):
    from collab.reports import figures

    monkeypatch.setattr(figures, "prefill", lambda org, period: {"mentors": {"value": 4, "source": "active_mentors"}})
    before = _counts()
    response = api.call(role, "POST", f"/organisations/{api.incubator.id}/reports", json={
        "period": "2026-Q3", "values": {"new_jobs": 12, "new_revenue_cny": 1500},
        "units": {"new_revenue_cny": "10k_cny"}})
    assert response.status_code == status, response.get_json()
    if status != 201:
        assert _counts() == before
        return
    data = response.get_json()
    assert (data["status"], data["period"], data["year"], data["quarter"], data["version"]) == (
        "draft", "2026-Q3", 2026, 3, 1)
    assert data["values"] == {"mentors": 4, "new_jobs": 12, "new_revenue_cny": 15_000_000}
    assert data["prefilled"] == {"mentors": {"value": 4, "source": "active_mentors"}}
    assert data["organisation"] == {"id": api.incubator.id, "key": api.incubator.key,
                                    "name_zh": api.incubator.name_zh, "name_en": api.incubator.name_en}
    assert data["locked"] is False and data["previous_id"] is None and data["superseded_at"] is None
    assert [h["to"] for h in data["history"]] == ["draft"]


@pytest.mark.parametrize("body, field", [
    ({"period": "2025", "values": {"new_jobs": -1}}, "new_jobs"),
    ({"period": "2025", "values": {"new_jobs": "many"}}, "new_jobs"),
    ({"period": "2025", "values": {"unknown_code": 1}}, "unknown_code"),
    ({"period": "2025", "values": {"new_revenue_cny": 1}, "units": {"new_revenue_cny": "usd"}}, "new_revenue_cny"),
    ({"period": "2027", "values": {}}, "period"),  # next year: not begun
    ({"period": "2026-Q9", "values": {}}, "period"),
    ({"period": "1999", "values": {}}, "period"),
    ({"period": 2025, "values": {}}, "period"),
    ({"values": {}}, "period"),
    ({"period": "2025", "values": [1, 2]}, "values"),
    ({"period": "2025", "values": {}, "units": "cny"}, "units"),
])
def test_bad_input_is_a_validation_error_per_field_and_saves_nothing(api, body, field):
    before = _counts()
    response = api.call("member", "POST", f"/organisations/{api.incubator.id}/reports", json=body,
                        headers={"Accept-Language": "zh"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and field in error["fields"]
    assert _counts() == before


def test_errors_follow_accept_language(api):
    from flask import current_app
    from flask_babel import force_locale, gettext

    from collab.auth.tokens import issue_token

    token, _record = issue_token(api.member, label="zh")
    db.session.commit()
    response = api.call("visitor", "POST", f"/organisations/{api.incubator.id}/reports",
                        json={"period": "2025", "values": {"new_jobs": -1}},
                        headers={"Authorization": f"Bearer {token}", "Accept-Language": "zh"})
    assert response.status_code == 400
    with current_app.test_request_context("/zh/"), force_locale("zh_Hans"):
        expected = gettext("A figure cannot be negative.")
    assert response.get_json()["error"]["fields"]["new_jobs"] == [expected]


def test_a_second_open_report_is_a_conflict(api, make_report):
    make_report(api.incubator, api.member, "2025")
    before = _counts()
    response = api.call("member", "POST", f"/organisations/{api.incubator.id}/reports",
                        json={"period": "2025", "values": {}})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "conflict"
    assert _counts() == before


@pytest.mark.parametrize("role, status", [
    ("member", 200), ("other_member", 404), ("base_admin", 200), ("other_base_admin", 200),
    ("network_admin", 200), ("enterprise", 404), ("visitor", 401),
])
def test_reading_a_report_by_role(api, make_report, role, status):
    report = make_report(api.incubator, api.member, "2025")
    assert api.call(role, "GET", f"/reports/{report.id}").status_code == status
    export = api.call(role, "GET", f"/reports/{report.id}/export?format=csv")
    assert export.status_code == status
    if status == 200:
        assert export.data.startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize("role, status", [
    ("member", 200), ("other_member", 404), ("base_admin", 200), ("other_base_admin", 403),
    ("network_admin", 200), ("enterprise", 404), ("visitor", 401),
])
def test_editing_and_submitting_by_role(api, make_report, role, status):
    report = make_report(api.incubator, api.member, "2025")
    before = _counts()
    response = api.call(role, "PATCH", f"/reports/{report.id}", json={"values": {"new_jobs": 30, "mentors": None}})
    assert response.status_code == status
    if status != 200:
        assert _counts() == before and _reload(report).values["new_jobs"] == 12
        assert api.call(role, "POST", f"/reports/{report.id}/submit").status_code == status
        assert _reload(report).status == "draft"
        return
    assert response.get_json()["values"]["new_jobs"] == 30
    response = api.call(role, "POST", f"/reports/{report.id}/submit")
    assert response.status_code == 200 and response.get_json()["status"] == "submitted"
    assert response.get_json()["locked"] is True
    # Locked: editing is a conflict, and changes nothing.
    response = api.call(role, "PATCH", f"/reports/{report.id}", json={"values": {"new_jobs": 31}})
    assert response.status_code == 409
    assert _reload(report).values["new_jobs"] == 30


def test_patch_validation_saves_nothing(api, make_report):
    report = make_report(api.incubator, api.member, "2025")
    response = api.call("member", "PATCH", f"/reports/{report.id}",
                        json={"values": {"new_jobs": 5, "mentors": -2, "nope": 1}})
    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) == {"mentors", "nope"}
    assert _reload(report).values["new_jobs"] == 12


@pytest.mark.parametrize("role, status", [
    ("member", 403), ("other_member", 404), ("base_admin", 200), ("other_base_admin", 403),
    ("network_admin", 200), ("enterprise", 404), ("visitor", 401),
])
def test_reviewing_by_role(api, make_report, role, status):
    report = make_report(api.incubator, api.member, "2025", "submitted")
    before = _counts()
    response = api.call(role, "POST", f"/reports/{report.id}/review", json={"decision": "accept"})
    assert response.status_code == status
    if status != 200:
        assert _counts() == before and _reload(report).status == "submitted"
        return
    data = response.get_json()
    assert data["status"] == "accepted" and data["locked"] is True and data["current"] is True
    assert api.call(role, "POST", f"/reports/{report.id}/review", json={"decision": "accept"}).status_code == 409


@pytest.mark.parametrize("body, field", [
    ({"decision": "maybe"}, "decision"),
    ({}, "decision"),
    ({"decision": "return"}, "comment"),
    ({"decision": "return", "comment": "   "}, "comment"),
    ({"decision": "return", "comment": 5}, "comment"),
    ({"decision": "accept", "comment": "x" * 2001}, "comment"),
])
def test_review_validation(api, make_report, body, field):
    report = make_report(api.incubator, api.member, "2025", "submitted")
    before = _counts()
    response = api.call("base_admin", "POST", f"/reports/{report.id}/review", json=body)
    assert response.status_code == 400 and field in response.get_json()["error"]["fields"]
    assert _counts() == before and _reload(report).status == "submitted"


def test_return_edit_resubmit_and_correct_with_versions(api, make_report):
    report = make_report(api.incubator, api.member, "2025", "submitted")
    response = api.call("base_admin", "POST", f"/reports/{report.id}/review",
                        json={"decision": "return", "comment": "Jobs look low"})
    assert response.get_json()["status"] == "returned" and response.get_json()["review_comment"] == "Jobs look low"
    assert api.call("member", "PATCH", f"/reports/{report.id}", json={"values": {"new_jobs": 40}}).status_code == 200
    assert api.call("member", "POST", f"/reports/{report.id}/submit").get_json()["status"] == "submitted"
    assert api.call("base_admin", "POST", f"/reports/{report.id}/review",
                    json={"decision": "accept"}).get_json()["status"] == "accepted"
    # Only filers correct; the correction is version 2 and version 1 stays in force.
    before = _counts()
    assert api.call("other_base_admin", "POST", f"/reports/{report.id}/revise").status_code == 403
    assert api.call("other_member", "POST", f"/reports/{report.id}/revise").status_code == 404
    assert _counts() == before
    response = api.call("member", "POST", f"/reports/{report.id}/revise")
    assert response.status_code == 201
    v2 = response.get_json()
    assert (v2["version"], v2["status"], v2["previous_id"], v2["values"]["new_jobs"]) == (2, "draft", report.id, 40)
    assert api.call("member", "POST", f"/reports/{report.id}/revise").status_code == 409
    v1 = api.call("member", "GET", f"/reports/{report.id}").get_json()
    assert v1["current"] is True and v1["superseded_at"] is None
    api.call("member", "PATCH", f"/reports/{v2['id']}", json={"values": {"new_jobs": 41}})
    api.call("member", "POST", f"/reports/{v2['id']}/submit")
    api.call("base_admin", "POST", f"/reports/{v2['id']}/review", json={"decision": "accept"})
    v1 = api.call("member", "GET", f"/reports/{report.id}").get_json()
    assert v1["current"] is False and v1["superseded_at"].endswith("Z") and v1["values"]["new_jobs"] == 40
    assert api.call("member", "GET", f"/reports/{v2['id']}").get_json()["current"] is True
    listed = api.call("member", "GET", f"/organisations/{api.incubator.id}/reports").get_json()
    assert [r["version"] for r in listed["items"]] == [2, 1]


def test_exports_and_bounds(api, make_report):
    from openpyxl import load_workbook

    report = make_report(api.incubator, api.member, "2025")
    response = api.call("member", "GET", f"/reports/{report.id}/export?format=xlsx")
    assert response.status_code == 200
    rows = [[c.value for c in row] for row in load_workbook(io.BytesIO(response.data)).active.iter_rows()]
    assert any(row[1] == "新增就业人数" and 12 in row for row in rows)
    response = api.call("member", "GET", f"/reports/{report.id}/export")
    assert response.status_code == 200 and response.data[:2] == b"PK"  # xlsx by default
    response = api.call("member", "GET", f"/reports/{report.id}/export?format=pdf")
    assert response.status_code == 400 and "format" in response.get_json()["error"]["fields"]
    assert api.call("network_admin", "GET", "/reports/99999999999999999999").status_code == 404
    assert api.call("network_admin", "PATCH", "/reports/2147483646", json={"values": {}}).status_code == 404


# --- the evaluation --------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, status", [
    ("member", 403), ("other_member", 403), ("base_admin", 200), ("other_base_admin", 200),
    ("network_admin", 200), ("enterprise", 403), ("visitor", 401),
])
def test_evaluations_for_admins(api, role, status):
    assert api.call(role, "GET", "/evaluations?year=2026").status_code == status


def test_evaluation_json_and_exports(api, make_report):
    make_report(api.incubator, api.member, "2025", "accepted", values={"new_jobs": 12}, reviewer=api.base_admin)
    data = api.call("network_admin", "GET", "/evaluations?year=2025").get_json()
    assert data["year"] == 2025
    mine = next(item for item in data["items"] if item["organisation"]["id"] == api.incubator.id)
    assert mine["has_report"] is True
    jobs = next(row for row in mine["indicators"] if row["code"] == "new_jobs")
    assert jobs["value"] == 12 and jobs["target"] is None and jobs["met"] is None and jobs["consecutive_misses"] == 0
    kashgar = next(item for item in data["items"] if item["organisation"]["key"] == "kashgar-edz")
    assert kashgar["has_report"] is False
    assert all(row["met"] is None for row in kashgar["indicators"])  # targets, but no accepted figure
    response = api.call("network_admin", "GET", "/evaluations?year=2025&format=csv")
    assert response.status_code == 200 and response.data.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))[0]
    response = api.call("network_admin", "GET", "/evaluations?year=2025&format=xlsx")
    assert response.status_code == 200 and response.data[:2] == b"PK"


@pytest.mark.parametrize("query", ["", "?year=", "?year=1999", "?year=2101", "?year=abcd", "?year=99999999999",
                                   "?year=2026&format=pdf"])
def test_evaluation_bounds(api, query):
    response = api.call("network_admin", "GET", f"/evaluations{query}")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "validation_error"


def test_responses_match_the_openapi_schemas(api, make_report):
    from jsonschema import Draft202012Validator

    from collab.api.openapi import openapi_document

    document = openapi_document()

    def check(schema_name, instance):
        schema = {"$ref": f"#/components/schemas/{schema_name}", "components": document["components"]}
        errors = list(Draft202012Validator(schema).iter_errors(instance))
        assert not errors, errors[0].message

    report = make_report(api.incubator, api.member, "2025", "accepted", reviewer=api.base_admin)
    check("Report", api.call("member", "GET", f"/reports/{report.id}").get_json())
    check("Indicators", api.call("visitor", "GET", "/indicators").get_json())
    for item in api.call("network_admin", "GET", "/evaluations?year=2025").get_json()["items"]:
        check("Evaluation", item)
