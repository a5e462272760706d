"""Dashboards of the network and of each organisation, and the annual evaluation.

- ``/<lang>/reports/dashboard`` — the network's (administrators), ``?from=&to=&org=``;
- ``/<lang>/reports/organisations/<key>/dashboard`` — one organisation's (its approved
  members and its administrators), ``?from=&to=``;
- ``…/dashboard/<section>.csv|.xlsx`` — each section's table as a file, same query string;
- ``/<lang>/reports/evaluation?year=`` — the annual evaluation (年度绩效考评), and its files.
"""
from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from ..extensions import db
from ..orgs.models import Organisation
from . import charts, dashboards
from .indicators import UNIT_LABELS
from .routes import bp
from .services import may_read, today_in_beijing


def _require_admin() -> None:
    if not current_user.is_admin:
        abort(403)


def _readable_org(key: str) -> Organisation:
    """The organisation whose dashboard ``current_user`` may read: its approved members and
    administrators (who read the network's dashboard, filtered to it, anyway), as its reports."""
    org = db.session.scalar(select(Organisation).where(Organisation.key == key[:64],
                                                       Organisation.status == "approved"))
    if org is None:
        abort(404)
    if not may_read(current_user, org):
        abort(403)
    return org


# --- charts of each section ---------------------------------------------------------------------

def _name(zh, en, lang):
    return (zh or en or "") if lang == "zh" else (en or zh or "")


def section_charts(section: dashboards.Section, lang: str) -> list[Markup]:
    """The section drawn (the indicators section: one chart per organisation)."""
    key = section.key
    no_data = _("No data for this range.")
    if key == "indicators":
        groups: dict = {}
        for row in section.rows:
            groups.setdefault(row["organisation_id"], []).append(row)
        if not groups:
            return [charts.empty_chart("chart-indicators", section.title, no_data)]
        drawn = []
        for org_id, rows in groups.items():
            org = _name(rows[0]["org_zh"], rows[0]["org_en"], lang)
            bars = [{"label": f"{row['year']} · {_name(row['name_zh'], row['name_en'], lang)}",
                     "value": row["value"], "target": row["target"], "met": row["met"],
                     "unit": str(UNIT_LABELS.get(row["unit"], "")) if row["unit"] not in ("count", None) else ""}
                    for row in rows]
            met = sum(1 for row in rows if row["met"] is True)
            drawn.append(charts.bar_chart(
                bars, chart_id=f"chart-indicators-{org_id}", title=_("%(org)s: indicators against targets", org=org),
                desc=_("%(met)s of %(total)s figures meet their target. Each bar is the figure, the line its target.",
                       met=met, total=len(rows)),
                empty_message=no_data, per_row_scale=True, met_labels=("✓", "✗"), target_label=_("Target")))
        return drawn
    table = dashboards.table(section, lang)
    if key == "funnel":
        steps = [{"label": row[0], "value": row[1], "of_previous": row[2], "of_first": row[3]} for row in table.rows]
        first = section.rows[0]["value"]
        last = section.rows[-1]["value"]
        return [charts.funnel_chart(
            steps, chart_id="chart-funnel", title=section.title,
            desc=_("From %(matches)s matches to %(signed)s agreements signed in the range.", matches=first, signed=last),
            empty_message=no_data, previous_label=_("of the previous step:"), first_label=_("of matches:"))]
    if key == "mentoring":
        bars = [{"label": row[0], "value": row[2], "note": _("(%(n)s sessions)", n=row[1])} for row in table.rows]
        total = round(sum(row[2] for row in table.rows), 1)
        if not any(row[2] for row in table.rows):
            bars = []
        return [charts.bar_chart(bars, chart_id="chart-mentoring", title=section.title,
                                 desc=_("%(hours)s hours of completed sessions in the range, by month.", hours=total),
                                 empty_message=no_data, unit=_("h"))]
    if key == "lifecycle":
        bars = [{"label": row[0], "value": row[1]} for row in table.rows]
        if not any(row[1] for row in table.rows):
            bars = []
        return [charts.bar_chart(bars, chart_id="chart-lifecycle", title=section.title,
                                 desc=_("%(n)s projects, by their current status.", n=sum(r[1] for r in table.rows)),
                                 empty_message=no_data)]
    links = [{"source": row[0], "target": row[1], "value": row[2]} for row in table.rows]
    return [charts.flow_chart(links, chart_id="chart-flows", title=section.title,
                              desc=_("%(n)s confirmed landings: each band goes from the organisation a project came "
                                     "through to the city where it landed.", n=sum(r[2] for r in table.rows)),
                              empty_message=no_data)]


def _page(filters: dashboards.Filters, *, organisation: Organisation | None, network: bool):
    from ..i18n import current_lang

    lang = current_lang()
    blocks = []
    for section in dashboards.sections(filters):
        blocks.append({"section": section, "table": dashboards.table(section, lang),
                       "charts": section_charts(section, lang)})
    return render_template("reports/dashboard.html", filters=filters, blocks=blocks, organisation=organisation,
                           network=network, choices=dashboards.filter_choices() if network else [],
                           query=filters.query_args() if network else
                           {k: v for k, v in filters.query_args().items() if k != "org"})


