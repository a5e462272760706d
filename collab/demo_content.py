"""Demo projects and needs (collab/data/demo_content.json), in several lifecycle states.
Idempotent: an item whose owner already has one with the same title is skipped."""
from __future__ import annotations

import json
from datetime import timedelta
from importlib import resources

from sqlalchemy import or_, select

from .auth.models import User
from .content import services as content
from .content.kinds import kind_of
from .content.models import StatusChange
from .content.signals import item_was
from .db import utcnow
from .extensions import db
from .needs.kind import today
from .needs.models import Need
from .orgs.models import Organisation
from .projects.models import Project

# Status reached through review from draft, in order.
_PROJECT_PATH = ("pending_review", "published")
_NEED_PATH = ("pending_review", "open")


def _staff(org: Organisation, role: str, password: str) -> User:
    """The organisation's demo member with ``role`` (an existing one, or a new staff account)."""
    from .auth.services import create_user

    user = db.session.scalar(select(User).where(User.organisation_id == org.id, User.roles.contains(role),
                                                User.membership_status == "approved").order_by(User.id))
    if user is None:
        user = create_user(email=f"staff-{org.key}@collab.demo", password=password, role=role,
                           display_name=org.name_zh or org.name_en, locale="zh" if org.country == "CN" else "en",
                           timezone=org.timezone, organisation=org)
    return user


def _exists(model, owner: User, item: dict) -> bool:
    titles = [t for t in (item.get("title_zh"), item.get("title_en")) if t]
    return bool(db.session.scalar(select(model.id).where(
        model.owner_id == owner.id, or_(*(getattr(model, f"title_{l}") == item.get(f"title_{l}")
                                          for l in ("zh", "en") if item.get(f"title_{l}"))))) if titles else False)


def _history(item, owner: User, admin: User | None, entry: dict, path: tuple[str, ...]) -> None:
    """Write the item's recorded history with plausible dates, ending at its demo status."""
    now = utcnow()
    published_days = entry.get("published_days_ago")
    published_at = now - timedelta(days=published_days) if published_days is not None else None
    created_at = (published_at or now - timedelta(days=3)) - timedelta(days=5)
    item.created_at = item.updated_at = created_at
    steps = [("draft", owner, created_at, None)]
    target = entry["status"]
    if target != "draft":
        steps.append(("pending_review", owner, created_at + timedelta(days=2), None))
    if published_at is not None:
        steps.append((path[1], admin, published_at, None))
        for later in entry.get("history") or []:
            note = later.get("note_zh") if owner.locale == "zh" else later.get("note_en")
            steps.append((later["to"], owner, now - timedelta(days=later["days_ago"]), note or None))
        if steps[-1][0] != target:
            steps.append((target, owner, now - timedelta(days=1), None))
    previous = None
    for status, actor, at, note in steps:
        db.session.add(StatusChange(item_type=item.item_type, item_id=item.id, from_status=previous, to_status=status,
                                    actor_id=actor.id if actor else None, note=note, created_at=at))
        previous = status
    item.status = target
    item.submitted_at = created_at + timedelta(days=2) if target != "draft" else None
    item.published_at = published_at


def load_content_demo(password: str) -> dict[str, int]:
    data = json.loads(resources.files("collab.data").joinpath("demo_content.json").read_text(encoding="utf-8"))
    admin = db.session.scalar(select(User).where(User.roles.contains("admin")).order_by(User.id))
    for entry in data["enterprises"]:
        if not db.session.scalar(select(Organisation.id).where(Organisation.key == entry["key"])):
            org = Organisation(status="approved", facts={}, **entry)
            org.refresh_search_text()
            db.session.add(org)
    db.session.flush()
    orgs = {o.key: o for o in db.session.scalars(select(Organisation))}
    created = {"projects": 0, "needs": 0}
    for entry in data["projects"]:
        owner = _staff(orgs[entry["org"]], "center", password)
        if _exists(Project, owner, entry):
            continue
        project = Project(owner_id=owner.id, organisation_id=owner.organisation_id, status="draft",
                          title_zh=entry["title_zh"], title_en=entry["title_en"], summary_zh=entry["summary_zh"],
                          summary_en=entry["summary_en"], stage=entry["stage"], direction=entry["direction"],
                          funding_sought_cny=entry["funding_sought_cny"], team_size=entry["team_size"],
                          ip_status=entry["ip_status"], seeks=entry["seeks"], city=entry["city"])
        project.sectors = content.sectors_by_code(entry["sectors"])
        db.session.add(project)
        db.session.flush()
        _history(project, owner, admin, entry, _PROJECT_PATH)
        item_was(kind_of(project), project, "created", owner)
        created["projects"] += 1
    for entry in data["needs"]:
        owner = _staff(orgs[entry["enterprise"]], "enterprise", password)
        if _exists(Need, owner, entry):
            continue
        need = Need(owner_id=owner.id, organisation_id=owner.organisation_id, status="draft", kind=entry["kind"],
                    title_zh=entry["title_zh"], title_en=entry["title_en"], description_zh=entry["description_zh"],
                    description_en=entry["description_en"], budget_min_cny=entry["budget_min_cny"],
                    budget_max_cny=entry["budget_max_cny"], location=entry["location"],
                    deadline=today() + timedelta(days=entry["deadline_days"]), visibility=entry["visibility"])
        need.sectors = content.sectors_by_code(entry["sectors"])
        db.session.add(need)
        db.session.flush()
        _history(need, owner, admin, entry, _NEED_PATH)
        item_was(kind_of(need), need, "created", owner)
        created["needs"] += 1
    db.session.flush()
    return created
