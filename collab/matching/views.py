"""What item pages show of matching: recommendations for the owner (and admins)."""
from __future__ import annotations

from .forms import InterestForm
from .introductions import existing_for
from .store import needs_for_project, projects_for_need


def recommendations(item, viewer, limit: int = 10) -> dict:
    """Template context: the stored best matches of ``item`` when ``viewer`` owns it or is an admin."""
    if not (viewer.is_authenticated and (viewer.is_admin or item.owner_id == viewer.id)):
        return {"matches": None}
    if item.item_type == "need":
        matches = projects_for_need(item, viewer, limit)
        intros = existing_for(need_ids=[item.id])
    else:
        matches = needs_for_project(item, viewer, limit)
        intros = existing_for(project_ids=[item.id])
    return {"matches": matches, "intros": intros, "interest_form": InterestForm(),
            "can_express": item.owner_id == viewer.id}
