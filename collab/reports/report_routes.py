"""Indicator reports: list, file, edit, submit, review, correct, export.

Thin views over collab/reports/services.py: each loads and authorises (a report the
viewer may not read is a 404, an action they may not take a 403), validates the form,
calls one service through ``attempt`` and redirects. Every refusal leaves nothing saved.
"""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from ..content.views import ActionForm
from ..errors import InvalidFields, ServiceError, attempt
from ..extensions import db
from ..i18n import current_lang
from ..orgs.models import Organisation
from ..projects.landing import awaiting_answer
from ..unit_of_work import rollback
from . import figures, services
from .forms import MONEY_UNIT_LABELS, ReviewForm, report_form, unit_label
from .indicators import REPORTING_KINDS, Period, indicators_for, is_money, parse_period
from .models import OPEN_STATUSES, Report
from .routes import bp

EXPORT_TYPES = ("xlsx", "csv")
PERIOD_YEARS_BACK = 5  # how many past years the period choice offers


# --- loading and authorising ----------------------------------------------------------------

def _report(report_id: int) -> Report:
    """The report if the viewer may read it, else 404 (its existence is not revealed)."""
    report = services.readable_report(report_id, current_user)
    if report is None:
        abort(404)
    return report


def _organisation(key: str | None) -> Organisation:
    key = (key or "").strip()
    org = db.session.scalar(select(Organisation).where(Organisation.key == key[:100])) if key else None
    if org is None or not org.is_approved:
        abort(404)
    return org


def _to_report(report: Report, anchor: str | None = None):
    return redirect(url_for("reports.report", report_id=report.id, _anchor=anchor))


def _may_enter_reports() -> bool:
    """Administrators, and approved members of a reporting organisation."""
    org = current_user.organisation
    return current_user.is_admin or (org is not None and org.kind in REPORTING_KINDS
                                     and services.is_member(current_user, org))


def _administered_organisations() -> list[Organisation]:
    """The reporting organisations the admin looks after (all of them for a network admin)."""
    statement = select(Organisation).where(Organisation.kind.in_(REPORTING_KINDS), Organisation.status == "approved")
    if not services.is_network_admin(current_user):
        statement = statement.where(or_(Organisation.id == current_user.organisation_id,
                                        Organisation.parent_id == current_user.organisation_id))
    return list(db.session.scalars(statement.order_by(Organisation.kind, Organisation.key).limit(500)))


# --- periods ----------------------------------------------------------------------------------

def previous_period(today) -> Period:
    """The quarter before the one ``today`` is in (the default a filer reports on)."""
    quarter = (today.month - 1) // 3 + 1
    return Period(today.year - 1, 4) if quarter == 1 else Period(today.year, quarter - 1)


def period_choices(today, chosen: str | None = None) -> list[tuple[str, str]]:
    """The periods on offer, latest first: this year's begun quarters and the past years
    with their quarters; the chosen one is kept when older."""
    periods = []
    for year in range(today.year, today.year - PERIOD_YEARS_BACK - 1, -1):
        quarters = [Period(year, q) for q in (4, 3, 2, 1) if Period(year, q).start <= today]
        if year < today.year:
            periods.append(Period(year))
        periods.extend(quarters)
    codes = [p.code for p in periods]
    given = parse_period(chosen)
    if given is not None and given.code not in codes and given.start <= today:
        periods.append(given)
    return [(p.code, p.label) for p in periods]


# --- what a page shows of the figures --------------------------------------------------------

def figure_rows(org: Organisation, indicators, values: dict, prefilled: dict, form=None,
                report: Report | None = None, period: Period | None = None) -> list[dict]:
    """One row per indicator: its name in the reader's language, unit, figure, what the
    platform holds for it and whether the filer's figure differs from it."""
    lang = current_lang()
    rows = []
    for indicator in indicators:
        code = indicator.code
        value = values.get(code)
        entry = prefilled.get(code) or {}
        platform = entry.get("value")
        if platform is None:
            origin = "entered" if value is not None else "empty"
        elif value is None:
            origin = "cleared"
        else:
            origin = "platform" if _same(value, platform) else "differs"
        if report is not None:
            sources_url = url_for("reports.sources", report_id=report.id, code=code)
        elif period is not None:
            sources_url = url_for("reports.period_sources", code=code, organisation=org.key, period=period.code)
        else:
            sources_url = None
        rows.append({
            "indicator": indicator, "code": code, "name": indicator.zh if lang == "zh" else indicator.en,
            "unit": indicator.unit, "unit_label": unit_label(indicator.unit), "money": is_money(indicator.unit),
            "value": value, "platform": platform, "source": entry.get("source"),
            "source_label": _source_label(entry.get("source")), "origin": origin,
            "sources_url": sources_url if platform is not None else None,
            "field": form.value_field(indicator) if form is not None else None,
            "unit_field": form.unit_field(indicator) if form is not None else None,
        })
    return rows


