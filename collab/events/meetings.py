"""One-to-one meetings of a matchmaking day: wishes, the platform's suggestions, the
schedule (collab/events/schedule.py places them), moving and cancelling meetings, and
each person's agenda."""
from __future__ import annotations


def meetings_context(event, viewer, registration) -> dict:
    """What the event page shows of wishes, suggestions and the viewer's agenda."""
    return {}
