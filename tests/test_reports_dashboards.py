"""Dashboards (issue 11 item 4) and the annual evaluation page (item 5): who reads them,
both languages, the charts' figures equal to their tables, the downloads read back, bad
query parameters, and a constant number of queries at 1× and 10× the data."""
from __future__ import annotations

import csv
import html
import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import event as sa_event

from collab.extensions import db

from conftest import count_rows

YEAR = 2026  # the frozen clock (tests/mentor_support.py NOW) is 1 December 2026


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


# --- the data ------------------------------------------------------------------------------------

@pytest.fixture
def net(frozen, create_org, create_user):
    """A base, an incubator of it with members, another incubator, another base; people of
    every role; ``net.fill(k)`` adds k times a known set of figures."""
    from collab.orgs.models import Indicator, IndicatorTarget
    from sqlalchemy import select

    class Net:
        pass

    n = Net()
    n.base = create_org(kind="xinjiang_base", key="test-base", name_zh="测试基地", name_en="Test Base")
    n.inc = create_org(kind="offshore_incubator", key="test-inc", name_zh="测试孵化器", name_en="Test Incubator",
                       parent_id=n.base.id)
    n.other = create_org(kind="offshore_incubator", key="other-inc", name_zh="另一孵化器", name_en="Other Incubator")
    n.other_base = create_org(kind="xinjiang_base", key="other-base", name_zh="另一基地", name_en="Other Base")
    n.university = create_org(kind="university")
    n.admin = create_user(role="admin", display_name="Admin")
    n.network_admin = create_user(role="admin", org=n.university)
    n.base_admin = create_user(role="admin", org=n.base)
    n.other_base_admin = create_user(role="admin", org=n.other_base)
    n.member = create_user(role="center", org=n.inc)
    n.pending = create_user(role="center", org=n.inc, approved=False)
    n.other_member = create_user(role="center", org=n.other)
    n.base_member = create_user(role="center", org=n.base)
    # An indicator the base's plan sets a target for in 2026, and its accepted report.
    n.indicator = db.session.scalar(select(Indicator).where(Indicator.level == "base").order_by(Indicator.position))
    db.session.add(IndicatorTarget(organisation_id=n.base.id, code=n.indicator.code, start_year=YEAR, end_year=YEAR,
                                   baseline=None, target=10, cumulative=False, source="test plan"))
    db.session.commit()
    n.scale = 0

    def fill(k: int = 1):
        for _ in range(k):
            _add_figures(n)
        db.session.commit()

    n.fill = fill
    return n


def _project(owner, org, status):
    from collab.projects.models import Project

    project = Project(owner_id=owner.id, organisation_id=org.id, title_en=f"P {status}", title_zh=f"项目{status}",
                      status=status, stage="idea", direction="offshore_to_xinjiang", seeks=[])
    db.session.add(project)
    return project


def _need(owner, org):
    from collab.needs.models import Need

    need = Need(owner_id=owner.id, organisation_id=org.id, title_en="N", title_zh="需求", status="open",
                kind="technology", location="kashgar", deadline=date(YEAR + 1, 6, 1), visibility="public")
    db.session.add(need)
    return need