def _same(a, b) -> bool:
    try:
        return abs(float(a) - float(b)) < 1e-9
    except (TypeError, ValueError):
        return False


def _source_label(source) -> str | None:
    if not source:
        return None
    labels = getattr(figures, "SOURCE_LABELS", {})
    label = labels.get(source)
    return str(label) if label is not None else str(source)


# --- the reports home ------------------------------------------------------------------------------

@bp.get("/")
@login_required
def home():
    """A member's organisation reports, or an admin's review queue and organisations."""
    if not _may_enter_reports():
        abort(403)
    org = current_user.organisation
    own = org if org is not None and org.kind in REPORTING_KINDS and services.is_member(current_user, org) else None
    return render_template(
        "reports/home.html", organisation=own, reports=services.reports_of(own) if own is not None else [],
        may_file=own is not None and services.may_file(current_user, own),
        to_review=services.to_review(current_user) if current_user.is_admin else [],
        landings=awaiting_answer(current_user),
        organisations=_administered_organisations() if current_user.is_admin else [])


@bp.get("/organisations/<key>")
@login_required
def organisation(key: str):
    """One organisation's reports (its members and administrators)."""
    org = _organisation(key)
    if org.kind not in REPORTING_KINDS or not services.may_read(current_user, org):
        abort(404)
    return render_template("reports/organisation.html", organisation=org, reports=services.reports_of(org),
                           may_file=services.may_file(current_user, org))


# --- filing a report ---------------------------------------------------------------------------

def _filing_org() -> Organisation:
    key = request.args.get("organisation")
    if not key:
        org = current_user.organisation
        if org is None or org.kind not in REPORTING_KINDS:
            abort(404)
        key = org.key
    org = _organisation(key)
    if not services.may_file(current_user, org):
        if services.may_read(current_user, org):
            abort(403)
        abort(404)
    return org


def _period_of_page(org: Organisation, text: str | None):
    """The period asked for and its error, or the default period."""
    today = services.today_in_beijing()
    if not text:
        return previous_period(today), None
    try:
        return services.checked_period(text), None
    except ServiceError as error:
        return None, str(error.message)


def _existing(org: Organisation, period: Period) -> list[Report]:
    return list(db.session.scalars(select(Report).where(Report.organisation_id == org.id, Report.period == period.code)
                                   .order_by(Report.version.desc())))


