"""The annual evaluation (年度绩效考评): per organisation and year, each indicator's figure
against the target its plan sets for that year, met / not met / no target, and how many
years in a row it was missed (carriers that miss two years running lose their status).

Figures
-------
The figures that count are those of the organisation's accepted, current annual report
(:func:`collab.reports.services.current_values`); quarterly reports do not count, and an
organisation without an accepted report for the year has no figures (``met`` is None).

Targets for a year
------------------
A target (``IndicatorTarget``) covers the years ``start_year``–``end_year`` of a plan.
For a year ``y`` of a span of ``n`` years, ``k = y − start_year + 1``:

- in the span's last year, the target itself (``final``);
- earlier, a linear milestone (``milestone``):

  - not cumulative, with a baseline: ``baseline + (target − baseline) × k / n``;
  - not cumulative, without a baseline: no target before the last year;
  - cumulative (累计): ``target × k / n``, the baseline notwithstanding. A cumulative
    total starts from zero at the span's start; the plan's baseline is the level of the
    year before the plan (Kashgar: 50 events held in 2020), not a share of the total, so
    a base keeping its 2020 pace is on track, not behind.

For a cumulative target the figure compared is the sum of the accepted annual figures
from the span's start year up to ``y`` (a year without a figure adds nothing); ``met``
needs the year's own figure. Higher is better for every indicator: ``met`` is
``compared >= target``. When several spans of one organisation cover a year for the
same indicator, the newest plan (latest ``start_year``, then the shortest span) counts.

Consecutive misses count the years up to and including ``y`` whose ``met`` is False;
a year whose ``met`` is None (no target, no figure) breaks the chain.

Cost: :func:`evaluate` runs four queries (three when given the organisations), whatever
the number of organisations and years.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..orgs.models import Indicator, IndicatorTarget, Organisation
from .indicators import LEVEL_OF_KIND, REPORTING_KINDS, all_indicators, plain_number
from .services import current_values

TWO_YEARS = 2  # missed this many years running: the status is at risk

RESULT_LABELS = {True: _l("met"), False: _l("not met"), None: _l("no target")}
RESULT_ZH = {True: "完成", False: "未完成", None: "无目标"}
NO_FIGURE = _l("no figure")
NO_FIGURE_ZH = "未填报"


@dataclass(frozen=True)
class YearTarget:
    """The target of one year, and where it comes from (for pages to explain it)."""

    code: str
    year: int
    value: float | int
    start_year: int
    end_year: int
    baseline: float | int | None
    target: float | int
    cumulative: bool
    source: str | None

    @property
    def final(self) -> bool:
        """The span's last year: the plan's own target, not a milestone."""
        return self.year == self.end_year

    @property
    def kind(self) -> str:
        return "final" if self.final else "milestone"

    @property
    def step(self) -> tuple[int, int]:
        """(k, n): the year's place in the span."""
        return self.year - self.start_year + 1, self.end_year - self.start_year + 1

    @property
    def span(self) -> str:
        return f"{self.start_year}–{self.end_year}"

    def explain(self):
        """A sentence for the page: which target, of which plan, how it was reached."""
        k, n = self.step
        values = {"span": self.span, "target": self.target, "end": self.end_year, "k": k, "n": n,
                  "baseline": self.baseline}
        if self.cumulative:
            if self.final:
                return _l("Total over %(span)s: %(target)s (cumulative target of the plan).", **values)
            return _l("Milestone, year %(k)s of %(n)s: a share of the total of %(target)s to reach by %(end)s "
                      "(cumulative over %(span)s).", **values)
        if self.final:
            return _l("The plan's target for %(end)s (plan %(span)s).", **values)
        return _l("Milestone, year %(k)s of %(n)s: from %(baseline)s towards %(target)s by %(end)s "
                  "(plan %(span)s).", **values)

    def explain_zh(self) -> str:
        """The same in Chinese, for the exports (whatever the reader's language)."""
        k, n = self.step
        if self.cumulative:
            if self.final:
                return f"{self.span}年累计目标{_show(self.target)}"
            return f"累计目标{_show(self.target)}（{self.span}年）的第{k}/{n}年进度"
        if self.final:
            return f"{self.end_year}年目标（{self.span}年规划）"
        return f"由基数{_show(self.baseline)}向{self.end_year}年目标{_show(self.target)}的第{k}/{n}年进度"


