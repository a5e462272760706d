"""Pages: the mentor directory and profiles with the slot picker, booking, my bookings,
the mentor's own profile, availability and dashboard, and the admins' session figures."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from ..auth.sessions import admin_required
from ..db import paginate, utcnow
from ..errors import ServiceError, attempt
from ..extensions import db
from ..forms import select_choices
from ..i18n import timezone_choices
from ..unit_of_work import rollback
from . import bookings as booking_services
from . import services
from .bookings import SlotTaken
from .calendar import booking_ics, has_calendar
from .forms import (AvailabilityForm, BookingForm, CancelForm, DeclineForm, ExceptionForm, FeedbackForm,
                    MentorProfileForm, NotesForm, RescheduleForm)
from .labels import LANGUAGE_LABELS, MODE_LABELS, STATUS_LABELS, WEEKDAY_LABELS
from .models import SESSION_LENGTHS, Booking, MentorException, MentorProfile
from .services import clock
from .slots import zone
from .timefmt import format_date_only, format_day, format_range, format_when, requested_timezone, zone_label

bp = Blueprint("mentors", __name__, url_prefix="/<lang:lang>")

FREE_SOON_DAYS = 7


@bp.app_template_filter("when")
def when_filter(value, tz=None, with_date=True):
    """``{{ booking.start_at|when }}``: the viewer's zone, Beijing time beside it."""
    return format_when(value, tz, with_date)


@bp.app_context_processor
def mentor_helpers():
    return {"when_range": format_range, "zone_label": zone_label, "format_day": format_day,
            "format_date_only": format_date_only,
            "mentor_labels": {"language": LANGUAGE_LABELS, "mode": MODE_LABELS, "status": STATUS_LABELS,
                              "weekday": WEEKDAY_LABELS}}


def page_arg() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def parse_instant(value: str | None) -> datetime | None:
    """An ISO 8601 instant with an offset (or Z), else None."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError:
        return None
    return parsed.astimezone(timezone.utc) if parsed.tzinfo else None


def get_mentor(mentor_id: int) -> MentorProfile:
    profile = db.session.get(MentorProfile, mentor_id)
    if profile is None or not profile.user.is_enabled:
        abort(404)
    if not profile.is_active and not (current_user.is_authenticated
                                      and (current_user.id == profile.user_id or current_user.is_admin)):
        abort(404)
    return profile


# --- the directory and profiles ------------------------------------------------

@bp.get("/mentors/")
def directory():
    """Mentors, filtered by sector, language, city, mode and free slots soon."""
    from ..orgs.services import list_sectors

    sectors = list_sectors()
    sector = request.args.get("sector") or None
    if sector and sector not in {s.code for s in sectors}:
        sector = None
    language = request.args.get("language") or None
    if language not in LANGUAGE_LABELS:
        language = None
    mode = request.args.get("mode") if request.args.get("mode") in MODE_LABELS else None
    city = (request.args.get("city") or "").strip()[:100] or None
    free = request.args.get("free") == "1"
    per_page, page = current_app.config["PER_PAGE"], page_arg()
    profiles, total, next_slots = services.directory(
        sector=sector, language=language, city=city, mode=mode,
        free_within_days=FREE_SOON_DAYS if free else None, page=page, per_page=per_page)
    return render_template(
        "mentors/directory.html", profiles=profiles, total=total, page=page, per_page=per_page,
        next_slots=next_slots, sectors=sectors, cities=services.city_options(),
        filters={"sector": sector, "language": language, "city": city, "mode": mode, "free": free})


@bp.get("/mentors/<int:mentor_id>")
def profile(mentor_id: int):
    """A mentor's profile and the slot picker, in a zone the viewer can change."""
    mentor = get_mentor(mentor_id)
    tz, bad_zone = requested_timezone()
    local_today = utcnow().astimezone(zone(tz)).date()
    try:
        first_day = date.fromisoformat(request.args.get("from", "")) if request.args.get("from") else local_today
    except ValueError:
        first_day = local_today
    first_day = max(first_day, local_today)
    start = datetime.combine(first_day, time(), zone(tz)).astimezone(timezone.utc)
    end = datetime.combine(first_day + timedelta(days=7), time(), zone(tz)).astimezone(timezone.utc)
    lengths = [n for n in SESSION_LENGTHS if n <= mentor.session_minutes]
    minutes = request.args.get("minutes", type=int)
    minutes = minutes if minutes in lengths else mentor.session_minutes
    viewer = current_user if current_user.is_authenticated else None
    slots = services.mentor_slots(mentor, start, end, minutes=minutes, viewer=viewer)
    days: dict[date, list] = {first_day + timedelta(days=n): [] for n in range(7)}
    for slot in slots:
        days.setdefault(slot.start.astimezone(zone(tz)).date(), []).append(slot)
    reschedule = None
    reschedule_id = request.args.get("reschedule", type=int)
    if reschedule_id and viewer is not None:
        candidate = db.session.get(Booking, reschedule_id)
        if candidate is not None and candidate.is_party(viewer) and candidate.is_live \
                and candidate.mentor_id == mentor.id:
            reschedule = candidate
    return render_template(
        "mentors/profile.html", mentor=mentor, tz=tz, bad_zone=bad_zone and request.args.get("tz"),
        days=days, first_day=first_day, minutes=minutes, lengths=lengths,
        previous_week=max(first_day - timedelta(days=7), local_today) if first_day > local_today else None,
        next_week=first_day + timedelta(days=7),
        zones=timezone_choices(), reschedule=reschedule,
        is_self=viewer is not None and viewer.id == mentor.user_id)