def _add_figures(n) -> None:
    """One unit of known figures (all in 2026 unless said otherwise)."""
    from collab.matching.models import Introduction, Match
    from collab.mentors.models import Booking, MentorProfile
    from collab.projects.models import Landing

    n.scale += 1
    projects = {status: _project(n.member, n.inc, status)
                for status in ("published", "in_incubation", "landed", "graduated")}
    extra = _project(n.member, n.inc, "published")
    elsewhere = _project(n.other_member, n.other, "published")
    draft = _project(n.member, n.inc, "draft")  # never counted
    need, other_need = _need(n.base_member, n.base), _need(n.other_member, n.other)
    db.session.flush()
    # Matches: 3 of the incubator's in 2026, 1 in 2025 (outside), 1 of others only.
    for project, when in ((projects["published"], utc(YEAR, 2, 1)), (projects["in_incubation"], utc(YEAR, 3, 1)),
                          (extra, utc(YEAR, 4, 1)), (projects["landed"], utc(YEAR - 1, 6, 1))):
        db.session.add(Match(need_id=need.id, project_id=project.id, score=0.5, reasons={}, created_at=when))
    db.session.add(Match(need_id=other_need.id, project_id=elsewhere.id, score=0.5, reasons={},
                         created_at=utc(YEAR, 5, 1)))
    # Introductions: 2 interested, 1 accepted + meeting + signed; 1 of others.
    db.session.add(Introduction(need_id=need.id, project_id=projects["published"].id, initiator_side="need",
                                message="hi", status="agreement_signed", created_at=utc(YEAR, 2, 2),
                                accepted_at=utc(YEAR, 2, 3), meeting_at=utc(YEAR, 2, 10), signed_at=utc(YEAR, 3, 1)))
    db.session.add(Introduction(need_id=need.id, project_id=projects["in_incubation"].id, initiator_side="project",
                                message="hi", status="proposed", created_at=utc(YEAR, 3, 2)))
    db.session.add(Introduction(need_id=other_need.id, project_id=elsewhere.id, initiator_side="project",
                                message="hi", status="accepted", created_at=utc(YEAR, 5, 2),
                                accepted_at=utc(YEAR, 5, 3)))
    # Mentoring: the incubator's mentor, 60 min in February and 90 min in May (completed),
    # a cancelled one; another organisation's mentor, 30 min in May.
    for org, sessions in ((n.inc, ((utc(YEAR, 2, 10, 2), 60, "completed"), (utc(YEAR, 5, 5, 2), 90, "completed"),
                                   (utc(YEAR, 5, 6, 2), 60, "cancelled"))),
                          (n.other, ((utc(YEAR, 5, 7, 2), 30, "completed"),))):
        from collab.auth.models import User
        mentor_user = User(email=f"mentor-{org.key}-{n.scale}@example.test", password_hash="x",
                           display_name="Mentor", locale="en", timezone="Asia/Shanghai", roles="mentor",
                           membership_status="none")
        profile = MentorProfile(user=mentor_user, organisation_id=org.id, session_minutes=60)
        db.session.add_all([mentor_user, profile])
        db.session.flush()
        for start, minutes, status in sessions:
            db.session.add(Booking(mentor_id=profile.id, booker_id=n.member.id, start_at=start,
                                   end_at=start + timedelta(minutes=minutes), status=status, topic="t",
                                   language="zh", timezone="Asia/Shanghai"))
    # Landings: confirmed in Kashgar and Ürümqi through the incubator, one pending, one in 2025.
    for project, city, status, day in ((projects["landed"], "kashgar", "confirmed", date(YEAR, 4, 1)),
                                       (projects["graduated"], "urumqi", "confirmed", date(YEAR, 6, 1)),
                                       (projects["in_incubation"], "kashgar", "pending", date(YEAR, 7, 1)),
                                       (extra, "kashgar", "confirmed", date(YEAR - 1, 7, 1))):
        db.session.add(Landing(project_id=project.id, city=city, base_id=n.base.id, via_id=n.inc.id, landed_on=day,
                               company_name="Co", status=status))
    db.session.add(Landing(project_id=elsewhere.id, city="hami", base_id=n.other_base.id, via_id=n.other.id,
                           landed_on=date(YEAR, 8, 1), company_name="Co", status="confirmed"))
    del draft


def accept_report(n, value):
    from collab.reports.models import Report

    db.session.add(Report(organisation_id=n.base.id, period=str(YEAR), year=YEAR, version=1, status="accepted",
                          values={n.indicator.code: value}, prefilled={}))
    db.session.commit()


# --- page reading helpers ---------------------------------------------------------------------

def section_html(page: str, key: str) -> str:
    match = re.search(rf'<section class="dashboard-section[^"]*" id="section-{key}".*?</section>', page, re.S)
    assert match, f"no section {key}"
    return match.group(0)


def table_rows(fragment: str) -> list[list[str]]:
    body = re.search(r"<tbody>(.*?)</tbody>", fragment, re.S).group(1)
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return rows


def number(text: str):
    text = text.replace(",", "").replace("%", "").strip()
    if text in ("", "—"):
        return None
    value = float(text)
    return int(value) if value.is_integer() else value


def chart_values(fragment: str, css: str) -> list:
    values = re.findall(rf'<(?:g|path) class="{css}"[^>]*?data-value="([^"]*)"', fragment)
    return [number(v) for v in values]


def count_queries(client, url) -> int:
    client.get(url)
    statements = []
    engine = db.session.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    sa_event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get(url)
        assert response.status_code == 200, response.data[:300]
    finally:
        sa_event.remove(engine, "before_cursor_execute", listener)
    return sum(1 for statement in statements if statement.lstrip().upper().startswith("SELECT"))


