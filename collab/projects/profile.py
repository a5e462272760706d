"""What an organisation's profile page shows of the projects that landed through it (an
offshore incubator) or at it (a Xinjiang base): confirmed landings only. A provider of
``collab.orgs.routes.profile_context_providers``, connected in collab/subscribers.py."""
from __future__ import annotations

from .landing import landings_of

PROFILE_LANDINGS = 50


def organisation_landings(org, viewer) -> dict:
    """Confirmed landings through and at ``org`` (one query for both lists)."""
    landings = landings_of(org, limit=PROFILE_LANDINGS)
    return {"landings_via": [landing for landing in landings if landing.via_id == org.id],
            "landings_at": [landing for landing in landings if landing.base_id == org.id]}
