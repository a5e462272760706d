"""The indicator-report pages (/<lang>/reports/…): the reports home, filing a report
(period, prefilled figures, units, field errors in the reader's language), the report
page (figures, differences from the platform, history, versions, actions), edit,
submit, review, correct, export and the list behind a prefilled figure. Every refusal
is a 403/404 (or the login page) and changes nothing."""
from __future__ import annotations

import csv
import html
import io
import re

import pytest
from flask_babel import force_locale, gettext

from collab.extensions import db

from content_factories import field_error, page, refused
from conftest import count_rows

ROLES = ("member", "other_member", "base_admin", "other_base_admin", "network_admin", "enterprise", "visitor")


@pytest.fixture
def world(network, frozen, login):
    """The network at the frozen NOW (1 Dec 2026); ``become(role)`` logs that person in."""

    def become(role):
        user = network.people[role]
        if user is not None:
            login(user)
        return user

    network.become = become
    return network


def _models():
    from collab.content.models import StatusChange
    from collab.reports.models import Report

    return Report, StatusChange


def _counts():
    Report, StatusChange = _models()
    return count_rows(Report), count_rows(StatusChange)


def _reload(report):
    Report, _ = _models()
    db.session.expire_all()
    return db.session.get(Report, report.id)


def _zh(message: str) -> str:
    from flask import current_app

    with current_app.test_request_context("/zh/"), force_locale("zh_Hans"):
        return gettext(message)


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment or "")).strip()


# --- the reports home ---------------------------------------------------------------------------

@pytest.mark.parametrize("role, status", [
    ("member", 200), ("other_member", 200), ("base_admin", 200), ("other_base_admin", 200),
    ("network_admin", 200), ("enterprise", 403), ("visitor", 302),
])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_reports_home_by_role(client, world, make_report, role, status, lang):
    report = make_report(world.incubator, world.member, "2025", "submitted")
    world.become(role)
    response = client.get(f"/{lang}/reports/")
    assert response.status_code == status
    if role == "visitor":
        assert "/login" in response.headers["Location"]
        return
    if status != 200:
        return
    text = response.get_data(as_text=True)
    own_listed = f'id="report-{report.id}"' in text
    if role == "member":
        assert own_listed and 'id="file-report"' in text
        assert f"/{lang}/reports/new?organisation={world.incubator.key}" in html.unescape(text)
    if role == "other_member":
        assert not own_listed and 'id="file-report"' in text
    if role in ("base_admin", "network_admin"):
        assert own_listed  # awaiting their review
        assert f"/{lang}/reports/organisations/{world.incubator.key}" in text
    if role == "other_base_admin":
        assert not own_listed
        assert f"/reports/organisations/{world.incubator.key}\"" not in text
    if lang == "zh":
        assert 'lang="zh' in text


def test_reports_nav_link_shows_for_admins_and_reporting_members(client, world):
    for role, shown in (("member", True), ("base_admin", True), ("network_admin", True), ("enterprise", False)):
        world.become(role)
        assert ('id="nav-reports"' in page(client.get("/en/"))) is shown, role


# --- filing a report ------------------------------------------------------------------------------

def test_new_report_form_defaults_to_the_previous_quarter_with_names_and_units(client, world, monkeypatch):
    from collab.reports import figures

    monkeypatch.setattr(figures, "prefill", lambda org, period: {"mentors": {"value": 4, "source": "active_mentors"}})
    world.become("member")
    text = page(client.get(f"/zh/reports/new?organisation={world.incubator.key}"))
    assert '<option value="2026-Q3" selected>' in text  # NOW is in Q4 2026
    assert 'name="period" value="2026-Q3"' in text
    assert "新增就业人数" in text and "新增销售收入（元）" in text
    assert 'name="unit_new_revenue_cny"' in text and 'name="unit_new_jobs"' not in text
    unit_select = re.search(r'<select[^>]*name="unit_new_revenue_cny".*?</select>', text, re.S).group(0)
    assert re.search(r'<option value="cny" selected>', unit_select)  # the indicator's own unit
    assert "10k_cny" in unit_select and "100m_cny" in unit_select
    row = re.search(r'<tr id="row-mentors".*?</tr>', text, re.S).group(0)
    assert 'name="value_mentors" value="4"' in row and "platform-badge" in row
    assert f"/zh/reports/new/sources/mentors?organisation={world.incubator.key}&amp;period=2026-Q3" in row
    english = page(client.get(f"/en/reports/new?organisation={world.incubator.key}&period=2025"))
    assert '<option value="2025" selected>' in english and "New jobs" in english