NETWORK_URLS = ["/en/reports/dashboard", "/en/reports/dashboard/funnel.csv", "/en/reports/dashboard/flows.xlsx",
                "/en/reports/evaluation", "/en/reports/evaluation.csv", "/en/reports/evaluation.xlsx"]
ORG_URLS = ["/en/reports/organisations/test-inc/dashboard", "/en/reports/organisations/test-inc/dashboard/mentoring.csv",
            "/en/reports/organisations/test-inc/dashboard/indicators.xlsx"]


# --- who reads what ------------------------------------------------------------------------------

ROLES = ["admin", "network_admin", "base_admin", "other_base_admin", "member", "pending", "other_member", "visitor"]
NETWORK_EXPECTED = {"admin": 200, "network_admin": 200, "base_admin": 200, "other_base_admin": 200,
                    "member": 403, "pending": 403, "other_member": 403, "visitor": 302}
ORG_EXPECTED = {"admin": 200, "network_admin": 200, "base_admin": 200, "other_base_admin": 200,
                "member": 200, "pending": 403, "other_member": 403, "visitor": 302}


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_the_network_dashboard_evaluation_and_their_files(client, login, net, role):
    from collab.reports.models import Report

    if role != "visitor":
        login(getattr(net, role))
    before = count_rows(Report)
    for url in NETWORK_URLS:
        response = client.get(url)
        assert response.status_code == NETWORK_EXPECTED[role], url
        if role == "visitor":
            assert "/login" in response.headers["Location"]
    assert count_rows(Report) == before


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_an_organisation_dashboard_and_its_files(client, login, net, role):
    if role != "visitor":
        login(getattr(net, role))
    for url in ORG_URLS:
        response = client.get(url)
        assert response.status_code == ORG_EXPECTED[role], url
        if role == "visitor":
            assert "/login" in response.headers["Location"]


def test_unknown_or_unapproved_organisations_and_sections_are_404(client, login, net, create_org):
    create_org(kind="offshore_incubator", status="proposed", key="proposed-inc")
    login(net.admin)
    for url in ("/en/reports/organisations/nope/dashboard", "/en/reports/organisations/proposed-inc/dashboard",
                "/en/reports/organisations/nope/dashboard/funnel.csv", "/en/reports/dashboard/nope.csv",
                "/en/reports/dashboard/funnel.pdf", "/en/reports/organisations/test-inc/dashboard/nope.xlsx"):
        assert client.get(url).status_code == 404, url


def test_a_base_member_reads_the_bases_dashboard(client, login, net):
    login(net.base_member)
    assert client.get("/en/reports/organisations/test-base/dashboard").status_code == 200
    assert client.get("/en/reports/organisations/test-inc/dashboard").status_code == 403


# --- the figures ---------------------------------------------------------------------------------

def test_the_network_figures_and_every_chart_equals_its_table(client, login, net):
    net.fill(1)
    accept_report(net, 12)
    login(net.admin)
    page = client.get("/en/reports/dashboard").get_data(as_text=True)
    assert "Network dashboard" in page and "From Jan 1, 2026 to Dec 31, 2026" in page

    funnel = section_html(page, "funnel")
    rows = table_rows(funnel)
    assert [r[0] for r in rows] == ["Matches", "Interest expressed", "Accepted", "Meeting held", "Agreement signed"]
    assert [number(r[1]) for r in rows] == [4, 3, 2, 1, 1]
    assert [number(r[2]) for r in rows] == [None, 75.0, 66.7, 50.0, 100.0]
    assert [number(r[3]) for r in rows] == [None, 75.0, 50.0, 25.0, 25.0]
    assert chart_values(funnel, "chart-step") == [4, 3, 2, 1, 1]

    mentoring = section_html(page, "mentoring")
    rows = table_rows(mentoring)
    assert len(rows) == 12 and rows[1] == ["2026-02", "1", "1"] and rows[4] == ["2026-05", "2", "2"]
    assert chart_values(mentoring, "chart-row") == [number(r[2]) for r in rows]

    lifecycle = section_html(page, "lifecycle")
    rows = table_rows(lifecycle)
    assert [r[0] for r in rows] == ["Published", "In incubation", "Landed in Xinjiang", "Graduated", "Closed"]
    counts = [number(r[1]) for r in rows]
    assert counts[:4] >= [3, 1, 1, 1]  # the reference data may hold projects too; drafts never count
    assert chart_values(lifecycle, "chart-row") == counts

    flows = section_html(page, "flows")
    rows = table_rows(flows)
    assert sorted((r[0], r[1], number(r[2])) for r in rows) == sorted(
        [("Test Incubator", "Kashgar", 1), ("Test Incubator", "Ürümqi", 1), ("Other Incubator", "Hami", 1)])
    links = re.findall(r'<path class="chart-link"[^>]*data-source="([^"]*)" data-target="([^"]*)" '
                       r'data-value="([^"]*)"', flows)
    assert sorted((html.unescape(s), html.unescape(t), int(v)) for s, t, v in links) == sorted(
        (r[0], r[1], number(r[2])) for r in rows)

    indicators = section_html(page, "indicators")
    rows = table_rows(indicators)
    mine = [r for r in rows if r[0] == "Test Base"]
    assert mine == [["Test Base", "2026", net.indicator.en, mine[0][3], "12", "10", "✓ met", "0"]]
    assert chart_values(indicators, "chart-row") == [number(r[4]) for r in rows]
    assert 'data-met="true"' in indicators


