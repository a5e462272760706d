"""Reports and the annual evaluation as files (collab/reports/exports.py), read back with
openpyxl and csv: Chinese headers first, units in their own column, the values, one
sheet per organisation level; CSV with a UTF-8 BOM."""
from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import select

from collab.extensions import db
from collab.orgs.models import Organisation
from collab.reports import exports
from collab.reports.evaluation import evaluate
from collab.reports.models import Report


def org(key: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.key == key))


def accepted(organisation, year, values, prefilled=None, version=1, status="accepted"):
    report = Report(organisation_id=organisation.id, organisation=organisation, period=str(year), year=year,
                    quarter=None, version=version, status=status, values=values, prefilled=prefilled or {})
    db.session.add(report)
    db.session.commit()
    return report


def sheet_rows(data: bytes, title: str | None = None) -> list[list]:
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[title] if title else workbook.active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM first"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def by_indicator(rows, column="指标"):
    header = rows[0]
    return {row[header.index(column)]: dict(zip(header, row)) for row in rows[1:]}


# --- one report ----------------------------------------------------------------------------------------

def _incubator_report():
    dalian = org("dalian-offshore")
    return accepted(dalian, 2023, {"resident_companies": 42, "new_revenue_cny": 12_500_000, "floor_area_m2": 3500.5,
                                   "projects_landed_xinjiang": 3},
                    prefilled={"resident_companies": {"value": 40, "source": "projects_in_incubation"},
                               "projects_landed_xinjiang": {"value": 3, "source": "confirmed_landings"}})


def test_report_xlsx_reads_back(app):
    report = _incubator_report()
    workbook = load_workbook(io.BytesIO(exports.report_xlsx(report)))
    assert workbook.sheetnames == ["指标填报 2023年"]
    assert workbook.properties.title == "“试验区”新疆离岸（大连）创新基地 2023年 指标填报（第1版，已通过）"
    rows = sheet_rows(exports.report_xlsx(report))
    assert rows[0] == ["序号", "指标", "指标（英文） Indicator", "单位", "填报值", "平台数据", "数据来源"]
    table = by_indicator(rows)
    assert table["入驻企业数"] == {"序号": 2, "指标": "入驻企业数", "指标（英文） Indicator": "Resident companies", "单位": "个",
                              "填报值": 42, "平台数据": 40, "数据来源": "期末在孵的本机构项目"}
    assert (table["新增销售收入（元）"]["单位"], table["新增销售收入（元）"]["填报值"]) == ("元", 12_500_000)
    assert (table["孵化面积（平方米）"]["单位"], table["孵化面积（平方米）"]["填报值"]) == ("平方米", 3500.5)
    assert table["落地新疆项目数"]["数据来源"].startswith("经接收基地确认")
    assert table["毕业企业数"]["填报值"] is None  # not filled: an empty cell
    assert [row[0] for row in rows[1:]] == list(range(1, len(rows)))


def test_report_csv_reads_back_with_bom(app):
    report = _incubator_report()
    rows = csv_rows(exports.report_csv(report))
    assert rows[0][:4] == ["序号", "指标", "指标（英文） Indicator", "单位"]
    table = by_indicator(rows)
    assert table["入驻企业数"]["填报值"] == "42" and table["入驻企业数"]["平台数据"] == "40"
    assert table["新增销售收入（元）"]["填报值"] == "12500000"
    assert table["毕业企业数"]["填报值"] == ""


def test_a_base_report_names_its_money_unit(app):
    urumqi = org("urumqi-hitech")
    report = accepted(urumqi, 2023, {"tech_contract_value": 1.35, "rd_ratio": 2.3})
    table = by_indicator(sheet_rows(exports.report_xlsx(report)))
    assert (table["技术市场合同交易总额（亿元）"]["单位"], table["技术市场合同交易总额（亿元）"]["填报值"]) == ("亿元", 1.35)
    assert table["R&D比例（全社会研发占GDP比重）"]["单位"] == "%"
    name, ascii_name = exports.report_filename(report)
    assert "2023" in name and ascii_name == "report-urumqi-hitech-2023-v1"


# --- the evaluation -----------------------------------------------------------------------------------

def _evaluations():
    kashgar, urumqi, dalian = org("kashgar-edz"), org("urumqi-hitech"), org("dalian-offshore")
    accepted(kashgar, 2022, {"resident_companies": 200})
    accepted(kashgar, 2023, {"resident_companies": 299, "seed_fund_cny": 120_000_000, "events_held": 20})
    accepted(kashgar, 2021, {"events_held": 50})
    accepted(urumqi, 2023, {"tech_contract_value": 1.5})
    accepted(dalian, 2023, {"resident_companies": 42})
    return evaluate(2023, [kashgar, urumqi, dalian])