def test_filing_a_draft_then_submitting_it(client, world):
    Report, _ = _models()
    world.become("member")
    response = client.post(f"/en/reports/new?organisation={world.incubator.key}", data={
        "period": "2025", "value_new_jobs": "12", "value_new_revenue_cny": "1,500",
        "unit_new_revenue_cny": "10k_cny", "save": "Save as draft"})
    assert response.status_code == 302
    report = db.session.scalars(db.select(Report).where(Report.organisation_id == world.incubator.id)).one()
    assert response.headers["Location"].endswith(f"/en/reports/{report.id}")
    assert report.status == "draft" and report.values["new_jobs"] == 12
    assert report.values["new_revenue_cny"] == 15_000_000  # 1,500 万元 stored in 元
    text = page(client.get(f"/en/reports/{report.id}"))
    assert "15,000,000" in text and 'id="submit-report"' in text and 'id="edit-report"' in text
    assert "Reviewer Admin" not in text
    assert client.post(f"/en/reports/{report.id}/submit").status_code == 302
    assert _reload(report).status == "submitted"
    text = page(client.get(f"/zh/reports/{report.id}"))
    assert 'id="submit-report"' not in text and 'id="edit-report"' not in text  # locked
    assert "15,000,000" in text


def test_filing_and_submitting_at_once(client, world):
    Report, _ = _models()
    world.become("base_admin")  # the parent base's admin files for its incubator too
    response = client.post(f"/en/reports/new?organisation={world.incubator.key}", data={
        "period": "2026-Q2", "value_new_jobs": "3", "submit_report": "Save and submit for review"})
    assert response.status_code == 302
    report = db.session.scalars(db.select(Report).where(Report.organisation_id == world.incubator.id)).one()
    assert (report.status, report.period, report.quarter) == ("submitted", "2026-Q2", 2)


@pytest.mark.parametrize("data, field, message", [
    ({"value_new_jobs": "-3"}, "value_new_jobs", "A figure cannot be negative."),
    ({"value_new_jobs": "twelve"}, "value_new_jobs", "Enter a number."),
    ({"value_new_jobs": "1.5"}, "value_new_jobs", "Enter a whole number."),
    ({"value_new_revenue_cny": "10", "unit_new_revenue_cny": "usd"}, "value_new_revenue_cny",
     "Choose 元, 万元 or 亿元."),
    ({"value_new_revenue_cny": "100", "value_new_profit_cny": "200"}, "value_new_profit_cny", None),
])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_bad_figures_get_errors_next_to_their_fields_and_save_nothing(client, world, data, field, message, lang):
    world.become("member")
    before = _counts()
    response = client.post(f"/{lang}/reports/new?organisation={world.incubator.key}",
                           data={"period": "2025", "value_mentors": "3", "save": "x", **data})
    text = page(response)
    error = _text(field_error(text, field))
    assert error, f"no error next to {field}"
    if message:
        assert error == (_zh(message) if lang == "zh" else message)
    assert _counts() == before
    # What was typed comes back to be corrected.
    assert 'name="value_mentors" value="3"' in text


@pytest.mark.parametrize("period, message", [
    ("2027", "This period has not begun yet: reports are filed for past or current periods."),
    ("2027-Q1", "This period has not begun yet: reports are filed for past or current periods."),
    ("2026-Q7", "Give the period as a year (2026) or a quarter (2026-Q3)."),
    ("last year", "Give the period as a year (2026) or a quarter (2026-Q3)."),
    ("", "Give the period as a year (2026) or a quarter (2026-Q3)."),
])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_bad_or_future_periods_are_refused_with_a_translated_error(client, world, period, message, lang):
    world.become("member")
    before = _counts()
    text = page(client.post(f"/{lang}/reports/new?organisation={world.incubator.key}",
                            data={"period": period, "value_new_jobs": "1", "save": "x"}))
    expected = _zh(message) if lang == "zh" else message
    assert _text(field_error(text, "period")) == expected
    assert _counts() == before
    if period:  # asking for the form of such a period says the same
        text = page(client.get(f"/{lang}/reports/new?organisation={world.incubator.key}&period={period}"))
        assert _text(field_error(text, "period")) == expected
        assert 'id="report-form"' not in text


def test_report_messages_read_in_chinese_on_zh_pages(app):
    """The catalog translates the reports' messages (the lead updates translations/ at the end)."""
    for message in ("A figure cannot be negative.", "Enter a number.",
                    "This period has not begun yet: reports are filed for past or current periods."):
        assert re.search(r"[\u4e00-\u9fff]", _zh(message)), message