def _show(number) -> str:
    return "" if number is None else str(plain_number(number))


def year_target(target: IndicatorTarget, year: int) -> YearTarget | None:
    """The target ``target`` sets for ``year`` (None outside its span, or before the last
    year of a non-cumulative target without a baseline)."""
    if not target.start_year <= year <= target.end_year:
        return None
    k, n = year - target.start_year + 1, target.end_year - target.start_year + 1
    if year == target.end_year:
        value = target.target
    elif target.cumulative:
        value = target.target * k / n
    elif target.baseline is None:
        return None
    else:
        value = target.baseline + (target.target - target.baseline) * k / n
    return YearTarget(code=target.code, year=year, value=plain_number(value), start_year=target.start_year,
                      end_year=target.end_year,
                      baseline=None if target.baseline is None else plain_number(target.baseline),
                      target=plain_number(target.target), cumulative=bool(target.cumulative), source=target.source)


def _covering(spans: list[IndicatorTarget], year: int) -> IndicatorTarget | None:
    """The span that counts for ``year``: the newest plan, then the shortest span."""
    covering = [t for t in spans if t.start_year <= year <= t.end_year]
    if not covering:
        return None
    return max(covering, key=lambda t: (t.start_year, -t.end_year, t.id or 0))


@dataclass
class IndicatorResult:
    indicator: Indicator
    value: float | int | None  # the year's own figure (indicator's unit), None without one
    compared: float | int | None  # what is compared: the value, or the running total when cumulative
    target: YearTarget | None
    met: bool | None
    consecutive_misses: int

    @property
    def code(self) -> str:
        return self.indicator.code

    @property
    def unit(self) -> str:
        return self.indicator.unit

    @property
    def target_value(self):
        return self.target.value if self.target else None

    @property
    def label(self):
        """met / not met / no target / no figure, translated."""
        if self.met is None and self.target is not None:
            return NO_FIGURE
        return RESULT_LABELS[self.met]

    @property
    def label_zh(self) -> str:
        if self.met is None and self.target is not None:
            return NO_FIGURE_ZH
        return RESULT_ZH[self.met]


@dataclass
class Summary:
    met: int = 0
    not_met: int = 0
    no_target: int = 0  # indicators without a target for the year
    no_figure: int = 0  # with a target, but no accepted figure
    missed_twice: list[str] = field(default_factory=list)  # codes missed two years running (or more)

    @property
    def with_target(self) -> int:
        return self.met + self.not_met + self.no_figure

    @property
    def at_risk(self) -> bool:
        return bool(self.missed_twice)


@dataclass
class OrgEvaluation:
    organisation: Organisation
    year: int
    level: str  # base | incubator
    has_report: bool  # an accepted annual report of the year exists
    rows: list[IndicatorResult]
    summary: Summary

    def row(self, code: str) -> IndicatorResult | None:
        return next((r for r in self.rows if r.code == code), None)

    def as_json(self) -> dict:
        """The evaluation as the API gives it (numbers in each indicator's own unit)."""
        org = self.organisation
        return {
            "organisation": {"id": org.id, "key": org.key, "kind": org.kind, "name_zh": org.name_zh,
                             "name_en": org.name_en},
            "year": self.year, "level": self.level, "has_report": self.has_report,
            "indicators": [{
                "code": r.code, "unit": r.unit, "value": r.value, "compared": r.compared, "target": r.target_value,
                "met": r.met, "consecutive_misses": r.consecutive_misses,
                "target_span": None if r.target is None else f"{r.target.start_year}-{r.target.end_year}",
                "cumulative": None if r.target is None else r.target.cumulative,
                "target_rule": None if r.target is None else {
                    "start_year": r.target.start_year, "end_year": r.target.end_year, "baseline": r.target.baseline,
                    "target": r.target.target, "cumulative": r.target.cumulative, "kind": r.target.kind,
                    "source": r.target.source},
            } for r in self.rows],
            "summary": {"met": self.summary.met, "not_met": self.summary.not_met, "no_target": self.summary.no_target,
                        "no_figure": self.summary.no_figure, "missed_twice": list(self.summary.missed_twice)},
        }


