"""Indicator reports and the annual evaluation as files for the bases' offices, laid out
like their own tables: Chinese headers (序号, 指标, 单位, …; English only after the Chinese,
as a column of its own), the unit in a column of its own (元, 万元, 亿元, 平方米, 个, %),
one row per indicator (per organisation × indicator in the evaluation), and, in the
evaluation workbook, one sheet per organisation level (基地 / 离岸孵化器及工作站) and a
汇总 sheet.

CSV files are UTF-8 with a BOM (Excel reads the Chinese right), XLSX files are written
with openpyxl; both go through :func:`table_csv` / :func:`table_xlsx`, which the
dashboards use for every chart's table too. Headers and coded values are always in
Chinese, whoever exports (as the attendee lists of collab/events/exports.py, whose
helpers these reuse: formula-like text is neutralised in both files).
"""
from __future__ import annotations

import csv
import io
import re
from urllib.parse import quote

from flask import Response

from ..events.exports import CSV_TYPE, XLSX_TYPE, cell_text, display_width, neutralise
from .figures import SOURCE_ZH
from .indicators import indicators_for

UNIT_ZH = {"count": "个", "cny": "元", "10k_cny": "万元", "100m_cny": "亿元", "m2": "平方米", "percent": "%",
           "per_10k_people": "项/万人"}
LEVEL_ZH = {"base": "基地", "incubator": "离岸孵化器及工作站"}
LEVELS = ("base", "incubator")
STATUS_ZH = {"draft": "草稿", "submitted": "已提交", "returned": "已退回", "accepted": "已通过"}

REPORT_HEADERS = ["序号", "指标", "指标（英文） Indicator", "单位", "填报值", "平台数据", "数据来源"]
EVALUATION_HEADERS = ["序号", "机构", "级别", "年度", "指标", "指标（英文） Indicator", "单位", "完成值", "累计完成值",
                      "目标值", "目标说明", "是否完成", "连续未完成年数", "目标来源"]
SUMMARY_HEADERS = ["序号", "机构", "级别", "年度", "已完成", "未完成", "未填报", "无目标", "连续两年及以上未完成的指标"]
SUMMARY_TITLE = "汇总"
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]+")
_NAME_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


# --- generic tables ---------------------------------------------------------------------------

