"""Demo of the network's numbers: landing records of the demo projects that landed, signed
contracts on a few matches, and indicator reports for 2022 and 2023 of the four offshore
incubators and the Ürümqi, Kashgar and Dabancheng bases.

The reports carry the real figures of collab/data/organisations.json (the bases' own plans)
where they exist, and nothing invented: an indicator without a published figure holds what
the platform itself counted for the period (the prefill), or stays empty.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..auth.models import User
from ..content.models import StatusChange
from ..db import utcnow
from ..extensions import db
from ..orgs.models import Organisation
from ..projects.models import Landing, Project

BEIJING = ZoneInfo("Asia/Shanghai")

# organisations.json facts → indicator codes (same meaning, the figure as the plan gives it).
FACT_CODES = {
    "floor_area_m2": "floor_area_m2",
    "incubation_area_m2": "floor_area_m2",
    "resident_companies": "resident_companies",
    "companies_in_incubation": "resident_companies",
    "signed_pending_companies": "signed_pending_companies",
    "graduated_companies": "graduated_companies",
    "annual_new_revenue_cny": "new_revenue_cny",
    "annual_new_tax_cny": "new_tax_cny",
    "annual_new_profit_cny": "new_profit_cny",
    "annual_new_jobs": "new_jobs",
    "jobs": "new_jobs",
    "promotion_events_per_year": "events_held",
    "tech_companies": "tech_companies",
    "high_tech_enterprises": "high_tech_enterprises",
    "incubation_carriers": "incubation_carriers",
    "innovation_platforms": "service_platforms",
    "companies_served": "served_companies",
}
REPORTING = ("shenzhen-offshore", "weplus-guangzhou", "dalian-offshore", "shanghai-offshore",
             "urumqi-hitech", "kashgar-edz", "dabancheng")
# How far each 2023 report got (2022's are all accepted): a review queue to work on.
STATUS_2023 = {"weplus-guangzhou": "submitted", "shanghai-offshore": "submitted", "dabancheng": "draft"}

NETWORK_ADMIN = ("network-admin@collab.demo", "Network administrator", "en", "Asia/Shanghai")
KASHGAR_ADMIN = ("kashgar-admin@collab.demo", "喀什经开区管委会管理员", "zh", "Asia/Urumqi")


def _at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=BEIJING).astimezone(timezone.utc)


def _org(key: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.key == key))


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def ensure_demo_admins(password: str) -> int:
    """The network's administrator and the Kashgar base's (beside the Ürümqi base's admin)."""
    from ..auth.services import create_user

    created = 0
    for (email, name, locale, tz), org_key in ((NETWORK_ADMIN, None), (KASHGAR_ADMIN, "kashgar-edz")):
        if _user(email) is None:
            create_user(email=email, password=password, role="admin", display_name=name, locale=locale,
                        timezone=tz, organisation=_org(org_key) if org_key else None)
            created += 1
    return created


# --- landings and contracts ------------------------------------------------------------------

def _landed_on(project: Project):
    at = db.session.scalar(select(StatusChange.created_at).where(
        StatusChange.item_type == "project", StatusChange.item_id == project.id,
        StatusChange.to_status == "landed").order_by(StatusChange.id.desc()))
    return (at or utcnow()).astimezone(BEIJING).date()


def load_landings(entries: list[dict]) -> int:
    """Landing records of the demo projects that landed (as their owners recorded them)."""
    from ..demo_content import _item_by_ref, _data

    data, created = _data(), 0
    for entry in entries:
        project = _item_by_ref(data, entry["project"])
        if project is None or project.landing is not None:
            continue
        base = _org(entry["base"])
        reviewer = _user(KASHGAR_ADMIN[0]) if entry["base"] == "kashgar-edz" else _user(NETWORK_ADMIN[0])
        landing = Landing(project_id=project.id, city=entry["city"], base_id=base.id if base else None,
                          via_id=project.organisation_id, landed_on=_landed_on(project),
                          company_name=entry["company_name"], investment_cny=entry["investment_cny"],
                          jobs=entry["jobs"], status=entry["status"], recorded_by_id=project.owner_id)
        if entry["status"] != "pending":
            landing.reviewed_by_id = reviewer.id if reviewer else None
            landing.reviewed_at = utcnow() - timedelta(days=1)
            landing.review_note = entry.get("note")
        db.session.add(landing)
        created += 1
    db.session.flush()
    return created


def load_contracts(entries: list[dict]) -> int:
    """Signed introductions with their contracts, on the best current matches of the
    given projects (no notice is sent: these were signed before the demo began)."""
    from ..demo_content import _item_by_ref, _data
    from ..matching.models import Introduction, Match

    data, created = _data(), 0
    now = utcnow()
    for entry in entries:
        project = _item_by_ref(data, entry["project"])
        if project is None:
            continue
        match = db.session.scalar(select(Match).where(Match.project_id == project.id).order_by(Match.score.desc()))
        if match is None or db.session.scalar(select(Introduction.id).where(
                Introduction.need_id == match.need_id, Introduction.project_id == project.id)):
            continue
        need_owner, project_owner = match.need.owner_id, project.owner_id
        begun = now - timedelta(days=entry["days_ago"] + 20)
        signed_at = now - timedelta(days=entry["days_ago"])
        intro = Introduction(need_id=match.need_id, project_id=project.id, initiator_id=project_owner,
                             initiator_side="project", message=entry["message"], status="agreement_signed",
                             score=match.score, created_at=begun, responded_at=begun + timedelta(days=2),
                             accepted_at=begun + timedelta(days=2), meeting_at=begun + timedelta(days=10),
                             signed_at=signed_at, contract_type=entry["contract_type"],
                             contract_value_cny=entry["contract_value_cny"],
                             signed_on=signed_at.astimezone(BEIJING).date(), contract_recorded_by_id=project_owner)
        if entry["confirmed"]:
            intro.contract_confirmed_by_id, intro.contract_confirmed_at = need_owner, signed_at + timedelta(days=1)
        db.session.add(intro)
        db.session.flush()
        steps = ((None, "proposed", project_owner, begun), ("proposed", "accepted", need_owner, intro.accepted_at),
                 ("accepted", "meeting_held", project_owner, intro.meeting_at),
                 ("meeting_held", "agreement_signed", project_owner, signed_at))
        for previous, target, actor, at in steps:
            db.session.add(StatusChange(item_type="introduction", item_id=intro.id, from_status=previous,
                                        to_status=target, actor_id=actor, created_at=at))
        created += 1
    db.session.flush()
    return created


# --- reports ----------------------------------------------------------------------------------

def _filer(org: Organisation, password: str) -> User:
    from ..demo_content import _staff

    return _staff(org, "center", password)


def _reviewer(org: Organisation) -> User | None:
    from .services import reviews

    for email in ("admin@collab.demo", KASHGAR_ADMIN[0], NETWORK_ADMIN[0]):
        user = _user(email)
        if user is not None and reviews(user, org):
            return user
    return None


def _backdate(report, filed: datetime) -> None:
    """Dates as the report was really handled: filed in January, reviewed a week later."""
    report.created_at = report.updated_at = filed
    if report.submitted_at:
        report.submitted_at = filed + timedelta(days=3)
    if report.reviewed_at:
        report.reviewed_at = filed + timedelta(days=10)
    stamps = iter((filed, filed + timedelta(days=3), filed + timedelta(days=10)))
    for change in db.session.scalars(select(StatusChange).where(
            StatusChange.item_type == "report", StatusChange.item_id == report.id).order_by(StatusChange.id)):
        change.created_at = next(stamps, filed + timedelta(days=10))


def load_reports(password: str) -> int:
    """Annual reports for 2022 and 2023 (idempotent: an organisation's period is filed once)."""
    from .figures import prefill
    from .indicators import Period, indicators_for
    from .models import Report
    from .services import create_report, review_report, submit_report

    created = 0
    for key in REPORTING:
        org = _org(key)
        if org is None:
            continue
        figures = {code: value for fact, code in FACT_CODES.items()
                   if isinstance(value := (org.facts or {}).get(fact), (int, float))}
        filer, reviewer = _filer(org, password), _reviewer(org)
        for year in (2022, 2023):
            if db.session.scalar(select(Report.id).where(Report.organisation_id == org.id,
                                                         Report.period == str(year))):
                continue

            known = {i.code for i in indicators_for(org)}
            # The platform did not run in 2022–2023: its zero counts for those years mean
            # "not recorded here", not "none held", so they are left out of the demo's figures.
            unrecorded = {code: None for code, entry in prefill(org, Period(year)).items()
                          if not entry.get("value") and code not in figures}
            report = create_report(org, str(year), {**unrecorded, **{c: v for c, v in figures.items() if c in known}},
                                   filer)
            status = "accepted" if year == 2022 else STATUS_2023.get(key, "accepted")
            if status != "draft" and report.values:
                submit_report(report, filer, tell=False)
                if status == "accepted" and reviewer is not None:
                    review_report(report, "accept", reviewer, None, tell=False)
            _backdate(report, _at(year + 1, 1, 12))
            created += 1
    db.session.flush()
    return created


def load_numbers_demo(password: str) -> dict[str, int]:
    """Admins, landings, contracts and reports (after the projects, needs and matches)."""
    from ..demo_content import _data

    data = _data()
    summary = {"demo_admins_created": ensure_demo_admins(password)}
    summary["landings"] = load_landings(data.get("landings", []))
    summary["contracts"] = load_contracts(data.get("contracts", []))
    summary["reports"] = load_reports(password)
    return summary
