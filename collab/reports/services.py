"""Indicator reports: who files and reviews them, their figures checked and converted,
and their lifecycle draft → submitted → accepted (locked) or returned, with versions.

Services flush and never commit (the unit of work does); refusals raise the
``collab.errors`` family, several bad figures at once as ``InvalidFields``.
"""
from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..content.models import StatusChange
from ..db import today_in_beijing, utcnow  # noqa: F401  (today_in_beijing: pages use it from here)
from ..errors import InvalidFields, NotAllowed, ServiceError, WrongState
from ..extensions import db
from ..orgs.access import administers, is_admin as _admin, is_network_admin  # noqa: F401  (re-exported)
from ..orgs.models import Organisation
from . import figures
from .indicators import (MAX_VALUE, MONEY_SCALE, REPORTING_KINDS, WHOLE_UNITS, Period, convert, indicators_for,
                         is_money, parse_period, plain_number)
from .models import OPEN_STATUSES, Report


# Figures that cannot exceed another one of the same report: (smaller, larger).
CROSS_CHECKS = (
    ("high_tech_enterprises", "tech_companies"),  # 高新技术企业 are technology-based companies
    ("new_profit_cny", "new_revenue_cny"),        # profit comes out of revenue
)
PERCENT_MAX = 100


# --- who may do what ---------------------------------------------------------------------

def reviews(user, org: Organisation) -> bool:
    """Whether ``user`` accepts or returns ``org``'s reports: an administrator of its parent
    base, or of the network (a base's own reports go to the network's administrators)."""
    if not _admin(user):
        return False
    return is_network_admin(user) or (org.parent_id is not None and user.organisation_id == org.parent_id)


def is_member(user, org: Organisation) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.organisation_id == org.id
                and user.membership_status == "approved")


def may_read(user, org: Organisation) -> bool:
    """Members of the organisation and administrators read its reports."""
    return is_member(user, org) or _admin(user)


def may_file(user, org: Organisation) -> bool:
    """Approved members of a reporting organisation file its reports; so may its administrators."""
    if org.kind not in REPORTING_KINDS or not org.is_approved:
        return False
    return (is_member(user, org) and user.can_publish) or administers(user, org)


def readable_report(report_id: int, user) -> Report | None:
    """The report if ``user`` may read it, else None."""
    report = db.session.get(Report, report_id)
    if report is None or not may_read(user, report.organisation):
        return None
    return report


# --- figures -------------------------------------------------------------------------------

def checked_period(text) -> Period:
    """The period named by ``text``, refused when malformed or not yet begun."""
    period = parse_period(text) if isinstance(text, str) else None
    if period is None:
        raise ServiceError(_l("Give the period as a year (2026) or a quarter (2026-Q3)."), "period")
    if period.start > today_in_beijing():
        raise ServiceError(_l("This period has not begun yet: reports are filed for past or current periods."),
                           "period")
    return period