def test_a_second_report_for_the_same_period_points_to_the_first(client, world, make_report):
    first = make_report(world.incubator, world.member, "2025")
    world.become("member")
    before = _counts()
    text = page(client.get(f"/en/reports/new?organisation={world.incubator.key}&period=2025"))
    assert 'id="open-report"' in text and f"/en/reports/{first.id}" in text and 'id="report-form"' not in text
    text = page(client.post(f"/en/reports/new?organisation={world.incubator.key}",
                            data={"period": "2025", "value_new_jobs": "1", "save": "x"}))
    assert "already being prepared" in _text(field_error(text, "period"))
    assert _counts() == before


@pytest.mark.parametrize("role, status", [
    ("other_member", 404), ("other_base_admin", 403), ("enterprise", 404), ("visitor", 302),
])
def test_only_filers_file(client, world, role, status):
    world.become(role)
    before = _counts()
    url = f"/en/reports/new?organisation={world.incubator.key}"
    assert refused(client.get(url), status)
    assert refused(client.post(url, data={"period": "2025", "value_new_jobs": "1", "save": "x"}), status)
    assert _counts() == before


def test_unknown_organisation_is_404(client, world):
    world.become("network_admin")
    assert client.get("/en/reports/new?organisation=nope").status_code == 404
    assert client.get("/en/reports/organisations/nope").status_code == 404


# --- one report ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, status", [
    ("member", 200), ("other_member", 404), ("base_admin", 200), ("other_base_admin", 200),
    ("network_admin", 200), ("enterprise", 404), ("visitor", 302),
])
def test_reading_a_report_by_role(client, world, make_report, role, status):
    report = make_report(world.incubator, world.member, "2025")
    world.become(role)
    for url in (f"/en/reports/{report.id}", f"/zh/reports/{report.id}", f"/en/reports/{report.id}/export?format=csv",
                f"/en/reports/organisations/{world.incubator.key}"):
        response = client.get(url)
        assert response.status_code == status, url
    if status == 200:
        text = page(client.get(f"/en/reports/{report.id}"))
        assert ('id="edit-report"' in text) is (role in ("member", "base_admin", "network_admin"))
        assert 'id="review"' not in text  # a draft is not reviewed


def test_huge_and_unknown_ids_are_404(client, world):
    world.become("network_admin")
    for url in ("/en/reports/99999999999999999999", "/en/reports/2147483646", "/en/reports/2147483646/edit",
                "/en/reports/99999999999999999999/sources/new_jobs"):
        assert client.get(url).status_code == 404, url
    assert client.post("/en/reports/99999999999999999999/submit").status_code == 404


def test_the_report_marks_platform_figures_and_differences(client, world, make_report, monkeypatch):
    from collab.reports import figures

    monkeypatch.setattr(figures, "prefill", lambda org, period: {
        "mentors": {"value": 4, "source": "active_mentors"}, "events_held": {"value": 2, "source": "held_events"}})
    report = make_report(world.incubator, world.member, "2025", values={"events_held": 3, "new_jobs": 1200})
    world.become("member")
    text = page(client.get(f"/en/reports/{report.id}"))
    mentors = re.search(r'<tr id="row-mentors"[^>]*>.*?</tr>', text, re.S).group(0)
    assert 'data-origin="platform"' in mentors and "from the platform" in mentors
    assert f"/en/reports/{report.id}/sources/mentors" in mentors
    events = re.search(r'<tr id="row-events_held"[^>]*>.*?</tr>', text, re.S).group(0)
    assert 'data-origin="differs"' in events and "the platform holds 2" in events
    jobs = re.search(r'<tr id="row-new_jobs"[^>]*>.*?</tr>', text, re.S).group(0)
    assert 'data-origin="entered"' in jobs and "1,200" in jobs
    assert 'data-origin="empty"' in text
    zh = page(client.get(f"/zh/reports/{report.id}"))
    assert "创业导师人数" in zh and "1,200" in zh


def test_history_and_versions_show_who_and_when(client, world, make_report):
    report = make_report(world.incubator, world.member, "2025", "returned", reviewer=world.base_admin,
                         comment="Jobs look low")
    world.become("member")
    text = page(client.get(f"/en/reports/{report.id}"))
    assert 'id="review-comment"' in text and "Jobs look low" in text
    history = re.search(r'id="history".*?</section>', text, re.S).group(0)
    assert [m for m in re.findall(r'data-to="(\w+)"', history)] == ["draft", "submitted", "returned"]
    assert "Incubator Member" in history and "Base Admin" in history
    assert 'data-version="1"' in text