def _indicators_of(org: Organisation, indicators: list[Indicator], targeted: set[str]) -> list[Indicator]:
    """collab.reports.indicators.indicators_for, from rows already loaded."""
    level = LEVEL_OF_KIND.get(org.kind)
    return [i for i in indicators if i.level == level or i.code in targeted]


def _compare(spans: list[IndicatorTarget], values: dict[int, dict], code: str, year: int):
    """(the year's value, the compared figure, the YearTarget, met) of one indicator."""
    value = (values.get(year) or {}).get(code)
    span = _covering(spans, year)
    rule = year_target(span, year) if span is not None else None
    compared = value
    if rule is not None and rule.cumulative and value is not None:
        compared = plain_number(sum((values.get(y) or {}).get(code) or 0 for y in range(rule.start_year, year + 1)))
    met = None if rule is None or compared is None else compared >= rule.value
    return value, compared, rule, met


def evaluate(year: int, organisations=None) -> list[OrgEvaluation]:
    """The evaluation of ``year`` for every approved reporting organisation (or those
    given), each with its indicators in their order. Constant queries."""
    if organisations is None:
        organisations = list(db.session.scalars(
            select(Organisation).where(Organisation.status == "approved", Organisation.kind.in_(REPORTING_KINDS))
            .order_by(Organisation.kind.desc(), Organisation.id)))
    organisations = [o for o in organisations if o.kind in REPORTING_KINDS]
    if not organisations:
        return []
    ids = [o.id for o in organisations]
    indicators = all_indicators()
    spans: dict[tuple[int, str], list[IndicatorTarget]] = {}
    for target in db.session.scalars(select(IndicatorTarget).where(IndicatorTarget.organisation_id.in_(ids))):
        spans.setdefault((target.organisation_id, target.code), []).append(target)
    # Every year a running total or a chain of misses can reach back to.
    first = min([t.start_year for ts in spans.values() for t in ts] + [year])
    stored = current_values(ids, range(first, year + 1))
    results = []
    for org in organisations:
        targeted = {code for (org_id, code) in spans if org_id == org.id}
        values = {y: v for (org_id, y), v in stored.items() if org_id == org.id}
        rows, summary = [], Summary()
        for indicator in _indicators_of(org, indicators, targeted):
            own = spans.get((org.id, indicator.code), [])
            value, compared, rule, met = _compare(own, values, indicator.code, year)
            misses, y, result = 0, year, met
            while result is False:  # back through the years while missed (no target before `first`)
                misses += 1
                y -= 1
                result = _compare(own, values, indicator.code, y)[3] if y >= first else None
            rows.append(IndicatorResult(indicator, value, compared, rule, met, misses))
            if rule is None:
                summary.no_target += 1
            elif met is None:
                summary.no_figure += 1
            elif met:
                summary.met += 1
            else:
                summary.not_met += 1
            if misses >= TWO_YEARS:
                summary.missed_twice.append(indicator.code)
        results.append(OrgEvaluation(org, year, LEVEL_OF_KIND[org.kind], year in values, rows, summary))
    return results


def evaluate_one(org: Organisation, year: int) -> OrgEvaluation | None:
    found = evaluate(year, [org])
    return found[0] if found else None


def years_of(org: Organisation | None = None) -> list[int]:
    """The years with an accepted annual report (of ``org``, or of anyone), newest first:
    the years an evaluation page offers."""
    from .models import Report

    statement = select(Report.year).where(Report.quarter.is_(None), Report.status == "accepted").distinct()
    if org is not None:
        statement = statement.where(Report.organisation_id == org.id)
    return sorted(db.session.scalars(statement), reverse=True)