def test_an_organisation_dashboard_counts_its_own(client, login, net):
    net.fill(1)
    login(net.member)
    page = client.get("/en/reports/organisations/test-inc/dashboard").get_data(as_text=True)
    assert "Dashboard of Test Incubator" in page
    assert [number(r[1]) for r in table_rows(section_html(page, "funnel"))] == [3, 2, 1, 1, 1]
    mentoring = table_rows(section_html(page, "mentoring"))
    assert mentoring[1] == ["2026-02", "1", "1"] and mentoring[4] == ["2026-05", "1", "1.5"]
    assert [number(r[1]) for r in table_rows(section_html(page, "lifecycle"))] == [2, 1, 1, 1, 0]
    assert sorted((r[1], r[2]) for r in table_rows(section_html(page, "flows"))) == [("Kashgar", "1"), ("Ürümqi", "1")]
    # The network admin filters the network dashboard to the same organisation: the same figures.
    login(net.admin)
    filtered = client.get("/en/reports/dashboard?org=test-inc").get_data(as_text=True)
    for key in ("funnel", "mentoring", "lifecycle", "flows"):
        assert table_rows(section_html(filtered, key)) == table_rows(section_html(page, key)), key


def test_the_range_moves_every_dated_figure(client, login, net):
    net.fill(1)
    login(net.admin)
    page = client.get("/en/reports/organisations/test-inc/dashboard?from=2025-01-01&to=2025-12-31").get_data(
        as_text=True)
    assert [number(r[1]) for r in table_rows(section_html(page, "funnel"))] == [1, 0, 0, 0, 0]
    assert table_rows(section_html(page, "flows")) == [["Test Incubator", "Kashgar", "1"]]
    assert all(r[1] == "0" for r in table_rows(section_html(page, "mentoring")))
    assert "No data for this range." in section_html(page, "mentoring")  # the chart says so too
    one_day = client.get("/en/reports/organisations/test-inc/dashboard?from=2026-02-10&to=2026-02-10").get_data(
        as_text=True)
    assert table_rows(section_html(one_day, "mentoring")) == [["2026-02", "1", "1"]]


def test_beijing_days_bound_the_range(client, login, net):
    """A session at 17:00 UTC on 31 January is 1 February in Beijing."""
    from collab.mentors.models import Booking, MentorProfile
    from sqlalchemy import select

    net.fill(1)
    profile = db.session.scalar(select(MentorProfile).where(MentorProfile.organisation_id == net.inc.id))
    db.session.add(Booking(mentor_id=profile.id, booker_id=net.member.id, start_at=utc(YEAR, 1, 31, 17),
                           end_at=utc(YEAR, 1, 31, 18), status="completed", topic="t", language="zh",
                           timezone="Asia/Shanghai"))
    db.session.commit()
    login(net.member)
    rows = table_rows(section_html(client.get(
        "/en/reports/organisations/test-inc/dashboard?from=2026-02-01&to=2026-02-28").get_data(as_text=True),
        "mentoring"))
    assert rows == [["2026-02", "2", "2"]]