@bp.route("/mentors/<int:mentor_id>/book", methods=["GET", "POST"])
@login_required
def book(mentor_id: int):
    """Request a session in the chosen slot."""
    mentor = get_mentor(mentor_id)
    if current_user.id == mentor.user_id:
        abort(403)
    form = BookingForm(request.form if request.method == "POST" else None,
                       start=request.args.get("start"), minutes=request.args.get("minutes"))
    form.language.choices = select_choices((code, LANGUAGE_LABELS.get(code, code)) for code in mentor.language_list)
    form.mode.choices = select_choices((code, MODE_LABELS[code]) for code in mentor.modes)
    if request.method == "GET" and current_user.locale in mentor.language_list:
        form.language.data = current_user.locale
    start = parse_instant(form.start.data)
    minutes = int(form.minutes.data) if (form.minutes.data or "").isdigit() else None
    if start is None:
        flash(_("Pick a time from the mentor's free slots."), "warning")
        return redirect(url_for("mentors.profile", mentor_id=mentor.id))
    status = 200
    if form.validate_on_submit():
        try:
            booking = booking_services.book(mentor, current_user, start, topic=form.topic.data,
                                            language=form.language.data, mode=form.mode.data, minutes=minutes)
        except ServiceError as error:
            status = _refused(error)
            form.start.errors = [*form.start.errors, str(error.message)]
        else:
            flash(_("Your session is booked.") if booking.status == "confirmed"
                  else _("Your request was sent; the mentor will confirm or decline it."), "success")
            return redirect(url_for("mentors.booking", booking_id=booking.id))
    end = start + timedelta(minutes=minutes or mentor.session_minutes)
    return render_template("mentors/book.html", mentor=mentor, form=form, start=start, end=end), status


# --- the mentor's own pages ---------------------------------------------------

@bp.route("/mentors/me", methods=["GET", "POST"])
@login_required
def my_profile():
    """A mentor edits the profile; anyone else may offer to mentor."""
    if not current_user.has_role("mentor"):
        return render_template("mentors/become.html", form=FlaskForm())
    profile = services.ensure_profile(current_user)
    from ..orgs.services import list_sectors

    form = MentorProfileForm(obj=profile if request.method == "GET" else None)
    orgs = services.organisation_choices()
    form.organisation_id.choices = select_choices([(0, _("None"))] + [(o.id, _org_name(o)) for o in orgs])
    form.base_id.choices = select_choices([(0, _("None"))] + [(o.id, _org_name(o)) for o in services.base_choices()])
    form.sectors.choices = select_choices((s.code, s.zh if _is_zh() else s.en) for s in list_sectors())
    if request.method == "GET":
        form.sectors.data = [s.code for s in profile.sectors]
        form.languages.data = profile.language_list
        form.organisation_id.data = profile.organisation_id or 0
        form.base_id.data = profile.base_id or 0
    if form.validate_on_submit():
        services.update_profile(profile, current_user, sectors=form.sectors.data, languages=form.languages.data,
                                **form.values())
        flash(_("Your mentor profile is saved."), "success")
        return redirect(url_for("mentors.my_profile"))
    return render_template("mentors/me.html", form=form, profile=profile)