def table_csv(headers: list[str], rows: list[list]) -> bytes:
    """A CSV file: a UTF-8 BOM, the headers, one line per row (CRLF); dates as
    YYYY-MM-DD, None as an empty cell, formula-like text neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([cell_text(neutralise(h)) for h in headers])
    for row in rows:
        writer.writerow([cell_text(neutralise(value)) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _sheet_title(title: str) -> str:
    return (_SHEET_UNSAFE.sub(" ", title or "").strip() or "Sheet")[:31]


def _fill(sheet, headers: list[str], rows: list[list]) -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", neutralise(v)) if isinstance(v, str) else v for v in row])
    for index, title in enumerate(headers, start=1):
        widest = max([display_width(title)] + [display_width(row[index - 1]) for row in rows if len(row) >= index])
        sheet.column_dimensions[get_column_letter(index)].width = min(widest + 2, 60)
    sheet.freeze_panes = "A2"
    if rows:
        sheet.auto_filter.ref = sheet.dimensions


def workbook_bytes(sheets: list[tuple[str, list[str], list[list]]], title: str | None = None) -> bytes:
    """An XLSX workbook of ``(sheet title, headers, rows)`` sheets, in order: bold, frozen
    header rows with a filter, numbers as numbers, columns sized to their content."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.creator = "Collab"
    if title:
        workbook.properties.title = title
    used = set()
    for sheet_title, headers, rows in sheets:
        name, n = _sheet_title(sheet_title), 1
        while name in used:  # sheet names are unique
            n += 1
            name = f"{_sheet_title(sheet_title)[:28]} {n}"
        used.add(name)
        _fill(workbook.create_sheet(name), headers, rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def table_xlsx(title: str, headers: list[str], rows: list[list]) -> bytes:
    """One table as an XLSX workbook of one sheet named ``title`` (31 characters at most)."""
    return workbook_bytes([(title, headers, rows)], title=title)


def attachment(data: bytes, extension: str, name: str, ascii_name: str) -> Response:
    """``data`` as a file to save (``csv`` or ``xlsx``): its Chinese ``name`` kept for
    today's browsers (RFC 6266 / 5987), ``ascii_name`` for old ones; never cached."""
    name = " ".join(_NAME_UNSAFE.sub(" ", name).split())[:120].strip(" .") or ascii_name
    response = Response(data, content_type=CSV_TYPE if extension == "csv" else XLSX_TYPE)
    response.headers["Content-Disposition"] = (f"attachment; filename=\"{ascii_name}.{extension}\"; "
                                               f"filename*=UTF-8''{quote(f'{name}.{extension}', safe='')}")
    response.headers["Cache-Control"] = "no-store, private"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# --- one report ------------------------------------------------------------------------------------

def _org_name(org) -> str:
    return (org.name_zh or org.name_en or org.key) if org is not None else ""


def report_rows(report) -> list[list]:
    """One row per indicator the organisation reports: its figure, the platform's and
    the platform figure's source."""
    values, prefilled = report.values or {}, report.prefilled or {}
    rows = []
    for number, indicator in enumerate(indicators_for(report.organisation), start=1):
        known = prefilled.get(indicator.code) or {}
        rows.append([number, indicator.zh, indicator.en, UNIT_ZH.get(indicator.unit, indicator.unit),
                     values.get(indicator.code), known.get("value"), SOURCE_ZH.get(known.get("source"), "")])
    return rows


def report_title(report) -> str:
    """绿洲孵化器 2023年 指标填报（第2版，已通过）"""
    period = f"{report.year}年第{report.quarter}季度" if report.quarter else f"{report.year}年"
    return (f"{_org_name(report.organisation)} {period} 指标填报"
            f"（第{report.version}版，{STATUS_ZH.get(report.status, report.status)}）")


def report_csv(report) -> bytes:
    return table_csv(REPORT_HEADERS, report_rows(report))


def report_xlsx(report) -> bytes:
    period = f"{report.year}年Q{report.quarter}" if report.quarter else f"{report.year}年"
    return workbook_bytes([(f"指标填报 {period}", REPORT_HEADERS, report_rows(report))], title=report_title(report))


def report_filename(report) -> tuple[str, str]:
    """(the real name, an ASCII one), without the extension."""
    return (f"{_org_name(report.organisation)}-{report.period}-指标填报-v{report.version}",
            f"report-{report.organisation.key}-{report.period}-v{report.version}")


# --- the evaluation ----------------------------------------------------------------------------------

def evaluation_rows(evaluations, year: int, level: str | None = None) -> list[list]:
    """One row per organisation × indicator (of one level, or all)."""
    rows, number = [], 0
    for evaluation in evaluations:
        if level is not None and evaluation.level != level:
            continue
        for result in evaluation.rows:
            number += 1
            rule = result.target
            rows.append([
                number, _org_name(evaluation.organisation), LEVEL_ZH.get(evaluation.level, evaluation.level), year,
                result.indicator.zh, result.indicator.en, UNIT_ZH.get(result.unit, result.unit), result.value,
                result.compared if rule is not None and rule.cumulative else None,
                rule.value if rule else None, rule.explain_zh() if rule else "", result.label_zh,
                result.consecutive_misses, (rule.source or "") if rule else "",
            ])
    return rows


def summary_rows(evaluations, year: int) -> list[list]:
    codes_zh = {}
    for evaluation in evaluations:
        for result in evaluation.rows:
            codes_zh[result.code] = result.indicator.zh
    return [[number, _org_name(e.organisation), LEVEL_ZH.get(e.level, e.level), year, e.summary.met,
             e.summary.not_met, e.summary.no_figure, e.summary.no_target,
             "、".join(codes_zh.get(code, code) for code in e.summary.missed_twice)]
            for number, e in enumerate(evaluations, start=1)]


def evaluation_xlsx(evaluations, year: int) -> bytes:
    """Sheets 基地 and 离岸孵化器及工作站 (one row per organisation × indicator), then 汇总."""
    evaluations = list(evaluations)
    sheets = [(LEVEL_ZH[level], EVALUATION_HEADERS, evaluation_rows(evaluations, year, level)) for level in LEVELS]
    sheets.append((SUMMARY_TITLE, SUMMARY_HEADERS, summary_rows(evaluations, year)))
    return workbook_bytes(sheets, title=f"{year}年度绩效考评")


def evaluation_csv(evaluations, year: int) -> bytes:
    """Every organisation × indicator in one table, bases first (the 级别 column says which)."""
    evaluations = list(evaluations)
    ordered = [e for level in LEVELS for e in evaluations if e.level == level]
    return table_csv(EVALUATION_HEADERS, evaluation_rows(ordered, year))


def evaluation_filename(year: int) -> tuple[str, str]:
    return f"{year}年度绩效考评", f"evaluation-{year}"
