"""The one-to-one meetings' pages of a matchmaking day: wishes, the schedule, moving and
cancelling meetings, and each person's agenda.

    /<lang>/events/<id>/wishes                       GET, POST  events.wishes          registrants
    /<lang>/events/<id>/schedule                     GET        events.schedule        organisers
    /<lang>/events/<id>/schedule                     POST       events.generate_schedule  organisers
    /<lang>/events/<id>/meetings/<mid>/move          POST       events.move_meeting    organisers
    /<lang>/events/<id>/meetings/<mid>/cancel        POST       events.cancel_meeting  organisers
    /<lang>/events/<id>/agenda                       GET        events.agenda          anyone signed in: their own
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from ..content.services import is_owner
from ..content.views import ActionForm
from ..errors import attempt
from ..extensions import db
from . import meetings
from .forms import MeetingMoveForm
from .routes import bp, organised_event, to_event, visible_event


def _visible(event_id: int):
    """visible_event, with ids no database column holds answered 404 (not a PostgreSQL error)."""
    if not 0 < event_id <= meetings.MAX_ID:
        abort(404)
    return visible_event(event_id)


def _organised(event_id: int):
    if not 0 < event_id <= meetings.MAX_ID:
        abort(404)
    return organised_event(event_id)


def _with_meetings(event):
    if not event.has_meetings:
        abort(404)
    return event


@bp.app_template_global("featured_suggestions")
def featured_suggestions(form) -> dict:
    """For the event form: items to feature, from the ids chosen so far."""
    return meetings.suggest_featured(form.featured_project_ids.data, form.featured_need_ids.data)


bp.add_app_template_global(meetings.strong_score, "strong_match_score")


@bp.route("/<int:event_id>/wishes", methods=["GET", "POST"])
@login_required
def wishes(event_id: int):
    """Choose the featured projects and needs to meet, with the platform's suggestions."""
    event = _with_meetings(_visible(event_id))
    if not meetings.may_wish(event, current_user):
        abort(403)
    if request.method == "POST":
        form = meetings.wishes_form(event, current_user, formdata=request.form)
        if form.validate_on_submit() and attempt(
                lambda: meetings.set_wishes(event, current_user, form.project_ids.data or [], form.need_ids.data or []),
                _("Your wishes are saved.")):
            if request.args.get("back") == "wishes":
                return redirect(url_for("events.wishes", event_id=event_id))
            return to_event(event_id, "meetings")
    else:
        form = meetings.wishes_form(event, current_user)
    return render_template("events/wishes.html", item=event, form=form,
                           suggestions=meetings.suggestions_for(event, current_user),
                           wishes_open=meetings.wishes_open(event))


@bp.get("/<int:event_id>/schedule")
@login_required
def schedule(event_id: int):
    """The organisers' view of the whole schedule, slot by slot, with the unmet wishes."""
    from ..auth.models import User

    event = _organised(event_id)
    if not event.has_meetings:
        return render_template("events/schedule.html", item=event, no_meetings=True), 409
    everything = meetings.schedule_of(event)
    plan = meetings.plan_of(event)
    unmet = meetings.unmet_wishes(event, plan, everything)
    by_slot: dict[int, list] = {}
    for meeting in everything:
        by_slot.setdefault(meeting.slot, []).append(meeting)
    items = {(t, i.id): i for t in meetings.ITEM_TYPES for i in meetings.featured_items(event, t)}
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(
        sorted({w.participant for w in unmet} | {owner for owner in plan.owners.values()}))))} if unmet else {}
    return render_template(
        "events/schedule.html", item=event, no_meetings=False, slots=meetings.slot_times(event), by_slot=by_slot,
        counts=meetings.schedule_counts(event), unmet=unmet, items=items, people=people, owners=plan.owners,
        participants=len(plan.participants), action_form=ActionForm(), move_form=MeetingMoveForm(),
        may_change=event.status == "published")


@bp.post("/<int:event_id>/schedule")
@login_required
def generate_schedule(event_id: int):
    """Generate the schedule, or make it again (every earlier meeting is replaced)."""
    event = _organised(event_id)
    if ActionForm().validate_on_submit():
        done = []
        if attempt(lambda: done.append(meetings.generate_schedule(event))):
            result = done[0]
            flash(ngettext("%(num)s meeting is scheduled.", "%(num)s meetings are scheduled.", len(result.meetings)),
                  "success")
            if result.unmet_wishes:
                flash(ngettext("%(num)s wish could not be met: see the list below the schedule.",
                               "%(num)s wishes could not be met: see the list below the schedule.",
                               result.unmet_wishes), "warning")
    if not event.has_meetings:
        return to_event(event_id, "meetings")
    return redirect(url_for("events.schedule", event_id=event_id))


@bp.post("/<int:event_id>/meetings/<int:meeting_id>/move")
@login_required
def move_meeting(event_id: int, meeting_id: int):
    """Move a meeting to another time slot and table (numbered from 1 on the page)."""
    event = _organised(event_id)
    form = MeetingMoveForm()
    if form.validate_on_submit():
        attempt(lambda: meetings.move_meeting(event, meeting_id, form.slot.data - 1, form.table.data),
                _("The meeting is moved."))
    else:
        meetings.meeting_of(event, meeting_id)  # 404 for a meeting of another event
        for name, errors in form.errors.items():
            label = form[name].label.text if name in form else name
            for error in errors:
                flash(_("%(field)s: %(error)s", field=label, error=error), "danger")
    return redirect(url_for("events.schedule", event_id=event_id, _anchor=f"slot-{form.slot.data or 1}"))


@bp.post("/<int:event_id>/meetings/<int:meeting_id>/cancel")
@login_required
def cancel_meeting(event_id: int, meeting_id: int):
    """Cancel a meeting (it stays on the schedule, struck through)."""
    event = _organised(event_id)
    if ActionForm().validate_on_submit():
        attempt(lambda: meetings.cancel_meeting(event, meeting_id), _("The meeting is cancelled."))
    return redirect(url_for("events.schedule", event_id=event_id))


@bp.get("/<int:event_id>/agenda")
@login_required
def agenda(event_id: int):
    """The signed-in person's own meetings, in their zone with the event's zone beside."""
    event = _with_meetings(_visible(event_id))
    return render_template("events/agenda.html", item=event, entries=meetings.agenda_of(event, current_user),
                           is_organiser=is_owner(event, current_user))