# --- review --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["member", "other_member", "other_base_admin", "enterprise", "visitor"])
def test_only_reviewers_review_and_refusals_change_nothing(client, world, make_report, role):
    report = make_report(world.incubator, world.member, "2025", "submitted")
    world.become(role)
    before = _counts()
    response = client.post(f"/en/reports/{report.id}/review", data={"accept": "Accept", "comment": "ok"})
    assert refused(response, 403, 404)
    if role in ("member", "other_base_admin"):
        assert response.status_code == 403
    assert _counts() == before and _reload(report).status == "submitted"
    if role not in ("visitor",) and response.status_code != 404:
        assert 'id="review"' not in page(client.get(f"/en/reports/{report.id}"))


@pytest.mark.parametrize("role", ["base_admin", "network_admin"])
def test_reviewers_accept_and_the_report_is_locked(client, world, make_report, role):
    report = make_report(world.incubator, world.member, "2025", "submitted")
    world.become(role)
    assert 'id="review"' in page(client.get(f"/en/reports/{report.id}"))
    assert client.post(f"/en/reports/{report.id}/review", data={"accept": "Accept"}).status_code == 302
    report = _reload(report)
    assert report.status == "accepted" and report.is_current
    world.become("member")
    before = _counts()
    assert client.post(f"/en/reports/{report.id}/edit", data={"value_new_jobs": "99", "save": "x"}).status_code == 302
    assert client.post(f"/en/reports/{report.id}/submit").status_code == 302
    assert _reload(report).values["new_jobs"] == 12 and _counts() == before
    assert 'id="revise-report"' in page(client.get(f"/en/reports/{report.id}"))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_returning_needs_a_comment(client, world, make_report, lang):
    report = make_report(world.incubator, world.member, "2025", "submitted")
    world.become("base_admin")
    before = _counts()
    response = client.post(f"/{lang}/reports/{report.id}/review", data={"send_back": "x", "comment": " "})
    assert response.status_code == 400
    message = "Say what needs correcting when returning a report."
    assert _text(field_error(response.get_data(as_text=True), "comment")) == (_zh(message) if lang == "zh" else message)
    assert _counts() == before and _reload(report).status == "submitted"
    response = client.post(f"/{lang}/reports/{report.id}/review", data={"send_back": "x", "comment": "Jobs?"})
    assert response.status_code == 302
    assert _reload(report).status == "returned" and _reload(report).review_comment == "Jobs?"


def test_returned_report_is_edited_and_resubmitted(client, world, make_report):
    report = make_report(world.incubator, world.member, "2025", "returned", reviewer=world.base_admin)
    world.become("member")
    text = page(client.get(f"/en/reports/{report.id}/edit"))
    assert 'name="value_new_jobs" value="12"' in text and "Fix the jobs figure" in text
    response = client.post(f"/en/reports/{report.id}/edit", data={"value_new_jobs": "-1", "save": "x"})
    assert _text(field_error(page(response), "value_new_jobs")) == "A figure cannot be negative."
    assert _reload(report).values["new_jobs"] == 12
    response = client.post(f"/en/reports/{report.id}/edit", data={"value_new_jobs": "20", "submit_report": "x"})
    assert response.status_code == 302
    report = _reload(report)
    assert report.status == "submitted" and report.values["new_jobs"] == 20


# --- corrections ---------------------------------------------------------------------------------------

def test_correcting_an_accepted_report_makes_version_2_and_keeps_version_1(client, world, make_report):
    Report, _ = _models()
    v1 = make_report(world.incubator, world.member, "2025", "accepted", reviewer=world.base_admin)
    world.become("other_base_admin")
    before = _counts()
    assert client.post(f"/en/reports/{v1.id}/revise").status_code == 403
    assert _counts() == before
    world.become("member")
    response = client.post(f"/en/reports/{v1.id}/revise")
    assert response.status_code == 302
    v2 = db.session.scalars(db.select(Report).where(Report.previous_id == v1.id)).one()
    assert response.headers["Location"].endswith(f"/en/reports/{v2.id}/edit")
    assert (v2.version, v2.status) == (2, "draft")
    text = page(client.get(f"/en/reports/{v2.id}"))
    assert 'id="current-version"' in text and f"/en/reports/{v1.id}" in text
    assert client.post(f"/en/reports/{v2.id}/edit", data={"value_new_jobs": "30", "submit_report": "x"}).status_code == 302
    text = page(client.get(f"/en/reports/{v1.id}"))  # v1 readable, still in force
    assert 'id="in-force"' in text and f"/en/reports/{v2.id}" in text and 'id="revise-report"' not in text
    world.become("base_admin")
    client.post(f"/en/reports/{v2.id}/review", data={"accept": "Accept"})
    v1, v2 = _reload(v1), _reload(v2)
    assert v1.superseded_at is not None and not v1.is_current and v2.is_current
    text = page(client.get(f"/en/reports/{v1.id}"))
    assert 'id="superseded"' in text and ">12<" in text.replace(" ", "")


