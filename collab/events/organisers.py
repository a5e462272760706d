"""What organisers do with registrations: the attendee list, its exports, attendance,
and messages to all registrants."""
from __future__ import annotations


def organiser_context(event, viewer) -> dict:
    """What the event page shows organisers beyond the shared parts."""
    return {}
