"""Lifecycles of projects and needs: the legal transitions and who may make them.

A transition names its source statuses, its target and the parties allowed: the
item's ``owner``, an ``admin``, or the ``system`` (scheduled jobs)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    parties: frozenset[str]


def _t(name, sources, target, *parties) -> Transition:
    return Transition(name, frozenset(sources), target, frozenset(parties))


PROJECT_TRANSITIONS = {t.name: t for t in (
    _t("submit", {"draft", "rejected"}, "pending_review", "owner"),
    _t("withdraw", {"pending_review"}, "draft", "owner"),
    _t("approve", {"pending_review"}, "published", "admin"),
    _t("reject", {"pending_review"}, "rejected", "admin"),
    _t("in_incubation", {"published"}, "in_incubation", "owner", "admin"),
    _t("landed", {"published", "in_incubation"}, "landed", "owner", "admin"),
    _t("graduated", {"landed"}, "graduated", "owner", "admin"),
    _t("closed", {"published", "in_incubation", "landed"}, "closed", "owner", "admin"),
)}

NEED_TRANSITIONS = {t.name: t for t in (
    _t("submit", {"draft", "rejected"}, "pending_review", "owner"),
    _t("withdraw", {"pending_review"}, "draft", "owner"),
    _t("approve", {"pending_review"}, "open", "admin"),
    _t("reject", {"pending_review"}, "rejected", "admin"),
    _t("in_talks", {"open"}, "in_talks", "owner", "admin"),
    _t("open", {"in_talks"}, "open", "owner", "admin"),
    _t("fulfilled", {"open", "in_talks"}, "fulfilled", "owner", "admin"),
    _t("withdrawn", {"open", "in_talks"}, "withdrawn", "owner", "admin"),
    _t("expired", {"open", "in_talks"}, "expired", "system"),
)}

# The lifecycle steps an owner or admin picks on the detail page and through the API's
# {"to": …}; review and submission have their own actions.
PROJECT_LIFECYCLE_TARGETS = ("in_incubation", "landed", "graduated", "closed")
NEED_LIFECYCLE_TARGETS = ("in_talks", "open", "fulfilled", "withdrawn")

# Statuses in which the item is live; editing it sends it back to review.
PROJECT_LIVE = frozenset({"published", "in_incubation", "landed", "graduated"})
NEED_LIVE = frozenset({"open", "in_talks"})
EDITABLE_PROJECT = frozenset({"draft", "rejected", "pending_review"}) | PROJECT_LIVE
EDITABLE_NEED = frozenset({"draft", "rejected", "pending_review"}) | NEED_LIVE


def transitions_for(item_type: str) -> dict[str, Transition]:
    return PROJECT_TRANSITIONS if item_type == "project" else NEED_TRANSITIONS


def lifecycle_targets(item_type: str) -> tuple[str, ...]:
    return PROJECT_LIFECYCLE_TARGETS if item_type == "project" else NEED_LIFECYCLE_TARGETS


def live_statuses(item_type: str) -> frozenset[str]:
    return PROJECT_LIVE if item_type == "project" else NEED_LIVE


def editable_statuses(item_type: str) -> frozenset[str]:
    return EDITABLE_PROJECT if item_type == "project" else EDITABLE_NEED