# --- exports and sources -------------------------------------------------------------------------------

def test_exports_read_back(client, world, make_report):
    from openpyxl import load_workbook

    report = make_report(world.incubator, world.member, "2025", values={"new_jobs": 12, "new_revenue_cny": 1500},
                         units={"new_revenue_cny": "10k_cny"})
    world.become("member")
    response = client.get(f"/en/reports/{report.id}/export?format=csv")
    assert response.status_code == 200 and response.content_type.startswith("text/csv")
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    by_name = {row[1]: row for row in rows[1:]}
    assert "12" in by_name["新增就业人数"] and "15000000" in by_name["新增销售收入（元）"]
    response = client.get(f"/zh/reports/{report.id}/export?format=xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert any(row[1] == "新增就业人数" and 12 in row for row in values)
    assert client.get(f"/en/reports/{report.id}/export?format=pdf").status_code == 400


def test_the_list_behind_a_figure(client, world, make_report):
    report = make_report(world.incubator, world.member, "2025")
    world.become("member")
    text = page(client.get(f"/en/reports/{report.id}/sources/projects_landed_xinjiang"))
    assert 'id="sources"' in text and "Projects landed in Xinjiang" in text
    assert page(client.get(f"/zh/reports/{report.id}/sources/mentoring_sessions"))
    assert client.get(f"/en/reports/{report.id}/sources/policy_events").status_code == 404  # not an incubator's
    assert client.get(f"/en/reports/{report.id}/sources/nope").status_code == 404
    assert page(client.get(f"/en/reports/new/sources/mentors?organisation={world.incubator.key}&period=2025"))
    world.become("other_member")
    assert client.get(f"/en/reports/{report.id}/sources/mentors").status_code == 404


def test_forms_need_their_csrf_token(app, client, world, make_report):
    report = make_report(world.incubator, world.member, "2025", "submitted")
    world.become("base_admin")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        before = _counts()
        response = client.post(f"/en/reports/{report.id}/review", data={"accept": "Accept"})
        assert response.status_code in (400, 302)
        assert _counts() == before and _reload(report).status == "submitted"
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_the_list_behind_a_figure_shows_each_kind_of_row(client, world, make_report, monkeypatch):
    from datetime import date

    from collab.reports import figures

    rows = [
        {"kind": "landing", "id": 1, "title_zh": "落地项目", "title_en": "Landed project", "date": date(2025, 3, 2),
         "url": "/en/projects/1", "amount": 5_000_000, "company_name": "新疆某公司", "city": "kashgar", "jobs": 30},
        {"kind": "session", "id": 2, "title_zh": "Mentor A", "title_en": "Mentor A", "date": date(2025, 4, 1),
         "url": None, "amount": None, "minutes": 60},
        {"kind": "event", "id": 3, "title_zh": "路演", "title_en": "Roadshow", "date": date(2025, 5, 1),
         "url": "/en/events/3", "amount": None, "type": "roadshow", "entries": 4},
        {"kind": "organisation", "id": 4, "title_zh": "孵化器", "title_en": "Incubator", "date": None, "url": None,
         "amount": None},
    ]
    monkeypatch.setattr(figures, "sources", lambda org, period, code, limit=500, lang=None: rows)
    report = make_report(world.incubator, world.member, "2025")
    world.become("member")
    text = page(client.get(f"/en/reports/{report.id}/sources/projects_landed_xinjiang"))
    assert '<a href="/en/projects/1">Landed project</a>' in text and "新疆某公司" in text and "30 jobs planned" in text
    assert "60 minutes" in text and "4 entries" in text and "Roadshow" in text
    assert "5,000,000" in text
    zh = page(client.get(f"/zh/reports/{report.id}/sources/projects_landed_xinjiang"))
    assert "落地项目" in zh and "路演" in zh