def _number(raw) -> Decimal | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and not math.isfinite(raw):
            return None
        return Decimal(str(raw))
    if isinstance(raw, str):
        text = raw.strip().replace(",", "").replace("，", "")
        if not text or len(text) > 40:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def clean_values(org: Organisation, raw: dict, units: dict | None = None) -> dict[str, float | int | None]:
    """``raw`` figures ({code: number, text or None}) checked against ``org``'s indicators and
    converted to each indicator's unit (money from the unit named in ``units``, else the
    indicator's own). None clears a figure. Every fault at once: ``InvalidFields``."""
    if not isinstance(raw, dict):
        raise ServiceError(_l("Figures are given as indicator codes with numbers."), "values")
    units = units or {}
    known = {indicator.code: indicator for indicator in indicators_for(org)}
    errors: dict[str, list] = {}
    cleaned: dict[str, float | int | None] = {}
    for code, value in raw.items():
        indicator = known.get(code)
        if indicator is None:
            errors[str(code)[:64]] = [_l("%(code)s is not an indicator this organisation reports.", code=str(code)[:64])]
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            cleaned[code] = None
            continue
        number = _number(value)
        if number is None:
            errors[code] = [_l("Enter a number.")]
            continue
        unit = units.get(code) or indicator.unit
        if is_money(indicator.unit):
            if unit not in MONEY_SCALE:
                errors[code] = [_l("Choose 元, 万元 or 亿元.")]
                continue
        elif unit != indicator.unit:
            errors[code] = [_l("This figure is counted in its own unit only.")]
            continue
        if number < 0:
            errors[code] = [_l("A figure cannot be negative.")]
            continue
        stored = Decimal(str(convert(number, unit, indicator.unit)))
        if stored > MAX_VALUE:
            errors[code] = [_l("This figure is too large.")]
            continue
        if indicator.unit in WHOLE_UNITS and stored != stored.to_integral_value():
            errors[code] = [_l("Enter a whole number.")]
            continue
        if indicator.unit == "percent" and stored > PERCENT_MAX:
            errors[code] = [_l("A share cannot exceed 100%.")]
            continue
        cleaned[code] = plain_number(stored)
    if errors:
        raise InvalidFields(errors)
    return cleaned


def cross_check(values: dict, names: dict[str, str]) -> None:
    """Refuse figures that contradict each other (``names``: code → indicator name)."""
    errors = {}
    for smaller, larger in CROSS_CHECKS:
        low, high = values.get(smaller), values.get(larger)
        if low is not None and high is not None and low > high:
            errors[smaller] = [_l("%(name)s (%(value)s) cannot exceed %(other)s (%(limit)s).",
                                  name=names.get(smaller, smaller), value=low,
                                  other=names.get(larger, larger), limit=high)]
    if errors:
        raise InvalidFields(errors)


def indicator_names(org: Organisation, lang: str) -> dict[str, str]:
    return {i.code: (i.zh if lang == "zh" else i.en) for i in indicators_for(org)}


def _merge(report: Report, cleaned: dict) -> dict:
    values = dict(report.values or {})
    for code, value in cleaned.items():
        if value is None:
            values.pop(code, None)
        else:
            values[code] = value
    return values


def _check_all(org: Organisation, values: dict) -> None:
    from ..i18n import current_lang

    cross_check(values, indicator_names(org, current_lang()))


# --- lifecycle --------------------------------------------------------------------------------

def _record(report: Report, previous: str | None, target: str, actor, note: str | None = None) -> None:
    db.session.add(StatusChange(item_type="report", item_id=report.id, from_status=previous, to_status=target,
                                actor_id=getattr(actor, "id", None), note=note or None))


def _set_status(report: Report, target: str, actor, note: str | None = None) -> None:
    previous = report.status
    report.status = target
    db.session.flush()
    _record(report, previous, target, actor, note)


def _lock_period(org: Organisation, period: str) -> None:
    # Two filers starting the same period at once: the partial unique index
    # (uq_indicator_reports_open) refuses the second; the organisation's row lock makes it
    # wait and then see the first instead of failing on the constraint.
    db.session.execute(select(Organisation.id).where(Organisation.id == org.id).with_for_update())


