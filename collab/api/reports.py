"""The JSON API of indicators, indicator reports and the annual evaluation
(docs/API.md, "Landing, contracts, indicator reports, evaluation").

Reads: members of the organisation and administrators (anyone else: 404 for a report,
403 for an organisation's list). Filing, editing, submitting and correcting: whoever
``services.may_file``; reviewing: the parent base's administrators (``services.reviews``).
Refusals come from the services (``collab.errors``), a report's bad figures as one 400
listing every indicator code at fault; nothing is saved on a refusal.
"""
from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..extensions import db
from ..orgs.models import Organisation
from ..reports import evaluation as evaluation_services
from ..reports import services
from ..reports.indicators import all_indicators, targets
from ..reports.models import Report
from . import bp
from .auth import token_required
from .content import _change_json
from .errors import ApiError
from .routes import json_body, listing, page_args
from .serializers import iso

EXPORT_FORMATS = ("xlsx", "csv")
MIN_YEAR, MAX_YEAR = 2000, 2100


# --- shapes --------------------------------------------------------------------------------

def _org_ref(org: Organisation) -> dict:
    return {"id": org.id, "key": org.key, "name_zh": org.name_zh, "name_en": org.name_en}


def indicator_json(indicator) -> dict:
    return {"code": indicator.code, "level": indicator.level, "unit": indicator.unit, "zh": indicator.zh,
            "en": indicator.en}


def report_json(report: Report, with_history: bool = True) -> dict:
    data = {
        "id": report.id, "organisation": _org_ref(report.organisation), "period": report.period,
        "year": report.year, "quarter": report.quarter, "version": report.version, "status": report.status,
        "values": report.values or {}, "prefilled": report.prefilled or {},
        "review_comment": report.review_comment, "submitted_at": iso(report.submitted_at),
        "reviewed_at": iso(report.reviewed_at), "previous_id": report.previous_id,
        "superseded_at": iso(report.superseded_at), "locked": report.is_locked, "current": report.is_current,
        "created_at": iso(report.created_at), "updated_at": iso(report.updated_at),
    }
    if with_history:
        data["history"] = [_change_json(change) for change in services.history(report)]
    return data


# --- loading -------------------------------------------------------------------------------------

def _report(report_id: int) -> Report:
    report = services.readable_report(report_id, current_user)
    if report is None:
        raise ApiError(404)
    return report


def _organisation(org_id: int) -> Organisation:
    org = db.session.get(Organisation, org_id)
    if org is None or not org.is_approved:
        raise ApiError(404)
    return org


def _figures(data: dict) -> tuple[dict | None, dict | None]:
    """``values`` and ``units`` of a body, each an object when given."""
    values, units = data.get("values"), data.get("units")
    fields = {}
    if values is not None and not isinstance(values, dict):
        fields["values"] = [_("Give the figures as an object of indicator codes and numbers.")]
    if units is not None and (not isinstance(units, dict) or not all(isinstance(u, str) for u in units.values())):
        fields["units"] = [_("Give the units as an object of indicator codes and cny, 10k_cny or 100m_cny.")]
    if fields:
        raise ApiError(400, "validation_error", fields=fields)
    return values, units


# --- indicators -------------------------------------------------------------------------------------

@bp.get("/indicators")
def indicators():
    """The indicator definitions and the targets the organisations' plans publish."""
    spans = targets()
    orgs = {o.id: o for o in db.session.scalars(select(Organisation).where(
        Organisation.id.in_({t.organisation_id for t in spans})))} if spans else {}
    return jsonify(
        indicators=[indicator_json(i) for i in all_indicators()],
        targets=[{"organisation": {"id": t.organisation_id, "key": orgs[t.organisation_id].key}
                  if t.organisation_id in orgs else {"id": t.organisation_id, "key": None},
                  "code": t.code, "period": f"{t.start_year}-{t.end_year}", "start_year": t.start_year,
                  "end_year": t.end_year, "baseline": t.baseline, "target": t.target,
                  "cumulative": bool(t.cumulative), "source": t.source} for t in spans])


# --- an organisation's reports ----------------------------------------------------------------------

@bp.get("/organisations/<int:org_id>/reports")
@token_required
def organisation_reports(org_id: int):
    """The organisation's reports, latest period and version first (members, admins)."""
    org = _organisation(org_id)
    if not services.may_read(current_user, org):
        raise ApiError(403)
    page, per_page = page_args()
    condition = Report.organisation_id == org.id
    total = db.session.scalar(select(func.count(Report.id)).where(condition))
    reports = db.session.scalars(select(Report).where(condition).order_by(
        Report.year.desc(), Report.quarter.desc().nulls_first(), Report.version.desc())
        .offset((page - 1) * per_page).limit(per_page))
    return listing([report_json(r, with_history=False) for r in reports], page, per_page, total)


