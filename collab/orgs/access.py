"""Who administers an organisation: the network's administrators, and each Xinjiang base's
for the base and the organisations under it. Reports and landings both ask."""
from __future__ import annotations

from .models import Organisation


def is_admin(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_admin)


def is_network_admin(user) -> bool:
    """An administrator of the whole network: one not attached to a Xinjiang base."""
    return is_admin(user) and (user.organisation is None or user.organisation.kind != "xinjiang_base")


def administers(user, org: Organisation | None) -> bool:
    """Whether ``user`` is an administrator of ``org``: of the whole network, of the base
    itself, or of the base ``org`` belongs to (its parent)."""
    if not is_admin(user) or org is None:
        return is_network_admin(user)
    return is_network_admin(user) or user.organisation_id in (org.id, org.parent_id)