def create_report(org: Organisation, period_text, raw_values: dict | None, actor, *, units: dict | None = None) -> Report:
    """A draft report of ``org`` for a period, its known figures prefilled, then ``raw_values``."""
    if not may_file(actor, org):
        raise NotAllowed(_l("Only approved members of this organisation file its reports."))
    errors: dict[str, list] = {}  # a bad period and bad figures are told at once
    try:
        period = checked_period(period_text)
    except ServiceError as refusal:
        errors["period"] = [refusal.message]
    try:
        cleaned = clean_values(org, raw_values or {}, units)
    except InvalidFields as refusal:
        errors.update(refusal.fields)
    except ServiceError as refusal:
        errors[refusal.field or "values"] = [refusal.message]
    if errors:
        if list(errors) == ["period"]:
            raise ServiceError(errors["period"][0], "period")
        raise InvalidFields(errors)
    _lock_period(org, period.code)
    existing = db.session.scalars(select(Report).where(Report.organisation_id == org.id,
                                                       Report.period == period.code)).all()
    if any(r.status in OPEN_STATUSES for r in existing):
        raise WrongState(_l("A report for this period is already being prepared: continue that one."), "period")
    if any(r.status == "accepted" for r in existing):
        raise WrongState(_l("The report for this period is accepted: correct it with a new version."), "period")
    prefilled = figures.prefill(org, period)
    values = {code: entry["value"] for code, entry in prefilled.items() if entry.get("value") is not None}
    report = Report(organisation_id=org.id, organisation=org, period=period.code, year=period.year,
                    quarter=period.quarter, version=1, status="draft", prefilled=prefilled,
                    created_by_id=actor.id)
    report.values = _merge(report, {**values, **cleaned})
    _check_all(org, report.values)
    db.session.add(report)
    db.session.flush()
    _record(report, None, "draft", actor)
    return report


def update_report(report: Report, raw_values: dict, actor, *, units: dict | None = None) -> Report:
    """Change a draft's (or a returned report's) figures; None clears one."""
    org = report.organisation
    if not may_file(actor, org):
        raise NotAllowed(_l("Only approved members of this organisation file its reports."))
    if report.status not in ("draft", "returned"):
        raise WrongState(_l("This report is locked: it can no longer be edited."))
    cleaned = clean_values(org, raw_values or {}, units)
    values = _merge(report, cleaned)
    _check_all(org, values)
    report.values = values
    report.prefilled = figures.prefill(org, period_of(report))
    report.updated_at = utcnow()
    db.session.flush()
    return report


def submit_report(report: Report, actor, *, tell: bool = True) -> Report:
    """Draft or returned → submitted: the parent base's administrators review it (and are
    told, unless ``tell`` is False: the demo files past years' reports)."""
    org = report.organisation
    if not may_file(actor, org):
        raise NotAllowed(_l("Only approved members of this organisation file its reports."))
    if report.status not in ("draft", "returned"):
        raise WrongState(_l("Only a draft or a returned report can be submitted."))
    if not report.values:
        raise ServiceError(_l("Enter at least one figure before submitting."), "values")
    _check_all(org, report.values)
    report.submitted_at, report.submitted_by_id = utcnow(), actor.id
    _set_status(report, "submitted", actor)
    if tell:
        _tell_reviewers(report)
    return report


def review_report(report: Report, decision: str, actor, comment: str | None = None, *, tell: bool = True) -> Report:
    """Accept (locks the report; a previous accepted version is superseded) or return it
    with comments (the filers correct and submit again)."""
    if not reviews(actor, report.organisation):
        raise NotAllowed(_l("Only an administrator of the parent base reviews this report."))
    if decision not in ("accept", "return"):
        raise ServiceError(_l("Choose one of: %(choices)s.", choices="accept, return"), "decision")
    comment = (comment or "").strip() or None
    if decision == "return" and not comment:
        raise ServiceError(_l("Say what needs correcting when returning a report."), "comment")
    if report.status != "submitted":
        raise WrongState(_l("Only a submitted report can be reviewed."))
    now = utcnow()
    report.reviewed_at, report.reviewed_by_id, report.review_comment = now, actor.id, comment
    if decision == "accept":
        for older in db.session.scalars(select(Report).where(
                Report.organisation_id == report.organisation_id, Report.period == report.period,
                Report.status == "accepted", Report.superseded_at.is_(None), Report.id != report.id)):
            older.superseded_at = now
        _set_status(report, "accepted", actor, comment)
    else:
        _set_status(report, "returned", actor, comment)
    if tell:
        _tell_filers(report, decision)
    return report