@bp.post("/organisations/<int:org_id>/reports")
@token_required
def create_organisation_report(org_id: int):
    """A draft report for a period, prefilled with what the platform knows, then the caller's figures."""
    org = _organisation(org_id)
    if not services.may_file(current_user, org):
        raise ApiError(403)
    data = json_body()
    period = data.get("period")
    if not isinstance(period, str):
        raise ApiError(400, "validation_error", fields={
            "period": [_("Give the period as a year (2026) or a quarter (2026-Q3).")]})
    values, units = _figures(data)
    report = services.create_report(org, period, values or {}, current_user, units=units)
    return jsonify(report_json(report)), 201


# --- one report -------------------------------------------------------------------------------------

@bp.get("/reports/<int:report_id>")
@token_required
def get_report(report_id: int):
    """One report with its history."""
    return jsonify(report_json(_report(report_id)))


@bp.patch("/reports/<int:report_id>")
@token_required
def update_report(report_id: int):
    """Change the figures of a draft or a returned report; null clears one."""
    report = _report(report_id)
    if not services.may_file(current_user, report.organisation):
        raise ApiError(403)
    values, units = _figures(json_body())
    services.update_report(report, values or {}, current_user, units=units)
    return jsonify(report_json(report))


@bp.post("/reports/<int:report_id>/submit")
@token_required
def submit_report(report_id: int):
    """Draft or returned → submitted; the parent base's administrators are told."""
    report = _report(report_id)
    if not services.may_file(current_user, report.organisation):
        raise ApiError(403)
    services.submit_report(report, current_user)
    return jsonify(report_json(report))


@bp.post("/reports/<int:report_id>/review")
@token_required
def review_report(report_id: int):
    """Accept (locks the report) or return it with a comment."""
    report = _report(report_id)
    if not services.reviews(current_user, report.organisation):
        raise ApiError(403)
    data = json_body()
    decision, comment = data.get("decision"), data.get("comment")
    fields = {}
    if decision not in ("accept", "return"):
        fields["decision"] = [_("Choose one of: %(choices)s.", choices="accept, return")]
    if comment is not None and not isinstance(comment, str):
        fields["comment"] = [_("Text is expected here.")]
    elif isinstance(comment, str) and len(comment) > 2000:
        fields["comment"] = [_("Keep it under %(max)s characters.", max=2000)]
    if fields:
        raise ApiError(400, "validation_error", fields=fields)
    services.review_report(report, decision, current_user, comment)
    return jsonify(report_json(report))


@bp.post("/reports/<int:report_id>/revise")
@token_required
def revise_report(report_id: int):
    """Correct an accepted report: a new draft version (the accepted one counts until it is accepted)."""
    report = _report(report_id)
    if not services.may_file(current_user, report.organisation):
        raise ApiError(403)
    draft = services.revise_report(report, current_user)
    return jsonify(report_json(draft)), 201


def _format(allowed: tuple[str, ...], default: str) -> str:
    """``?format=`` among ``allowed`` (``default`` when absent)."""
    kind = (request.args.get("format") or "").strip().lower() or default
    if kind not in allowed:
        raise ApiError(400, "validation_error", fields={
            "format": [_("Choose one of: %(choices)s.", choices=", ".join(allowed))]})
    return kind


@bp.get("/reports/<int:report_id>/export")
@token_required
def export_report(report_id: int):
    """The report as XLSX (the bases' layout, Chinese headers) or CSV (UTF-8 with a BOM)."""
    from ..reports.report_routes import download

    report = _report(report_id)
    return download(report, _format(EXPORT_FORMATS, "xlsx"))


# --- the annual evaluation ------------------------------------------------------------------------

def _year() -> int:
    text = (request.args.get("year") or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) == 4 and MIN_YEAR <= int(text) <= MAX_YEAR):
        raise ApiError(400, "validation_error", fields={
            "year": [_("Enter a year from %(min)s to %(max)s.", min=MIN_YEAR, max=MAX_YEAR)]})
    return int(text)


@bp.get("/evaluations")
@token_required
def evaluations():
    """The annual evaluation (年度绩效考评) of every reporting organisation (admins)."""
    if not current_user.is_admin:
        raise ApiError(403)
    year = _year()
    kind = _format(("json",) + EXPORT_FORMATS, "json")
    results = evaluation_services.evaluate(year)
    if kind != "json":
        from ..reports import exports

        data = exports.evaluation_xlsx(results, year) if kind == "xlsx" else exports.evaluation_csv(results, year)
        return exports.attachment(data, kind, *exports.evaluation_filename(year))
    return jsonify(year=year, items=[r.as_json() for r in results])
