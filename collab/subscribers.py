"""What fires when content changes, in one place: the subscribers of the content core's
``item_changed`` signal, what other features add to every item page, and how other
features' notifications read.

The content core imports none of these features; the app factory connects them here.
"""
from __future__ import annotations


def connect_subscribers() -> None:
    """Connect every subscriber (idempotent: blinker keeps one connection per receiver)."""
    from . import audit
    from .auth.routes import profile_context_providers
    from .content.routes import detail_context_providers
    from .content.signals import item_changed
    from .events import services as events
    from .events.notices import event_message
    from .events.profile import organisation_events
    from .matching import store as matches
    from .matching.digest import digest_settings
    from .matching.notices import introduction_message
    from .matching.views import recommendations
    from .notifications import services as notifications
    from .notifications.messages import RENDERERS
    from .orgs.routes import profile_context_providers as org_profile_context_providers
    from .projects.landing import landing_message
    from .projects.profile import organisation_landings
    from .matching.contracts import contract_message
    from .reports.notices import report_message
    from .search import index as search_index

    # Order matters only for reading: the index and the stored matches first, then the
    # people told about the change, then the audit trail.
    for receiver in (search_index.on_item_changed, matches.on_item_changed, notifications.on_item_changed,
                     events.on_item_changed, audit.on_item_changed):
        item_changed.connect(receiver)
    if recommendations not in detail_context_providers:
        detail_context_providers.append(recommendations)
    RENDERERS["introduction_"] = introduction_message
    RENDERERS["event_"] = event_message
    RENDERERS["landing_"] = landing_message
    RENDERERS["contract_"] = contract_message
    RENDERERS["report_"] = report_message
    if digest_settings not in profile_context_providers:
        profile_context_providers.append(digest_settings)
    if organisation_events not in org_profile_context_providers:
        org_profile_context_providers.append(organisation_events)
    if organisation_landings not in org_profile_context_providers:
        org_profile_context_providers.append(organisation_landings)
