"""The figures of the dashboards: the network's, or one organisation's, over a date range.

Each section is a fixed number of grouped queries whatever the size of the data
(``GROUP BY`` in the database, never rows loaded to be counted in Python):

============  =================================================================  =======
section       what                                                               queries
============  =================================================================  =======
indicators    each indicator with a target against it, per organisation and      evaluate()
              year of the range (``evaluation.evaluate``)
funnel        matches → interest → accepted → meeting held → agreement signed,   2
              each step counted by its own date in the range
mentoring     hours of completed sessions by month (Beijing time) of the         1
              organisation's mentors, or of all
lifecycle     the scope's projects by their current status                       1
flows         confirmed landings in the range, by the organisation they landed   2
              through (the offshore incubator) and the Xinjiang city
============  =================================================================  =======

Ranges are Beijing-time days ``[start, end]`` (both included), read as the instants
``[midnight of start, midnight after end)`` in Asia/Shanghai, as the bases report.

A section's data (``Section.rows``) are raw figures and codes; ``table(section, lang)``
turns them into the labelled table the page shows and the files export (in Chinese).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import force_locale, gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select

from ..content.labels import LOCATION_LABELS, STATUS_LABELS
from ..events.stats import instant
from ..extensions import db
from ..i18n import lang_to_locale
from ..orgs.models import Organisation
from .indicators import REPORTING_KINDS, UNIT_LABELS
from .services import today_in_beijing

SECTIONS = ("indicators", "funnel", "mentoring", "lifecycle", "flows")
SECTION_TITLES = {
    "indicators": _l("Indicators against targets"),
    "funnel": _l("Match funnel"),
    "mentoring": _l("Mentoring hours"),
    "lifecycle": _l("Projects by lifecycle stage"),
    "flows": _l("Landings: from offshore incubators to Xinjiang cities"),
}
FUNNEL_STEPS = ("matches", "interest", "accepted", "meeting", "signed")
FUNNEL_LABELS = {
    "matches": _l("Matches"),
    "interest": _l("Interest expressed"),
    "accepted": _l("Accepted"),
    "meeting": _l("Meeting held"),
    "signed": _l("Agreement signed"),
}
LIFECYCLE = ("published", "in_incubation", "landed", "graduated", "closed")
MAX_YEARS = 10  # a range spans at most ten years (the indicators section evaluates each)
MIN_YEAR, MAX_YEAR = 2000, 2100


# --- the range and the scope ----------------------------------------------------------------

@dataclass
class Filters:
    start: date
    end: date  # included
    organisation: Organisation | None = None
    messages: list[str] = field(default_factory=list)

    @property
    def years(self) -> list[int]:
        return list(range(self.start.year, self.end.year + 1))

    def query_args(self) -> dict:
        args = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.organisation is not None:
            args["org"] = self.organisation.key
        return args


def default_range() -> tuple[date, date]:
    """The current year in Beijing time."""
    year = today_in_beijing().year
    return date(year, 1, 1), date(year, 12, 31)


def _parse_date(text) -> date | None:
    if not isinstance(text, str) or len(text.strip()) != 10:
        return None
    try:
        value = date.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if MIN_YEAR <= value.year <= MAX_YEAR else None


def parse_filters(args, *, organisation: Organisation | None = None, allow_org_filter: bool = False) -> Filters:
    """The range (``from``, ``to``: YYYY-MM-DD) and, on the network dashboard, the ``org``
    filter (an organisation's key). Anything unusable is replaced by the default with a
    translated message saying so."""
    start, end = default_range()
    messages = []
    raw_from, raw_to = args.get("from", ""), args.get("to", "")
    if raw_from or raw_to:
        parsed_from = _parse_date(raw_from) if raw_from else start
        parsed_to = _parse_date(raw_to) if raw_to else end
        if parsed_from is None or parsed_to is None:
            messages.append(_("Dates are given as YYYY-MM-DD between 2000 and 2100: the current year is shown instead."))
        elif parsed_from > parsed_to:
            messages.append(_("The start of the range is after its end: the current year is shown instead."))
        elif parsed_to.year - parsed_from.year >= MAX_YEARS:
            messages.append(_("A range spans at most %(years)s years: the current year is shown instead.",
                              years=MAX_YEARS))
        else:
            start, end = parsed_from, parsed_to
    if allow_org_filter and args.get("org"):
        key = str(args.get("org"))[:64]
        organisation = db.session.scalar(select(Organisation).where(Organisation.key == key,
                                                                    Organisation.status == "approved"))
        if organisation is None:
            messages.append(_("No such organisation: the whole network is shown."))
    return Filters(start=start, end=end, organisation=organisation, messages=messages)


def filter_choices() -> list[Organisation]:
    """The organisations the network dashboard filters by: bases, incubators, stations."""
    return list(db.session.scalars(select(Organisation).where(
        Organisation.status == "approved", Organisation.kind.in_(REPORTING_KINDS))
        .order_by(Organisation.kind, Organisation.name_zh, Organisation.id)))


def _bounds(filters: Filters):
    return instant(filters.start), instant(filters.end + timedelta(days=1))


def _in(column, low, high):
    return and_(column >= low, column < high)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _month(column):
    """The Beijing-time month of an instant as YYYY-MM, computed in the database."""
    if _dialect() == "sqlite":
        return func.strftime("%Y-%m", column, "+8 hours")
    return func.to_char(func.timezone("Asia/Shanghai", column), "YYYY-MM")


def _minutes(start, end):
    if _dialect() == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 1440.0
    return func.extract("epoch", end - start) / 60.0


# --- sections --------------------------------------------------------------------------------

@dataclass
class Section:
    key: str
    rows: list[dict]
    extra: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        return str(SECTION_TITLES[self.key])


def _percent(part, whole):
    return round(100.0 * part / whole, 1) if whole else None


def funnel(filters: Filters) -> Section:
    """The steps in the range, for the network or the organisation's projects and needs
    (a match counts for an organisation when either its project or its need is its own)."""
    from ..matching.models import Introduction, Match
    from ..needs.models import Need
    from ..projects.models import Project

    low, high = _bounds(filters)
    org = filters.organisation
    matches = select(func.count(Match.id)).where(_in(Match.created_at, low, high))
    steps = {"interest": Introduction.created_at, "accepted": Introduction.accepted_at,
             "meeting": Introduction.meeting_at, "signed": Introduction.signed_at}
    intros = select(*[func.coalesce(func.sum(case((_in(column, low, high), 1), else_=0)), 0).label(name)
                      for name, column in steps.items()]).select_from(Introduction)
    if org is not None:
        matches = (matches.join(Project, Project.id == Match.project_id).join(Need, Need.id == Match.need_id)
                   .where(or_(Project.organisation_id == org.id, Need.organisation_id == org.id)))
        intros = (intros.join(Project, Project.id == Introduction.project_id)
                  .join(Need, Need.id == Introduction.need_id)
                  .where(or_(Project.organisation_id == org.id, Need.organisation_id == org.id)))
    intros = intros.where(or_(*[_in(column, low, high) for column in steps.values()]))
    counts = {"matches": int(db.session.scalar(matches) or 0)}
    row = db.session.execute(intros).one()
    counts.update({name: int(getattr(row, name) or 0) for name in steps})
    rows, previous = [], None
    for step in FUNNEL_STEPS:
        value = counts[step]
        rows.append({"step": step, "value": value,
                     "of_previous": None if previous is None else _percent(value, previous),
                     "of_first": None if previous is None else _percent(value, counts["matches"])})
        previous = value
    return Section("funnel", rows)


def mentoring(filters: Filters) -> Section:
    """Hours of completed sessions per Beijing-time month of the range (every month shown,
    zero when none), by the organisation's mentors or all."""
    from ..mentors.models import Booking, MentorProfile

    low, high = _bounds(filters)
    month = _month(Booking.start_at)
    statement = (select(month.label("month"), func.count(Booking.id), func.sum(_minutes(Booking.start_at, Booking.end_at)))
                 .where(Booking.status == "completed", _in(Booking.start_at, low, high)).group_by(month))
    if filters.organisation is not None:
        statement = statement.join(MentorProfile, MentorProfile.id == Booking.mentor_id).where(
            MentorProfile.organisation_id == filters.organisation.id)
    found = {key: (int(sessions), float(minutes or 0)) for key, sessions, minutes in db.session.execute(statement)}
    rows = []
    for key in _months(filters.start, filters.end):
        sessions, minutes = found.get(key, (0, 0.0))
        rows.append({"month": key, "sessions": sessions, "hours": round(minutes / 60.0, 1)})
    return Section("mentoring", rows)


def _months(start: date, end: date) -> list[str]:
    out, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def lifecycle(filters: Filters) -> Section:
    """The scope's projects now, by status along the lifecycle (not limited to the range:
    a status is today's)."""
    from ..projects.models import Project

    statement = (select(Project.status, func.count(Project.id)).where(Project.status.in_(LIFECYCLE))
                 .group_by(Project.status))
    if filters.organisation is not None:
        statement = statement.where(Project.organisation_id == filters.organisation.id)
    found = dict(db.session.execute(statement).all())
    return Section("lifecycle", [{"status": status, "value": int(found.get(status, 0))} for status in LIFECYCLE])


def flows(filters: Filters) -> Section:
    """Confirmed landings whose date is in the range, by the organisation they came through
    and the city; for an organisation, those through it or received at it (a base)."""
    from ..projects.models import Landing

    statement = (select(Landing.via_id, Landing.city, func.count(Landing.id))
                 .where(Landing.status == "confirmed", Landing.landed_on >= filters.start,
                        Landing.landed_on <= filters.end)
                 .group_by(Landing.via_id, Landing.city))
    org = filters.organisation
    if org is not None:
        statement = statement.where(or_(Landing.via_id == org.id, Landing.base_id == org.id))
    found = db.session.execute(statement).all()
    ids = {via for via, _city, _n in found if via is not None}
    names = {}
    if ids:
        names = {row.id: row for row in db.session.execute(
            select(Organisation.id, Organisation.name_zh, Organisation.name_en).where(Organisation.id.in_(ids)))}
    rows = [{"via_id": via, "via_zh": getattr(names.get(via), "name_zh", None),
             "via_en": getattr(names.get(via), "name_en", None), "city": city, "value": int(count)}
            for via, city, count in found]
    totals: dict = {}
    for row in rows:
        totals[row["via_id"]] = totals.get(row["via_id"], 0) + row["value"]
    rows.sort(key=lambda r: (-totals[r["via_id"]], r["via_zh"] or r["via_en"] or "", -r["value"], r["city"]))
    return Section("flows", rows)


def indicators(filters: Filters) -> Section:
    """Each indicator with a target for the year, against it, per organisation and year of
    the range (``evaluation.evaluate``: a fixed number of queries per year; indicators
    without a target are left to the evaluation page). Cumulative targets compare the
    running total, as the evaluation does: that is the value shown."""
    from . import evaluation

    orgs = [filters.organisation] if filters.organisation is not None else None
    rows = []
    for year in filters.years:
        for entry in evaluation.evaluate(year, organisations=orgs):
            org = entry.organisation
            for result in entry.rows:
                if result.target is None:
                    continue
                indicator = result.indicator
                rows.append({
                    "organisation_id": org.id, "org_zh": org.name_zh, "org_en": org.name_en, "year": year,
                    "code": indicator.code, "name_zh": indicator.zh, "name_en": indicator.en, "unit": indicator.unit,
                    "value": result.compared, "target": result.target.value, "met": result.met,
                    "cumulative": result.target.cumulative, "consecutive_misses": result.consecutive_misses,
                })
    return Section("indicators", rows)


BUILDERS = {"indicators": indicators, "funnel": funnel, "mentoring": mentoring, "lifecycle": lifecycle,
            "flows": flows}


def section(key: str, filters: Filters) -> Section:
    return BUILDERS[key](filters)


def sections(filters: Filters) -> list[Section]:
    return [BUILDERS[key](filters) for key in SECTIONS]


# --- tables: the same figures, labelled for the reader, or in Chinese for the files ---------------
#
# The page's tables follow the reader's language (gettext). The files (CSV / XLSX) are for
# the bases' offices and always Chinese, headers first, as collab/reports/exports.py lays
# out its own: those words are literal here, never a catalog's fallback.

FILE_TITLES_ZH = {"indicators": "指标完成情况", "funnel": "对接转化漏斗", "mentoring": "导师辅导时长",
                  "lifecycle": "项目阶段分布", "flows": "离岸孵化器至新疆城市落地流向"}
FUNNEL_ZH = {"matches": "匹配推荐", "interest": "表达意向", "accepted": "已接受", "meeting": "已会面",
             "signed": "已签约"}
STATUS_ZH = {"published": "已发布", "in_incubation": "孵化中", "landed": "已落地新疆", "graduated": "已毕业",
             "closed": "已关闭"}
MET_ZH = {True: "完成", False: "未完成", None: "未填报"}
HEADERS_ZH = {
    "indicators": ["机构", "年度", "指标", "单位", "完成值", "目标值", "是否完成", "连续未完成年数"],
    "funnel": ["环节", "数量", "占上一环节（%）", "占匹配推荐（%）"],
    "mentoring": ["月份", "辅导场次", "辅导时长（小时）"],
    "lifecycle": ["阶段", "项目数"],
    "flows": ["来源机构", "落地城市", "落地项目数"],
}


@dataclass
class Table:
    caption: str
    headers: list[str]
    rows: list[list]          # cells: str, int, float or None
    numeric: tuple[int, ...]  # the columns of figures (right-aligned)
    value_column: int         # the column the chart draws


def table(section: Section, lang: str, *, for_file: bool = False) -> Table:
    """The section's table in ``lang``; ``for_file``: the Chinese table of the files."""
    zh = for_file or lang == "zh"
    with force_locale(lang_to_locale("zh" if zh else "en")):
        made = _TABLES[section.key](section, zh, for_file)
    if for_file:
        made.headers = list(HEADERS_ZH[section.key])
        made.caption = FILE_TITLES_ZH[section.key]
    return made


def _org_name(zh_name, en_name, zh: bool):
    return (zh_name or en_name) if zh else (en_name or zh_name)


def _indicator_table(section, zh, for_file):
    from .exports import UNIT_ZH

    rows = []
    for row in section.rows:
        met = row["met"]
        if for_file:
            unit, result = UNIT_ZH.get(row["unit"], row["unit"] or ""), MET_ZH[met]
        else:
            unit = str(UNIT_LABELS.get(row["unit"], row["unit"] or ""))
            result = _("✓ met") if met is True else _("✗ not met") if met is False else _("no figure")
        rows.append([_org_name(row["org_zh"], row["org_en"], zh), str(row["year"]),
                     _org_name(row["name_zh"], row["name_en"], zh), unit, row["value"], row["target"], result,
                     row["consecutive_misses"]])
    return Table(caption=_("Indicators with a target for the year: the figure against it (a cumulative target: "
                           "the running total)"),
                 headers=[_("Organisation"), _("Year"), _("Indicator"), _("Unit"), _("Value"), _("Target"),
                          _("Result"), _("Consecutive missed years")],
                 rows=rows, numeric=(4, 5, 7), value_column=4)


def _funnel_table(section, zh, for_file):
    rows = [[FUNNEL_ZH[row["step"]] if for_file else str(FUNNEL_LABELS[row["step"]]), row["value"],
             row["of_previous"], row["of_first"]] for row in section.rows]
    return Table(caption=_("Each step counted by its own date in the range, with its conversion rates"),
                 headers=[_("Step"), _("Count"), _("Share of the previous step (%)"), _("Share of matches (%)")],
                 rows=rows, numeric=(1, 2, 3), value_column=1)


def _mentoring_table(section, zh, for_file):
    rows = [[row["month"], row["sessions"], row["hours"]] for row in section.rows]
    return Table(caption=_("Completed mentoring sessions by month (Beijing time)"),
                 headers=[_("Month"), _("Sessions"), _("Hours")], rows=rows, numeric=(1, 2), value_column=2)


def _lifecycle_table(section, zh, for_file):
    rows = [[STATUS_ZH[row["status"]] if for_file else str(STATUS_LABELS.get(row["status"], row["status"])),
             row["value"]] for row in section.rows]
    return Table(caption=_("Projects by their current status"), headers=[_("Stage"), _("Projects")], rows=rows,
                 numeric=(1,), value_column=1)


def city_label(code: str) -> str:
    return str(LOCATION_LABELS.get(code, code))


def _flow_table(section, zh, for_file):
    unknown = "未知机构" if for_file else _("Unknown organisation")
    rows = [[_org_name(row["via_zh"], row["via_en"], zh) or unknown, city_label(row["city"]), row["value"]]
            for row in section.rows]
    return Table(caption=_("Confirmed landings in the range, by the organisation they came through and the city"),
                 headers=[_("Through"), _("City"), _("Landings")], rows=rows, numeric=(2,), value_column=2)


_TABLES = {"indicators": _indicator_table, "funnel": _funnel_table, "mentoring": _mentoring_table,
           "lifecycle": _lifecycle_table, "flows": _flow_table}


def file_title(section: Section) -> str:
    return FILE_TITLES_ZH[section.key]


__all__ = ["SECTIONS", "Filters", "Section", "Table", "parse_filters", "section", "sections", "table",
           "filter_choices", "default_range"]