def _new_page(org, period, period_text, period_error, form, status=200):
    indicators = form.indicators
    today = services.today_in_beijing()
    existing = _existing(org, period) if period is not None else []
    open_report = next((r for r in existing if r.status in OPEN_STATUSES), None)
    accepted = next((r for r in existing if r.is_current), None)
    prefilled = figures.prefill(org, period) if period is not None and open_report is None and accepted is None else {}
    if period is not None and request.method == "GET" and open_report is None and accepted is None:
        form.fill({code: entry.get("value") for code, entry in prefilled.items()})
    if period_error:
        form.period.errors = [*form.period.errors, period_error]
    values = {code: entry.get("value") for code, entry in prefilled.items()}
    return render_template(
        "reports/form.html", organisation=org, report=None, form=form, period=period,
        period_text=period.code if period is not None else period_text,
        periods=period_choices(today, period_text), open_report=open_report, accepted=accepted,
        rows=figure_rows(org, indicators, values, prefilled, form, period=period),
        money_units=MONEY_UNIT_LABELS), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Choose the period, then the figures (prefilled from the platform); save or submit."""
    org = _filing_org()
    indicators = indicators_for(org)
    form = report_form(indicators)
    if request.method == "GET":
        text = (request.args.get("period") or "").strip()[:16]
        period, error = _period_of_page(org, text)
        return _new_page(org, period, text, error, form)
    text = (form.period.data or "").strip()[:16]
    period, error = _period_of_page(org, text or None)
    if not form.validate_on_submit():
        if not form.errors.get("csrf_token"):
            flash(_("Some figures need correcting."), "danger")
        return _new_page(org, period, text, error, form)
    created = []
    try:
        report = services.create_report(org, text, form.raw_values(), current_user, units=form.units())
        created.append(report)
        if form.wants_submit():
            services.submit_report(report, current_user)
    except InvalidFields as refusal:
        rollback()
        form.put_errors(refusal.fields)
        flash(str(refusal.message), "danger")
        return _new_page(org, period, text, None, form)
    except ServiceError as refusal:
        rollback()
        if refusal.status in (403, 404):
            abort(refusal.status)
        if refusal.field == "period":
            return _new_page(org, period, text, str(refusal.message), form)
        flash(str(refusal.message), "danger")
        return _new_page(org, period, text, None, form)
    flash(_("The report is submitted for review.") if form.wants_submit() else _("The report is saved as a draft."),
          "success")
    return _to_report(created[0])


@bp.get("/new/sources/<code>")
@login_required
def period_sources(code: str):
    """The list behind a prefilled figure, before the report exists."""
    org = _filing_org()
    period, error = _period_of_page(org, (request.args.get("period") or "").strip()[:16])
    if period is None:
        abort(404)
    return _sources_page(org, period, code, None)


# --- one report ------------------------------------------------------------------------------

def _report_page(report: Report, review_form: ReviewForm | None = None, status: int = 200):
    org = report.organisation
    indicators = indicators_for(org)
    versions = services.versions(report)
    current = next((v for v in versions if v.is_current), None)
    may_file = services.may_file(current_user, org)
    reviewer = services.reviews(current_user, org)
    return render_template(
        "reports/detail.html", report=report, organisation=org,
        rows=figure_rows(org, indicators, report.values or {}, report.prefilled or {}, report=report),
        unknown={code: value for code, value in (report.values or {}).items()
                 if code not in {i.code for i in indicators}},
        history=services.history(report), versions=versions, current=current,
        activity=figures.activity(org, services.period_of(report)),
        may_edit=may_file and report.status in ("draft", "returned"),
        may_submit=may_file and report.status in ("draft", "returned"),
        may_review=reviewer and report.status == "submitted",
        may_revise=may_file and report.is_current and not any(v.status in OPEN_STATUSES for v in versions),
        action_form=ActionForm(), review_form=review_form or ReviewForm()), status


@bp.get("/<int:report_id>")
@login_required
def report(report_id: int):
    """The report: figures, status, review comment, history, versions and actions."""
    return _report_page(_report(report_id))


def _filed_report(report_id: int) -> Report:
    report = _report(report_id)
    if not services.may_file(current_user, report.organisation):
        abort(403)
    return report


@bp.route("/<int:report_id>/edit", methods=["GET", "POST"])
@login_required
def edit(report_id: int):
    """Change a draft's or a returned report's figures; save or submit."""
    report = _filed_report(report_id)
    if report.status not in ("draft", "returned"):
        flash(_("This report is locked: it can no longer be edited."), "warning")
        return _to_report(report)
    org = report.organisation
    form = report_form(indicators_for(org))
    if request.method == "GET":
        form.fill(report.values or {})
    elif form.validate_on_submit():
        try:
            services.update_report(report, form.raw_values(), current_user, units=form.units())
            if form.wants_submit():
                services.submit_report(report, current_user)
        except InvalidFields as refusal:
            rollback()
            form.put_errors(refusal.fields)
            flash(str(refusal.message), "danger")
        except ServiceError as refusal:
            rollback()
            if refusal.status in (403, 404):
                abort(refusal.status)
            flash(str(refusal.message), "danger")
        else:
            flash(_("The report is submitted for review.") if form.wants_submit() else _("Your changes are saved."),
                  "success")
            return _to_report(report)
        db.session.refresh(report)
    elif not form.errors.get("csrf_token"):
        flash(_("Some figures need correcting."), "danger")
    return render_template(
        "reports/form.html", organisation=org, report=report, form=form, period=services.period_of(report),
        period_text=report.period, periods=[], open_report=None, accepted=None,
        rows=figure_rows(org, form.indicators, report.values or {}, report.prefilled or {}, form, report=report),
        money_units=MONEY_UNIT_LABELS)


@bp.post("/<int:report_id>/submit")
@login_required
def submit(report_id: int):
    """Draft or returned → submitted to the parent base's administrators."""
    report = _filed_report(report_id)
    if ActionForm().validate_on_submit():
        attempt(lambda: services.submit_report(report, current_user), _("The report is submitted for review."))
    return _to_report(report)


