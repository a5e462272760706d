"""The demo's numbers: landing records, contracts and 2022/2023 reports holding the real
figures of organisations.json (and nothing invented); loading twice adds nothing."""
from __future__ import annotations

from sqlalchemy import select

from collab.extensions import db
from collab.matching.models import Introduction
from collab.projects.models import Landing, Project
from collab.reports import evaluation
from collab.reports.models import Report

from conftest import count_rows


def test_demo_reports_landings_and_contracts(app):
    from collab.demo import load_demo

    summary = load_demo()
    db.session.commit()
    assert (summary["landings"], summary["contracts"], summary["reports"]) == (7, 3, 14)

    landed = db.session.scalars(select(Project).where(Project.status.in_(("landed", "graduated")))).all()
    assert landed and all(p.landing is not None for p in landed)  # no landed project without its record
    assert sorted(l.status for l in db.session.scalars(select(Landing))) == \
        ["confirmed"] * 5 + ["pending", "questioned"]
    contracts = db.session.scalars(select(Introduction).where(Introduction.status == "agreement_signed")).all()
    assert len(contracts) == 3 and all(i.contract_type and i.signed_on for i in contracts)
    assert sum(i.contract_confirmed_at is not None for i in contracts) == 2

    reports = {(r.organisation.key, r.period): r for r in db.session.scalars(select(Report))}
    shenzhen = reports[("shenzhen-offshore", "2023")]
    assert shenzhen.status == "accepted"
    assert shenzhen.values == {"resident_companies": 11, "floor_area_m2": 789.41, "signed_pending_companies": 5,
                               "new_revenue_cny": 10_000_000, "new_tax_cny": 1_100_000,
                               "new_profit_cny": 1_300_000, "new_jobs": 30}
    assert reports[("shanghai-offshore", "2023")].status == "submitted"
    assert reports[("dabancheng", "2022")].status == "draft" and reports[("dabancheng", "2022")].values == {}
    kashgar = reports[("kashgar-edz", "2023")]
    assert kashgar.values["resident_companies"] == 120 and kashgar.values["served_companies"] == 520

    result = next(e for e in evaluation.evaluate(2023) if e.organisation.key == "kashgar-edz")
    resident = result.row("resident_companies")
    assert (resident.value, resident.target_value, resident.met, resident.consecutive_misses) == (120, 300, False, 2)

    before = (count_rows(Report), count_rows(Landing), count_rows(Introduction))
    again = load_demo()
    db.session.commit()
    assert (again["landings"], again["contracts"], again["reports"]) == (0, 0, 0)
    assert (count_rows(Report), count_rows(Landing), count_rows(Introduction)) == before