def test_the_chinese_dashboard(client, login, net):
    net.fill(1)
    login(net.member, lang="zh")
    page = client.get("/zh/reports/organisations/test-inc/dashboard").get_data(as_text=True)
    assert '<html lang="zh-Hans">' in page
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1)
    assert "测试孵化器" in h1
    assert "喀什" in section_html(page, "flows") and "乌鲁木齐" in section_html(page, "flows")
    assert "孵化中" in section_html(page, "lifecycle") and "已发布" in section_html(page, "lifecycle")
    assert 'role="img"' in page and "<title" in section_html(page, "flows")
    login(net.admin, lang="zh")
    page = client.get("/zh/reports/dashboard?org=test-inc").get_data(as_text=True)
    assert "测试孵化器" in re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1)
    for url in ("/zh/reports/dashboard", f"/zh/reports/evaluation?year={YEAR}"):
        page = client.get(url).get_data(as_text=True)
        assert '<html lang="zh-Hans">' in page and "测试基地" in page


# --- files ---------------------------------------------------------------------------------------

def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_downloads_read_back_with_chinese_headers(client, login, net):
    from openpyxl import load_workbook

    net.fill(1)
    accept_report(net, 7)
    login(net.admin)
    response = client.get("/en/reports/dashboard/funnel.csv?from=2026-01-01&to=2026-12-31")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response.data)
    assert rows[0] == ["环节", "数量", "占上一环节（%）", "占匹配推荐（%）"]
    assert rows[1] == ["匹配推荐", "4", ""] + [""] and rows[5][:2] == ["已签约", "1"]

    rows = read_csv(client.get("/en/reports/organisations/test-inc/dashboard/flows.csv").data)
    assert rows[0] == ["来源机构", "落地城市", "落地项目数"]
    assert sorted(rows[1:]) == [["测试孵化器", "乌鲁木齐", "1"], ["测试孵化器", "喀什", "1"]]

    book = load_workbook(io.BytesIO(client.get("/en/reports/dashboard/lifecycle.xlsx").data))
    sheet = book.active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("阶段", "项目数")
    assert [v[0] for v in values[1:]] == ["已发布", "孵化中", "已落地新疆", "已毕业", "已关闭"]
    assert all(isinstance(v[1], int) for v in values[1:])

    book = load_workbook(io.BytesIO(client.get("/en/reports/organisations/test-base/dashboard/indicators.xlsx").data))
    values = list(book.active.iter_rows(values_only=True))
    assert values[0][:6] == ("机构", "年度", "指标", "单位", "完成值", "目标值")
    assert values[1][0] == "测试基地" and values[1][4] == 7 and values[1][5] == 10 and values[1][6] == "未完成"

    rows = read_csv(client.get("/en/reports/organisations/test-inc/dashboard/mentoring.csv").data)
    assert rows[0] == ["月份", "辅导场次", "辅导时长（小时）"] and rows[5] == ["2026-05", "1", "1.5"]


def test_the_evaluation_page_and_its_files(client, login, net):
    from openpyxl import load_workbook

    accept_report(net, 7)
    login(net.admin)
    page = client.get(f"/en/reports/evaluation?year={YEAR}").get_data(as_text=True)
    assert f"Annual evaluation {YEAR}" in page
    assert page.index("Xinjiang bases") < page.index("Offshore incubators and partner stations")
    article = re.search(r'<article[^>]*id="evaluation-test-base".*?</article>', page, re.S).group(0)
    row = re.search(rf'<tr[^>]*data-code="{net.indicator.code}"[^>]*>.*?</tr>', article, re.S).group(0)
    assert 'data-met="false"' in row and "✗ not met" in row and ">7<" in row.replace(" ", "")
    assert "0 met, 1 not met" in article
    no_target = re.findall(r'<tr[^>]*data-met="none"[^>]*>.*?</tr>', article, re.S)
    assert no_target and all("— no target" in r for r in no_target)  # the base's other indicators
    response = client.get(f"/en/reports/evaluation.xlsx?year={YEAR}")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[:2] == ["基地", "离岸孵化器及工作站"]
    rows = read_csv(client.get(f"/en/reports/evaluation.csv?year={YEAR}").data)
    assert rows[0][0] == "序号" and any(r[1] == "测试基地" and r[11] == "未完成" for r in rows[1:])