def test_evaluation_xlsx_one_sheet_per_level(app):
    data = exports.evaluation_xlsx(_evaluations(), 2023)
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["基地", "离岸孵化器及工作站", "汇总"]
    bases = sheet_rows(data, "基地")
    assert bases[0] == exports.EVALUATION_HEADERS
    assert bases[0][:7] == ["序号", "机构", "级别", "年度", "指标", "指标（英文） Indicator", "单位"]
    assert {"完成值", "目标值", "是否完成", "连续未完成年数"} <= set(bases[0])
    header = bases[0]
    rows = [dict(zip(header, row)) for row in bases[1:]]
    kashgar = {r["指标"]: r for r in rows if r["机构"].startswith("喀什")}
    resident = kashgar["入驻企业数"]
    assert (resident["单位"], resident["完成值"], resident["目标值"], resident["是否完成"], resident["连续未完成年数"]) == (
        "个", 299, 300, "未完成", 2)
    assert resident["级别"] == "基地" and resident["年度"] == 2023
    assert resident["目标来源"].startswith("喀什经济开发区") and resident["目标说明"] == "2023年目标（2021–2023年规划）"
    seed = kashgar["种子资金或孵化资金累计（元）"]
    assert (seed["单位"], seed["完成值"], seed["目标值"], seed["是否完成"]) == ("元", 120_000_000, 100_000_000, "完成")
    events = kashgar["举办对接会、推介会、路演场次"]  # cumulative: 50 (2021) + 20 (2023) = 70 < 100
    assert (events["完成值"], events["累计完成值"], events["目标值"], events["是否完成"]) == (20, 70, 100, "未完成")
    assert kashgar["新增就业人数"]["是否完成"] == "未填报"
    assert kashgar["举办相关政策宣传推介活动数"]["是否完成"] == "无目标"
    assert resident["累计完成值"] is None  # not a cumulative target
    urumqi = {r["指标"]: r for r in rows if r["机构"].startswith("乌鲁木齐")}
    contract = urumqi["技术市场合同交易总额（亿元）"]
    assert (contract["单位"], contract["完成值"], contract["目标值"], contract["是否完成"]) == ("亿元", 1.5, 1.5, "完成")
    assert [row[0] for row in bases[1:]] == list(range(1, len(bases)))  # one row per organisation × indicator

    incubators = sheet_rows(data, "离岸孵化器及工作站")
    dalian = {row[4]: row for row in incubators[1:]}
    assert dalian["入驻企业数"][7] == 42 and dalian["入驻企业数"][11] == "无目标"
    assert {row[2] for row in incubators[1:]} == {"离岸孵化器及工作站"}

    summary = sheet_rows(data, "汇总")
    assert summary[0] == exports.SUMMARY_HEADERS
    kashgar_summary = next(row for row in summary[1:] if row[1].startswith("喀什"))
    assert "入驻企业数" in kashgar_summary[8]


def test_evaluation_csv_bases_first_with_bom(app):
    evaluations = _evaluations()
    rows = csv_rows(exports.evaluation_csv(list(reversed(evaluations)), 2023))
    assert rows[0] == exports.EVALUATION_HEADERS
    levels = [row[2] for row in rows[1:]]
    assert levels == sorted(levels, key=["基地", "离岸孵化器及工作站"].index)
    header = rows[0]
    resident = next(dict(zip(header, row)) for row in rows[1:] if row[1].startswith("喀什") and row[4] == "入驻企业数")
    assert (resident["单位"], resident["完成值"], resident["目标值"], resident["是否完成"], resident["连续未完成年数"]) == (
        "个", "299", "300", "未完成", "2")
    assert len(rows) - 1 == sum(len(e.rows) for e in evaluations)


# --- generic tables ---------------------------------------------------------------------------------

def test_generic_tables_for_dashboards(app):
    headers = ["城市 City", "落地项目数（个）", "日期"]
    rows = [["喀什", 3, date(2026, 5, 1)], ["=HYPERLINK(\"x\")", 1.5, None]]
    parsed = csv_rows(exports.table_csv(headers, rows))
    assert parsed == [headers, ["喀什", "3", "2026-05-01"], ["'=HYPERLINK(\"x\")", "1.5", ""]]
    sheet = sheet_rows(exports.table_xlsx("落地流向/城市[2026]", headers, rows))
    assert sheet[0] == headers and sheet[1][:2] == ["喀什", 3] and sheet[2][0].startswith("'=")
    workbook = load_workbook(io.BytesIO(exports.table_xlsx("x" * 40, headers, [])))
    assert workbook.sheetnames == ["x" * 31]


def test_attachment_keeps_the_chinese_name(app):
    with app.test_request_context("/zh/"):
        response = exports.attachment(b"\xef\xbb\xbfa", "csv", "2023年度绩效考评", "evaluation-2023")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="evaluation-2023.csv"')
    assert "filename*=UTF-8''2023%E5%B9%B4" in disposition
    assert response.headers["Cache-Control"] == "no-store, private"
    assert response.mimetype == "text/csv"
