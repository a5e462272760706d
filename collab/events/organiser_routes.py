"""Organisers' pages of an event: the attendee list, its CSV and XLSX exports, attendance
and messages to all registrants. Each answers 404 when the event is hidden from the
viewer and 403 when they may read it but do not organise it."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from ..errors import attempt
from . import exports, organisers
from .forms import AttendanceForm, MessageForm
from .routes import bp, organised_event

ATTENDANCE_VALUES = {"yes": True, "no": False, "": None}


def _to_attendees(event_id: int, anchor: str | None = None):
    return redirect(url_for("events.attendees", event_id=event_id, _anchor=anchor))


def _attendees_page(event, message_form: MessageForm | None = None):
    return render_template(
        "events/attendees.html", item=event, attendees=organisers.attendees(event),
        counts=organisers.organiser_counts(event), attendance_open=organisers.attendance_open(event),
        attendance_hint=organisers.attendance_hint(event),
        attendance_form=AttendanceForm(), message_form=message_form or MessageForm(),
        may_message=event.status != "draft", sent_messages=organisers.sent_messages(event))


@bp.get("/<int:event_id>/attendees")
@login_required
def attendees(event_id: int):
    """Registered people, then the waiting list, with attendance and the message form."""
    return _attendees_page(organised_event(event_id))


@bp.post("/<int:event_id>/attendance")
@login_required
def attendance(event_id: int):
    """Mark one registrant as attended, absent, or not marked."""
    event = organised_event(event_id)
    form = AttendanceForm()
    raw_id = (form.registration_id.data or "").strip()
    registration_id = int(raw_id) if raw_id.isdigit() and raw_id.isascii() and len(raw_id) < 12 else None
    if not form.validate_on_submit() or form.attended.data not in ATTENDANCE_VALUES or registration_id is None:
        flash(_("Attendance could not be saved: choose attended, absent or not marked."), "danger")
        return _to_attendees(event_id)
    attempt(lambda: organisers.mark_attendance(event, registration_id, ATTENDANCE_VALUES[form.attended.data],
                                               current_user), _("Attendance saved."))
    return _to_attendees(event_id, f"registration-{registration_id}")


@bp.post("/<int:event_id>/message")
@login_required
def message(event_id: int):
    """Send the organisers' message to every registered person (and the waiting list)."""
    event = organised_event(event_id)
    form = MessageForm()
    if form.validate_on_submit():
        reached = []
        sent = attempt(lambda: reached.append(organisers.send_message(
            event, current_user, form.subject.data, form.body.data, include_waitlist=form.include_waitlist.data)))
        if sent:
            flash(ngettext("Your message is sent to %(num)s person.", "Your message is sent to %(num)s people.",
                           reached[0]), "success")
            return _to_attendees(event_id, "messages")
    return _attendees_page(event, form)


@bp.get("/<int:event_id>/attendees.csv")
@login_required
def attendees_csv(event_id: int):
    """The attendee list as CSV (UTF-8 with a BOM, Chinese headers)."""
    return exports.download(organised_event(event_id), "csv")


@bp.get("/<int:event_id>/attendees.xlsx")
@login_required
def attendees_xlsx(event_id: int):
    """The attendee list as an XLSX workbook (Chinese headers)."""
    return exports.download(organised_event(event_id), "xlsx")
