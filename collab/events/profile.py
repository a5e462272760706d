"""What an organisation's profile page shows of the events it hosts (a provider of
``collab.orgs.routes.profile_context_providers``, connected in collab/subscribers.py:
the organisations package does not import events)."""
from __future__ import annotations

from . import services
from .forms import HOST_KINDS

PROFILE_EVENTS = 5  # upcoming and recently held events on a profile, each


def organisation_events(org, viewer) -> dict:
    """The host's next published events (soonest first) and its latest held ones; a
    host organisation shows the section even when empty, any other only with events."""
    return {"upcoming_events": services.upcoming(limit=PROFILE_EVENTS, organisation_id=org.id),
            "past_events": services.past(limit=PROFILE_EVENTS, organisation_id=org.id),
            "hosts_events": org.kind in HOST_KINDS}
