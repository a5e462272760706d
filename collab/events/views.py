"""What an event's page shows beyond the shared parts: the viewer's registration, the
places left, and what organisers and meeting participants see."""
from __future__ import annotations

from ..content.services import is_owner
from ..content.views import ActionForm
from . import services


def event_detail_context(event, viewer) -> dict:
    """The event page's own context (the content core's detail view merges it)."""
    from .meetings import meetings_context
    from .organisers import organiser_context

    registration = services.registration_of(event, viewer)
    if registration is not None and registration.status == "cancelled":
        registration = None
    context = {
        "registration": registration,
        "waitlist_position": services.waitlist_position(registration) if registration else None,
        "registration_counts": services.counts(event),
        "registration_open": services.registration_open(event),
        "is_organiser": is_owner(event, viewer),
        "registration_form": ActionForm(),
    }
    context.update(meetings_context(event, viewer, registration))
    context.update(organiser_context(event, viewer))
    return context