def revise_report(report: Report, actor) -> Report:
    """A correction of an accepted report: a new draft version with its figures; the
    accepted version stays readable and counts until the new one is accepted."""
    org = report.organisation
    if not may_file(actor, org):
        raise NotAllowed(_l("Only approved members of this organisation file its reports."))
    if not report.is_current:
        raise WrongState(_l("Only the accepted version in force can be corrected."))
    _lock_period(org, report.period)
    if db.session.scalar(select(Report.id).where(Report.organisation_id == org.id, Report.period == report.period,
                                                 Report.status.in_(OPEN_STATUSES))):
        raise WrongState(_l("A correction of this report is already being prepared."))
    version = db.session.scalar(select(func.max(Report.version)).where(
        Report.organisation_id == org.id, Report.period == report.period)) or report.version
    draft = Report(organisation_id=org.id, organisation=org, period=report.period, year=report.year,
                   quarter=report.quarter, version=version + 1, status="draft", values=dict(report.values or {}),
                   prefilled=figures.prefill(org, period_of(report)), previous_id=report.id,
                   created_by_id=actor.id)
    db.session.add(draft)
    db.session.flush()
    _record(draft, None, "draft", actor, note=None)
    return draft


def period_of(report: Report) -> Period:
    return Period(report.year, report.quarter)


def history(report: Report) -> list[StatusChange]:
    return list(db.session.scalars(select(StatusChange).where(
        StatusChange.item_type == "report", StatusChange.item_id == report.id).order_by(StatusChange.id)))


def versions(report: Report) -> list[Report]:
    """Every version of the report's organisation and period, newest first."""
    return list(db.session.scalars(select(Report).where(
        Report.organisation_id == report.organisation_id, Report.period == report.period)
        .order_by(Report.version.desc())))


def reports_of(org: Organisation, limit: int = 200) -> list[Report]:
    """An organisation's reports, latest period and version first."""
    return list(db.session.scalars(select(Report).where(Report.organisation_id == org.id)
                                   .order_by(Report.year.desc(), Report.quarter.desc().nulls_first(),
                                             Report.version.desc()).limit(limit)))


def to_review(user, limit: int = 200) -> list[Report]:
    """Submitted reports ``user`` reviews, oldest submission first."""
    if not _admin(user):
        return []
    statement = select(Report).where(Report.status == "submitted")
    if not is_network_admin(user):
        statement = statement.join(Organisation, Organisation.id == Report.organisation_id).where(
            Organisation.parent_id == user.organisation_id)
    return list(db.session.scalars(statement.order_by(Report.submitted_at, Report.id).limit(limit)))


def current_values(organisation_ids, years) -> dict[tuple[int, int], dict]:
    """The figures that count: each organisation's accepted, current year report, by
    (organisation id, year). One query."""
    rows = db.session.execute(select(Report.organisation_id, Report.year, Report.values).where(
        Report.organisation_id.in_(list(organisation_ids)), Report.year.in_(list(years)),
        Report.quarter.is_(None), Report.status == "accepted", Report.superseded_at.is_(None)))
    return {(org_id, year): values or {} for org_id, year, values in rows}


# --- telling people ---------------------------------------------------------------------------

def _about(report: Report) -> dict:
    org = report.organisation
    return {"item_type": "report", "item_id": report.id, "period": report.period, "version": report.version,
            "title_zh": org.name_zh, "title_en": org.name_en}


def _tell_reviewers(report: Report) -> None:
    from ..auth.models import User
    from ..notifications.services import notify

    org = report.organisation
    admins = db.session.scalars(select(User).where(User.roles.contains("admin"), User.is_enabled.is_(True))
                                .order_by(User.id).limit(200))
    for admin in admins:
        if reviews(admin, org):
            notify(admin, "report_submitted", **_about(report))


def _tell_filers(report: Report, decision: str) -> None:
    from ..auth.models import User
    from ..notifications.services import notify

    people = {report.submitted_by_id, report.created_by_id} - {None}
    for user in db.session.scalars(select(User).where(User.id.in_(people))):
        notify(user, f"report_{'accepted' if decision == 'accept' else 'returned'}", comment=report.review_comment,
               **_about(report))
