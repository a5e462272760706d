"""The annual evaluation (collab/reports/evaluation.py) on the bases' own tables: Kashgar's
2021–2023 targets, the Ürümqi base's 2020 → 2023 table, Dabancheng's 2023–2025 plan
(targets without a baseline): milestones, cumulative totals, met / not met / no target,
consecutive misses, summaries, which reports count, and a constant number of queries."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event as sa_event, select
from sqlalchemy.engine import Engine

from collab.extensions import db
from collab.orgs.models import IndicatorTarget, Organisation
from collab.reports import evaluation
from collab.reports.evaluation import evaluate, year_target
from collab.reports.models import Report


def org(key: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.key == key))


def accepted(organisation, year, values, version=1, status="accepted", superseded=False, quarter=None):
    from collab.db import utcnow

    period = f"{year}-Q{quarter}" if quarter else str(year)
    report = Report(organisation_id=organisation.id, period=period, year=year, quarter=quarter, version=version,
                    status=status, values=values, prefilled={}, superseded_at=utcnow() if superseded else None)
    db.session.add(report)
    db.session.commit()
    return report


def one(year, organisation):
    (result,) = evaluate(year, [organisation])
    return result


@contextmanager
def counted_queries():
    statements = []

    def count(conn, cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    sa_event.listen(Engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa_event.remove(Engine, "before_cursor_execute", count)


# --- targets of a year ----------------------------------------------------------------------------

def _target(code, organisation):
    return db.session.scalar(select(IndicatorTarget).where(IndicatorTarget.organisation_id == organisation.id,
                                                           IndicatorTarget.code == code))


def test_year_targets_of_kashgars_table(app):
    kashgar = org("kashgar-edz")
    resident = _target("resident_companies", kashgar)  # 120 (2020) → 300 by 2023
    assert [year_target(resident, y).value for y in (2021, 2022, 2023)] == [180, 240, 300]
    assert [year_target(resident, y).kind for y in (2021, 2022, 2023)] == ["milestone", "milestone", "final"]
    assert year_target(resident, 2020) is None and year_target(resident, 2024) is None
    events = _target("events_held", kashgar)  # 100 in total over 2021–2023 (累计)
    assert [year_target(events, y).value for y in (2021, 2022, 2023)] == [33.333333, 66.666667, 100]
    assert year_target(events, 2022).cumulative and year_target(events, 2022).step == (2, 3)
    graduated = _target("graduated_companies", kashgar)  # 5 → 15
    assert [year_target(graduated, y).value for y in (2021, 2022, 2023)] == [8.333333, 11.666667, 15]


def test_targets_without_a_baseline(app):
    dabancheng = org("dabancheng")
    carriers = _target("incubation_carriers", dabancheng)  # 6 by 2025, no baseline, not cumulative
    assert year_target(carriers, 2023) is None and year_target(carriers, 2024) is None
    assert year_target(carriers, 2025).value == 6
    mentors = _target("mentors", dabancheng)  # 10 in total over 2023–2025
    assert [year_target(mentors, y).value for y in (2023, 2024, 2025)] == [3.333333, 6.666667, 10]


def test_explanations_read_in_both_languages(app):
    kashgar = org("kashgar-edz")
    rule = year_target(_target("resident_companies", kashgar), 2022)
    from flask_babel import force_locale

    with app.test_request_context("/en/"), force_locale("en"):
        text = str(rule.explain())
    assert "2 of 3" in text and "300" in text and "120" in text and "2021–2023" in text
    assert rule.explain_zh() == "由基数120向2023年目标300的第2/3年进度"
    final = year_target(_target("events_held", kashgar), 2023)
    assert final.explain_zh() == "2021–2023年累计目标100"


# --- Kashgar ------------------------------------------------------------------------------------------

def test_kashgar_2023_resident_companies_300_met_299_not(app):
    kashgar = org("kashgar-edz")
    accepted(kashgar, 2023, {"resident_companies": 300})
    row = one(2023, kashgar).row("resident_companies")
    assert (row.value, row.target_value, row.met) == (300, 300, True)
    assert row.target.final and row.target.source.startswith("喀什经济开发区")

    report = db.session.scalar(select(Report).where(Report.organisation_id == kashgar.id))
    report.values = {"resident_companies": 299}
    db.session.commit()
    row = one(2023, kashgar).row("resident_companies")
    assert (row.value, row.met, row.consecutive_misses) == (299, False, 1)


def test_kashgar_events_held_cumulative_over_the_span(app):
    kashgar = org("kashgar-edz")
    accepted(kashgar, 2021, {"events_held": 40})
    accepted(kashgar, 2022, {"events_held": 30})
    accepted(kashgar, 2023, {"events_held": 30})
    by_year = {y: one(y, kashgar).row("events_held") for y in (2021, 2022, 2023)}
    assert [(r.value, r.compared, r.met) for r in by_year.values()] == [(40, 40, True), (30, 70, True), (30, 100, True)]

    report = db.session.scalar(select(Report).where(Report.organisation_id == kashgar.id, Report.year == 2023))
    report.values = {"events_held": 29}
    db.session.commit()
    row = one(2023, kashgar).row("events_held")
    assert (row.compared, row.target_value, row.met, row.consecutive_misses) == (99, 100, False, 1)


def test_kashgar_consecutive_misses_and_summary(app):
    kashgar = org("kashgar-edz")
    accepted(kashgar, 2021, {"graduated_companies": 5, "resident_companies": 200, "floor_area_m2": 30000,
                             "service_platforms": 5})
    accepted(kashgar, 2022, {"graduated_companies": 10, "resident_companies": 200, "floor_area_m2": 30000})
    accepted(kashgar, 2023, {"graduated_companies": 14, "resident_companies": 299, "floor_area_m2": 30000,
                             "service_platforms": 7, "policy_events": 12})
    result = one(2023, kashgar)
    assert result.has_report and result.level == "base"
    graduated = result.row("graduated_companies")  # 5 < 8.3, 10 < 11.7, 14 < 15
    assert (graduated.met, graduated.consecutive_misses) == (False, 3)
    resident = result.row("resident_companies")  # 200 ≥ 180, 200 < 240, 299 < 300
    assert (resident.met, resident.consecutive_misses) == (False, 2)
    floor = result.row("floor_area_m2")
    assert (floor.met, floor.consecutive_misses) == (True, 0)
    # 2021: 5 < 6 missed; 2022: no figure (the chain breaks); 2023: 7 < 8 missed.
    platforms = result.row("service_platforms")
    assert (platforms.met, platforms.consecutive_misses) == (False, 1)
    assert one(2022, kashgar).row("service_platforms").met is None
    policy = result.row("policy_events")  # a base indicator Kashgar's table sets no target for
    assert (policy.value, policy.target, policy.met, policy.consecutive_misses) == (12, None, None, 0)
    from flask_babel import force_locale

    with force_locale("en"):
        assert str(policy.label) == "no target"
    assert policy.label_zh == "无目标"
    assert result.row("seed_fund_cny").label_zh == "未填报"

    summary = result.summary
    with_targets = {"incubation_carriers", "floor_area_m2", "resident_companies", "graduated_companies",
                    "high_tech_enterprises", "served_companies", "seed_fund_cny", "events_held", "service_platforms",
                    "new_jobs"}
    assert (summary.met, summary.not_met) == (1, 3)
    assert summary.no_figure == len(with_targets) - 4
    assert summary.no_target == len(result.rows) - len(with_targets)
    assert set(summary.missed_twice) == {"resident_companies", "graduated_companies"}
    assert summary.at_risk

    as_json = result.as_json()
    assert as_json["organisation"]["key"] == "kashgar-edz" and as_json["year"] == 2023
    resident_json = next(i for i in as_json["indicators"] if i["code"] == "resident_companies")
    assert resident_json == {"code": "resident_companies", "unit": "count", "value": 299, "compared": 299,
                             "target": 300, "met": False, "consecutive_misses": 2,
                             "target_span": "2021-2023", "cumulative": False,
                             "target_rule": {"start_year": 2021, "end_year": 2023, "baseline": 120, "target": 300,
                                             "cumulative": False, "kind": "final",
                                             "source": resident.target.source}}
    assert as_json["summary"]["not_met"] == 3


def test_after_the_span_there_is_no_target(app):
    kashgar = org("kashgar-edz")
    accepted(kashgar, 2023, {"resident_companies": 10})
    accepted(kashgar, 2024, {"resident_companies": 10})
    row = one(2024, kashgar).row("resident_companies")
    assert (row.target, row.met, row.consecutive_misses) == (None, None, 0)


def test_only_the_accepted_current_annual_report_counts(app):
    kashgar = org("kashgar-edz")
    accepted(kashgar, 2023, {"resident_companies": 100}, version=1, superseded=True)
    accepted(kashgar, 2023, {"resident_companies": 300}, version=2)
    accepted(kashgar, 2023, {"resident_companies": 1}, version=3, status="submitted")
    accepted(kashgar, 2023, {"resident_companies": 2}, quarter=4)
    assert one(2023, kashgar).row("resident_companies").value == 300

    dabancheng = org("dabancheng")
    accepted(dabancheng, 2025, {"incubation_carriers": 9}, status="draft")
    result = one(2025, dabancheng)
    assert not result.has_report
    row = result.row("incubation_carriers")
    assert (row.value, row.target_value, row.met) == (None, 6, None)
    from flask_babel import force_locale

    with force_locale("en"):
        assert str(row.label) == "no figure"


# --- the Ürümqi base ------------------------------------------------------------------------------

def test_urumqi_base_table(app):
    urumqi = org("urumqi-hitech")
    # policy_events 37 → 45: milestones 39.67, 42.33, 45; tech_contract_value 1 → 1.5 亿元.
    accepted(urumqi, 2021, {"policy_events": 40, "tech_contract_value": 1.1})
    accepted(urumqi, 2022, {"policy_events": 42, "tech_contract_value": 1.4})
    accepted(urumqi, 2023, {"policy_events": 44, "tech_contract_value": 1.5, "rd_ratio": 2.3})
    results = {y: one(y, urumqi) for y in (2021, 2022, 2023)}
    policy = [results[y].row("policy_events") for y in (2021, 2022, 2023)]
    assert [(r.target_value, r.met, r.consecutive_misses) for r in policy] == [
        (39.666667, True, 0), (42.333333, False, 1), (45, False, 2)]
    contract = [results[y].row("tech_contract_value") for y in (2021, 2022, 2023)]
    assert [(r.target_value, r.met) for r in contract] == [(1.166667, False), (1.333333, True), (1.5, True)]
    assert contract[0].unit == "100m_cny"
    assert results[2023].row("rd_ratio").met is True
    assert results[2023].summary.missed_twice == ["policy_events"]
    # The base level only: no incubator indicator in the Ürümqi table.
    assert results[2023].row("resident_companies") is None


# --- every organisation ---------------------------------------------------------------------------

def test_every_approved_reporting_organisation(app, create_org):
    pending = create_org(kind="offshore_incubator", status="pending")
    university = org("kashgar-university")
    results = evaluate(2023)
    keys = [r.organisation.key for r in results]
    assert "urumqi-hitech" in keys and "dalian-offshore" in keys and "pakistan-station" in keys
    assert pending.key not in keys and university.key not in keys
    levels = [r.level for r in results]
    assert levels == sorted(levels)  # bases first
    incubator = next(r for r in results if r.organisation.key == "dalian-offshore")
    assert incubator.level == "incubator" and all(row.target is None for row in incubator.rows)
    assert incubator.summary.no_target == len(incubator.rows)


def test_constant_number_of_queries(app, create_org):
    kashgar = org("kashgar-edz")
    accepted(kashgar, 2022, {"resident_companies": 200})
    with counted_queries() as few:
        evaluate(2023)
    for n in range(5):
        extra = create_org(kind="offshore_incubator")
        db.session.add(IndicatorTarget(organisation_id=extra.id, code="mentors", start_year=2019, end_year=2023,
                                       baseline=1, target=5, cumulative=False))
        for year in (2019, 2020, 2021, 2022, 2023):
            accepted(extra, year, {"mentors": year - 2018})
    with counted_queries() as many:
        results = evaluate(2023)
    assert len(many) == len(few) <= 4
    extra_result = next(r for r in results if r.organisation.id == extra.id)
    mentors = extra_result.row("mentors")
    assert (mentors.value, mentors.target_value, mentors.met) == (5, 5, True)
    with counted_queries() as given:
        evaluate(2023, [kashgar, extra])
    assert len(given) == len(few) - 1


def test_result_labels_are_translatable(app):
    assert set(evaluation.RESULT_LABELS) == {True, False, None} == set(evaluation.RESULT_ZH)