def _file(section: dashboards.Section, extension: str, stem: str) -> Response:
    """The section's table as a file: Chinese headers and labels, whoever downloads."""
    from . import exports

    table = dashboards.table(section, "zh", for_file=True)
    title = dashboards.file_title(section)
    rows = [[_cell(value) for value in row] for row in table.rows]
    if extension == "csv":
        data = exports.table_csv(table.headers, rows)
    else:
        data = exports.table_xlsx(title, table.headers, rows)
    return exports.attachment(data, extension, f"{title} {stem}", f"{stem}-{section.key}")


def _cell(value):
    return "" if value is None else value


def _section_or_404(section: str) -> str:
    if section not in dashboards.SECTIONS:
        abort(404)
    return section


# --- views ---------------------------------------------------------------------------------------

@bp.get("/dashboard")
@login_required
def dashboard():
    """The network's dashboard (administrators), optionally of one organisation."""
    _require_admin()
    filters = dashboards.parse_filters(request.args, allow_org_filter=True)
    return _page(filters, organisation=filters.organisation, network=True)


@bp.get("/dashboard/<section>.<any(csv, xlsx):extension>")
@login_required
def dashboard_file(section: str, extension: str):
    """One section of the network's dashboard as CSV (UTF-8 with a BOM) or XLSX."""
    _require_admin()
    filters = dashboards.parse_filters(request.args, allow_org_filter=True)
    stem = f"dashboard-{filters.organisation.key}" if filters.organisation else "dashboard-network"
    return _file(dashboards.section(_section_or_404(section), filters), extension,
                 f"{stem}-{filters.start}-{filters.end}")


@bp.get("/organisations/<key>/dashboard")
@login_required
def organisation_dashboard(key: str):
    """One organisation's dashboard (its approved members and administrators)."""
    org = _readable_org(key)
    filters = dashboards.parse_filters(request.args, organisation=org)
    return _page(filters, organisation=org, network=False)


@bp.get("/organisations/<key>/dashboard/<section>.<any(csv, xlsx):extension>")
@login_required
def organisation_dashboard_file(key: str, section: str, extension: str):
    org = _readable_org(key)
    filters = dashboards.parse_filters(request.args, organisation=org)
    return _file(dashboards.section(_section_or_404(section), filters), extension,
                 f"dashboard-{org.key}-{filters.start}-{filters.end}")


# --- the annual evaluation -----------------------------------------------------------------------

def evaluation_year(args) -> tuple[int, str | None]:
    """The ``year`` asked for (2000–2100), else last year (Beijing time) and a message."""
    default = today_in_beijing().year - 1
    raw = args.get("year")
    if raw is None or raw == "":
        return default, None
    text = str(raw).strip()
    if text.isdigit() and len(text) == 4 and 2000 <= int(text) <= 2100:
        return int(text), None
    return default, _("Give the year as four digits between 2000 and 2100: %(year)s is shown instead.", year=default)


@bp.get("/evaluation")
@login_required
def evaluation():
    """年度绩效考评: each organisation's indicators against its targets for a year."""
    from . import evaluation as evaluations

    _require_admin()
    year, message = evaluation_year(request.args)
    groups = evaluation_groups(evaluations.evaluate(year))
    return render_template("reports/evaluation.html", year=year, message=message, groups=groups,
                           at_risk_years=evaluations.TWO_YEARS,
                           unit_names=_UnitNames())


class _UnitNames(dict):
    """Unit labels translated once per page (a page shows hundreds of rows)."""

    def __missing__(self, unit):
        self[unit] = str(UNIT_LABELS.get(unit, unit))
        return self[unit]


def evaluation_groups(results) -> list[dict]:
    """The evaluations by level: Xinjiang bases, then offshore incubators and stations."""
    from flask_babel import lazy_gettext as _l

    titles = {"base": _l("Xinjiang bases"), "incubator": _l("Offshore incubators and partner stations")}
    grouped: dict = {"base": [], "incubator": []}
    for entry in results:
        grouped.setdefault(entry.level, []).append(entry)
    return [{"level": level, "title": titles.get(level, level), "entries": entries}
            for level, entries in grouped.items() if entries]


@bp.get("/evaluation.<any(csv, xlsx):extension>")
@login_required
def evaluation_file(extension: str):
    """The evaluation as XLSX (one sheet per level and a summary, Chinese headers) or CSV (BOM)."""
    from . import evaluation as evaluations, exports

    _require_admin()
    year, _message = evaluation_year(request.args)
    results = evaluations.evaluate(year)
    data = exports.evaluation_csv(results, year) if extension == "csv" else exports.evaluation_xlsx(results, year)
    name, ascii_name = exports.evaluation_filename(year)
    return exports.attachment(data, extension, name, ascii_name)