@bp.post("/<int:report_id>/review")
@login_required
def review(report_id: int):
    """Accept (locks it) or return with a comment: the parent base's administrators."""
    report = _report(report_id)
    if not services.reviews(current_user, report.organisation):
        abort(403)
    form = ReviewForm()
    if not form.validate_on_submit() or form.decision() is None:
        return _report_page(report, form, 400)
    decision = form.decision()
    try:
        services.review_report(report, decision, current_user, form.comment.data)
    except ServiceError as refusal:
        rollback()
        if refusal.status in (403, 404):
            abort(refusal.status)
        if refusal.field == "comment":
            form.comment.errors = [*form.comment.errors, str(refusal.message)]
        else:
            flash(str(refusal.message), "danger")
        db.session.refresh(report)
        return _report_page(report, form, 400 if refusal.status == 400 else 409)
    flash(_("The report is accepted and locked.") if decision == "accept"
          else _("The report is returned to its filers with your comment."), "success")
    return _to_report(report)


@bp.post("/<int:report_id>/revise")
@login_required
def revise(report_id: int):
    """Correct an accepted report: a new draft version (the accepted one stays in force)."""
    report = _filed_report(report_id)
    made = []
    if ActionForm().validate_on_submit() and attempt(lambda: made.append(services.revise_report(report, current_user)),
                                                     _("A new version is started: correct it and submit it.")):
        return redirect(url_for("reports.edit", report_id=made[0].id))
    return _to_report(report)


@bp.get("/<int:report_id>/export")
@login_required
def export(report_id: int):
    """The report as XLSX (the bases' layout, Chinese headers) or CSV (UTF-8 with a BOM)."""
    report = _report(report_id)
    kind = (request.args.get("format") or "xlsx").strip().lower()
    if kind not in EXPORT_TYPES:
        abort(400)
    return download(report, kind)


def download(report: Report, kind: str) -> Response:
    """The export response (shared with the API)."""
    from . import exports

    data = exports.report_xlsx(report) if kind == "xlsx" else exports.report_csv(report)
    return exports.attachment(data, kind, *exports.report_filename(report))


# --- the list behind a figure ----------------------------------------------------------------

@bp.get("/<int:report_id>/sources/<code>")
@login_required
def sources(report_id: int, code: str):
    """What the platform counted for one prefilled figure: landings, sessions, events…"""
    report = _report(report_id)
    return _sources_page(report.organisation, services.period_of(report), code, report)


def _sources_page(org: Organisation, period: Period, code: str, report: Report | None):
    indicator = next((i for i in indicators_for(org) if i.code == code), None)
    if indicator is None:
        abort(404)
    rows = figures.sources(org, period, code, lang=current_lang())
    prefilled = (report.prefilled or {}).get(code) if report is not None else None
    return render_template("reports/sources.html", organisation=org, report=report, period=period,
                           indicator=indicator, name=indicator.zh if current_lang() == "zh" else indicator.en,
                           unit_label=unit_label(indicator.unit), rows=list(rows), prefilled=prefilled,
                           source_label=_source_label(figures.SOURCE_OF.get(code)))


@bp.context_processor
def report_labels():
    from .forms import HISTORY_LABELS, STATUS_BADGES, STATUS_LABELS

    return {"report_status": STATUS_LABELS, "report_badge": STATUS_BADGES, "report_step": HISTORY_LABELS,
            "period_label": lambda report: Period(report.year, report.quarter).label}