def test_two_missed_years_put_an_organisation_at_risk(client, login, net):
    from collab.orgs.models import IndicatorTarget
    from collab.reports.models import Report

    db.session.add(IndicatorTarget(organisation_id=net.base.id, code=net.indicator.code, start_year=YEAR - 1,
                                   end_year=YEAR - 1, baseline=None, target=10, cumulative=False))
    for year in (YEAR - 1, YEAR):
        db.session.add(Report(organisation_id=net.base.id, period=str(year), year=year, version=1, status="accepted",
                              values={net.indicator.code: 3}, prefilled={}))
    db.session.commit()
    login(net.admin)
    page = client.get(f"/en/reports/evaluation?year={YEAR}").get_data(as_text=True)
    article = re.search(r'<article[^>]*id="evaluation-test-base".*?</article>', page, re.S).group(0)
    assert "evaluation-at-risk" in article and "At risk of losing its status" in article
    assert "at risk of losing its status" in article


# --- bad query parameters -------------------------------------------------------------------------

BAD_RANGES = ["from=garbage", "from=2026-13-01", "to=1999-12-31", "from=2026-05-01&to=2026-01-01",
              "from=2000-01-01&to=2100-12-31", "from=%00&to=%ff", "from=" + "9" * 500, "from[]=x",
              "from=2026-02-30", "to=2026-1-1"]


@pytest.mark.parametrize("query", BAD_RANGES)
def test_bad_ranges_show_the_current_year_with_a_message(client, login, net, query):
    login(net.admin)
    for url in (f"/en/reports/dashboard?{query}", f"/en/reports/organisations/test-inc/dashboard?{query}"):
        response = client.get(url)
        page = response.get_data(as_text=True)
        if "%00" in query:  # the app refuses NUL bytes in a request before any view
            assert response.status_code == 400
            continue
        assert response.status_code == 200
        assert "From Jan 1, 2026 to Dec 31, 2026" in page
        if query != "from[]=x":
            assert 'class="alert alert-warning"' in page
    for ext in ("csv", "xlsx"):
        assert client.get(f"/en/reports/dashboard/funnel.{ext}?{query}").status_code == (400 if "%00" in query else 200)


@pytest.mark.parametrize("query", ["org=nope", "org=" + "x" * 300, "org=%00", "org=test-inc&org=other-inc"])
def test_bad_organisation_filters(client, login, net, query):
    login(net.admin)
    expected = 400 if "%00" in query else 200  # NUL bytes: refused before any view
    response = client.get(f"/en/reports/dashboard?{query}")
    assert response.status_code == expected
    if expected == 200 and "nope" in query:
        assert "No such organisation: the whole network is shown." in response.get_data(as_text=True)
    assert client.get(f"/en/reports/dashboard/flows.csv?{query}").status_code == expected


@pytest.mark.parametrize("year", ["abc", "1999", "2101", "20255", "-1", "2025.5", "%00", ""])
def test_bad_evaluation_years_fall_back_to_the_default(client, login, net, year):
    login(net.admin)
    response = client.get(f"/en/reports/evaluation?year={year}")
    page = response.get_data(as_text=True)
    if year == "%00":  # NUL bytes: refused before any view
        assert response.status_code == 400
        return
    assert response.status_code == 200
    assert f"Annual evaluation {YEAR - 1}" in page
    if year:
        assert "Give the year as four digits between 2000 and 2100" in page
    for ext in ("csv", "xlsx"):
        assert client.get(f"/en/reports/evaluation.{ext}?year={year}").status_code == 200


# --- a fixed number of queries ---------------------------------------------------------------------

def test_pages_and_files_run_a_fixed_number_of_queries(client, login, net):
    net.fill(1)
    accept_report(net, 12)
    login(net.admin)
    urls = ["/en/reports/dashboard", "/en/reports/dashboard?org=test-inc",
            "/en/reports/organisations/test-inc/dashboard", "/en/reports/dashboard/flows.csv",
            "/en/reports/organisations/test-inc/dashboard/indicators.xlsx", f"/en/reports/evaluation?year={YEAR}",
            f"/en/reports/evaluation.xlsx?year={YEAR}"]
    few = [count_queries(client, url) for url in urls]
    net.fill(9)  # ten times the figures
    many = [count_queries(client, url) for url in urls]
    assert many == few
    page = client.get("/en/reports/dashboard").get_data(as_text=True)
    assert [number(r[1]) for r in table_rows(section_html(page, "funnel"))] == [40, 30, 20, 10, 10]