@bp.post("/mentors/me/start")
@login_required
def become_mentor():
    """Add the mentor role and a profile to one's account."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    services.become_mentor(current_user)
    flash(_("You are now a mentor. Fill in your profile and availability."), "success")
    return redirect(url_for("mentors.my_profile"))


def _own_profile() -> MentorProfile:
    if not current_user.has_role("mentor"):
        abort(403)
    return services.ensure_profile(current_user)


@bp.route("/mentors/me/availability", methods=["GET", "POST"])
@login_required
def availability():
    """Weekly windows, rules, and the list of exceptions (extra windows, blocked dates)."""
    profile = _own_profile()
    form = AvailabilityForm(obj=profile if request.method == "GET" else None)
    if request.method == "GET":
        for day in range(7):
            getattr(form, f"day_{day}").data = ", ".join(
                f"{clock(w.start_minute)}-{clock(w.end_minute)}" for w in profile.windows if w.weekday == day)
    if form.validate_on_submit():
        try:
            services.set_availability(
                profile, current_user, timezone=form.timezone.data, weekly=form.weekly(),
                session_minutes=form.session_minutes.data, buffer_minutes=form.buffer_minutes.data,
                min_notice_hours=form.min_notice_hours.data, horizon_days=form.horizon_days.data,
                monthly_cap=form.monthly_cap.data)
        except services.InvalidInput as error:
            rollback()  # the page answers 200: nothing of the refused change may be kept
            for name, messages in error.fields.items():
                getattr(form, name, form.timezone).errors = list(messages)
        else:
            flash(_("Your availability is saved."), "success")
            return redirect(url_for("mentors.availability"))
    return render_template("mentors/availability.html", form=form, profile=profile,
                           exception_form=ExceptionForm(formdata=None), delete_form=FlaskForm())


@bp.post("/mentors/me/exceptions")
@login_required
def add_exception():
    """Add an extra window or a blocked date (in the mentor's zone)."""
    profile = _own_profile()
    form = ExceptionForm()
    if form.validate_on_submit():
        fields = services.parse_exception({"date": form.day.data.isoformat(), "kind": form.kind.data,
                                           "start": form.start.data or None, "end": form.end.data or None,
                                           "note": form.note.data or None})
        services.add_exception(profile, current_user, **fields)
        flash(_("The exception is saved."), "success")
        return redirect(url_for("mentors.availability"))
    availability_form = AvailabilityForm(obj=profile)
    for day in range(7):
        getattr(availability_form, f"day_{day}").data = ", ".join(
            f"{clock(w.start_minute)}-{clock(w.end_minute)}" for w in profile.windows if w.weekday == day)
    return render_template("mentors/availability.html", form=availability_form, profile=profile,
                           exception_form=form, delete_form=FlaskForm())


@bp.post("/mentors/me/exceptions/<int:exception_id>/delete")
@login_required
def delete_exception(exception_id: int):
    profile = _own_profile()
    item = db.session.get(MentorException, exception_id)
    if item is None or item.mentor_id != profile.id:
        abort(404)
    if FlaskForm().validate_on_submit():
        db.session.delete(item)
        flash(_("The exception is removed."), "success")
    return redirect(url_for("mentors.availability"))


@bp.get("/mentors/me/dashboard")
@login_required
def dashboard():
    """Upcoming sessions, requests to answer, hours this month and the average rating."""
    profile = _own_profile()
    stats = booking_services.mentor_dashboard(profile)
    return render_template("mentors/dashboard.html", profile=profile, stats=stats, csrf_form=FlaskForm())


# --- bookings -------------------------------------------------------------------

@bp.get("/bookings/")
@login_required
def my_bookings():
    """The user's sessions, as booker and as mentor: upcoming first, or the past ones."""
    past = request.args.get("when") == "past"
    statement = booking_services.bookings_of(current_user, upcoming=not past)
    per_page, page = current_app.config["PER_PAGE"], page_arg()
    items, total = paginate(statement, page, per_page)
    return render_template("mentors/bookings.html", bookings=items, total=total, page=page, per_page=per_page,
                           past=past)


def _visible(booking_id: int) -> Booking:
    booking = booking_services.visible_booking(booking_id, current_user)
    if booking is None:
        abort(404)
    return booking


@bp.get("/bookings/<int:booking_id>")
@login_required
def booking(booking_id: int):
    """One booking with the actions its viewer may take."""
    item = _visible(booking_id)
    return render_template(
        "mentors/booking.html", booking=item, now=utcnow(), has_calendar=has_calendar(item),
        is_mentor=current_user.id == item.mentor.user_id, is_booker=current_user.id == item.booker_id,
        csrf_form=FlaskForm(), cancel_form=CancelForm(formdata=None), decline_form=DeclineForm(formdata=None),
        feedback_form=FeedbackForm(formdata=None, rating=str(item.rating) if item.rating else None,
                                   feedback=item.feedback),
        notes_form=NotesForm(formdata=None, mentor_notes=item.mentor_notes, follow_up=item.follow_up))


def _refused(error: ServiceError) -> int:
    """A refused booking shown on its form: nothing is kept; 403/404 answer with their
    page, a taken slot with 409, any other refusal with the form again."""
    rollback()
    if error.status in (403, 404):
        abort(error.status)
    return 409 if isinstance(error, SlotTaken) else 200


def _submitted(form_class=FlaskForm):
    """The action's CSRF-protected form when it is valid; else its errors are flashed."""
    form = form_class()
    if form.validate_on_submit():
        return form
    for messages in form.errors.values():
        for message in messages:
            flash(str(message), "danger")
    return None


def _back(booking_id: int):
    return redirect(url_for("mentors.booking", booking_id=booking_id))


@bp.post("/bookings/<int:booking_id>/confirm")
@login_required
def confirm(booking_id: int):
    item = _visible(booking_id)
    if _submitted() is not None:
        attempt(lambda: booking_services.confirm(item, current_user), _("The session is confirmed."))
    return _back(booking_id)


@bp.post("/bookings/<int:booking_id>/decline")
@login_required
def decline(booking_id: int):
    item = _visible(booking_id)
    if (form := _submitted(DeclineForm)) is not None:
        attempt(lambda: booking_services.decline(item, current_user, form.note.data), _("The request is declined."))
    return _back(booking_id)


@bp.post("/bookings/<int:booking_id>/cancel")
@login_required
def cancel(booking_id: int):
    item = _visible(booking_id)
    if (form := _submitted(CancelForm)) is not None:
        attempt(lambda: booking_services.cancel(item, current_user, form.reason.data), _("The session is cancelled."))
    return _back(booking_id)


@bp.post("/bookings/<int:booking_id>/complete")
@login_required
def complete(booking_id: int):
    item = _visible(booking_id)
    if _submitted() is not None:
        attempt(lambda: booking_services.close(item, current_user, "completed"),
                _("The session is marked as completed."))
    return _back(booking_id)


@bp.post("/bookings/<int:booking_id>/no-show")
@login_required
def no_show(booking_id: int):
    item = _visible(booking_id)
    if _submitted() is not None:
        attempt(lambda: booking_services.close(item, current_user, "no_show"), _("The session is marked as a no-show."))
    return _back(booking_id)


@bp.post("/bookings/<int:booking_id>/feedback")
@login_required
def feedback(booking_id: int):
    item = _visible(booking_id)
    if (form := _submitted(FeedbackForm)) is not None:
        attempt(lambda: booking_services.give_feedback(item, current_user, form.rating.data, form.feedback.data),
                _("Thank you for your feedback."))
    return _back(booking_id)


@bp.post("/bookings/<int:booking_id>/notes")
@login_required
def notes(booking_id: int):
    item = _visible(booking_id)
    if (form := _submitted(NotesForm)) is not None:
        attempt(lambda: booking_services.save_notes(item, current_user, form.mentor_notes.data, form.follow_up.data),
                _("Your notes are saved."))
    return _back(booking_id)


@bp.route("/bookings/<int:booking_id>/reschedule", methods=["GET", "POST"])
@login_required
def reschedule(booking_id: int):
    """Move a live booking: the old one is cancelled, a new one linked to it is made."""
    item = _visible(booking_id)
    if not item.is_party(current_user):
        abort(403)
    form = RescheduleForm(request.form if request.method == "POST" else None, start=request.args.get("start"))
    start = parse_instant(form.start.data)
    if start is None or not item.is_live:
        return redirect(url_for("mentors.profile", mentor_id=item.mentor_id, reschedule=item.id))
    status = 200
    if form.validate_on_submit():
        try:
            new = booking_services.reschedule(item, current_user, start, form.reason.data or None)
        except ServiceError as error:
            status = _refused(error)
            form.start.errors = [str(error.message)]
        else:
            flash(_("The session is moved."), "success")
            return redirect(url_for("mentors.booking", booking_id=new.id))
    end = start + timedelta(minutes=item.minutes)
    return render_template("mentors/reschedule.html", booking=item, form=form, start=start, end=end), status


@bp.get("/bookings/<int:booking_id>.ics")
@login_required
def booking_calendar(booking_id: int):
    """The booking's calendar file (REQUEST, or CANCEL once cancelled)."""
    item = _visible(booking_id)
    if not has_calendar(item):
        abort(404)
    return calendar_response(item)


def calendar_response(item: Booking) -> Response:
    from ..i18n import current_lang

    return Response(booking_ics(item, lang=current_lang()), mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="collab-session-{item.id}.ics"'})


# --- admins ---------------------------------------------------------------------

@bp.get("/admin/sessions")
@admin_required
def admin_sessions():
    """Sessions per base (the mentor's organisation) and per mentor."""
    return render_template("mentors/admin_sessions.html", stats=booking_services.admin_stats(),
                           statuses=STATUS_LABELS)


def _is_zh() -> bool:
    from ..i18n import current_lang

    return current_lang() == "zh"


def _org_name(org) -> str:
    from ..i18n import localized_text

    return localized_text(org, "name") or org.key

