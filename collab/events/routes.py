"""Event pages: the content core's pages (listing, form, detail, lifecycle), plus
registration and the calendar file. Organisers' pages live in organiser_routes.py and
the one-to-one meetings' in meeting_routes.py, on this blueprint."""
from __future__ import annotations

from flask import Response, abort, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..content.routes import content_blueprint
from ..content.services import get_visible, is_owner
from ..content.views import ActionForm
from ..errors import attempt
from ..i18n import current_lang
from . import services
from .calendar import event_ics
from .kind import EVENTS
from .models import Event

bp = content_blueprint(EVENTS)


def visible_event(event_id: int) -> Event:
    """The event if the viewer may read it, else 404."""
    event = get_visible(EVENTS, event_id, current_user)
    if event is None:
        abort(404)
    return event


def organised_event(event_id: int) -> Event:
    """The event if the viewer organises it: 404 when hidden, 403 when only readable."""
    event = visible_event(event_id)
    if not is_owner(event, current_user):
        abort(403)
    return event


def to_event(event_id: int, anchor: str | None = None):
    return redirect(url_for("events.detail", event_id=event_id, _anchor=anchor))


@bp.post("/<int:event_id>/register")
@login_required
def register(event_id: int):
    """Take a place, or a place on the waiting list."""
    event = visible_event(event_id)
    if ActionForm().validate_on_submit():
        attempt(lambda: services.register(event, current_user), _("Your registration is saved."))
    return to_event(event_id, "registration")


@bp.post("/<int:event_id>/unregister")
@login_required
def unregister(event_id: int):
    """Give up one's place (or leave the waiting list)."""
    event = visible_event(event_id)
    if ActionForm().validate_on_submit():
        attempt(lambda: services.cancel_registration(event, current_user), _("Your registration is cancelled."))
    return to_event(event_id, "registration")


@bp.get("/<int:event_id>.ics")
def calendar(event_id: int):
    """The event as an iCalendar file, in its own zone."""
    event = visible_event(event_id)
    return Response(event_ics(event, current_lang()), mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="event-{event.id}.ics"'})


from . import meeting_routes, organiser_routes  # noqa: E402,F401  (their routes join this blueprint)
