"""The matching engine applied to the database: which items may match, the bulk and
incremental refresh of the stored top lists, and reading them back for a viewer."""
from __future__ import annotations

import threading
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, delete, func, select, tuple_

from ..content.kinds import kind_named
from ..db import utcnow
from ..extensions import db
from .docs import NeedDoc, ProjectDoc
from .engine import build_index, rank_needs_for_project, rank_projects_for_need, top_k, weights_from_config
from .models import Match

TOP_K = 20


def _projects():
    return kind_named("project")


def _needs():
    return kind_named("need")


def project_doc(project) -> ProjectDoc:
    return ProjectDoc(
        id=str(project.id), title_zh=project.title_zh, title_en=project.title_en,
        summary_zh=project.summary_zh, summary_en=project.summary_en, sectors=project.sector_codes,
        stage=project.stage, direction=project.direction, city=project.city,
        funding_sought_cny=project.funding_sought_cny, seeks=list(project.seeks or []),
        published_at=project.published_at,
    )


def need_doc(need) -> NeedDoc:
    return NeedDoc(
        id=str(need.id), kind=need.kind, title_zh=need.title_zh, title_en=need.title_en,
        description_zh=need.description_zh, description_en=need.description_en, sectors=need.sector_codes,
        location=need.location, budget_min=need.budget_min_cny, budget_max=need.budget_max_cny,
        published_at=need.published_at,
    )


def is_matchable(item) -> bool:
    """Closed, expired, withdrawn and unpublished items never match (each kind names its matchable statuses)."""
    return item.status in kind_named(item.item_type).matchable


def on_item_changed(kind, *, item, event: str, change=None, **_details) -> None:
    """Subscriber of ``content.signals.item_changed``: a status change (publishing,
    editing a live item, closing) changes what the item matches."""
    if event == "status" and change.from_status is not None and kind.name in ("project", "need"):
        refresh_item(item)


_PROJECT_COLUMNS = ("id", "title_zh", "title_en", "summary_zh", "summary_en", "stage", "direction", "city",
                    "funding_sought_cny", "seeks", "published_at")
_NEED_COLUMNS = ("id", "kind", "title_zh", "title_en", "description_zh", "description_en", "location",
                 "budget_min_cny", "budget_max_cny", "published_at")


def _sector_codes(table, key: str, ids_query) -> dict[int, list[str]]:
    codes: dict[int, list[str]] = {}
    for item_id, code in db.session.execute(select(table.c[key], table.c.sector_code)
                                            .where(table.c[key].in_(ids_query)).order_by(table.c[key])):
        codes.setdefault(item_id, []).append(code)
    return codes


def matchable_docs(side: str) -> list:
    """Every matchable item of a side as the engine's records, read as plain rows (two
    queries; no ORM objects, so 20,000 items load in a moment)."""
    kind = _projects() if side == "projects" else _needs()
    model, statuses, table, key = kind.model, kind.matchable, kind.sectors_table, kind.id_arg
    columns = _PROJECT_COLUMNS if side == "projects" else _NEED_COLUMNS
    ids = select(model.id).where(model.status.in_(statuses))
    sectors = _sector_codes(table, key, ids)
    rows = db.session.execute(select(*(getattr(model, c) for c in columns))
                              .where(model.status.in_(statuses)).order_by(model.id)).mappings()
    docs = []
    for row in rows:
        if side == "projects":
            docs.append(ProjectDoc(
                id=str(row["id"]), title_zh=row["title_zh"], title_en=row["title_en"], summary_zh=row["summary_zh"],
                summary_en=row["summary_en"], sectors=sectors.get(row["id"], []), stage=row["stage"],
                direction=row["direction"], city=row["city"], funding_sought_cny=row["funding_sought_cny"],
                seeks=list(row["seeks"] or []), published_at=row["published_at"]))
        else:
            docs.append(NeedDoc(
                id=str(row["id"]), kind=row["kind"], title_zh=row["title_zh"], title_en=row["title_en"],
                description_zh=row["description_zh"], description_en=row["description_en"],
                sectors=sectors.get(row["id"], []), location=row["location"], budget_min=row["budget_min_cny"],
                budget_max=row["budget_max_cny"], published_at=row["published_at"]))
    return docs


def _weights() -> dict:
    return weights_from_config(current_app.config)


# --- the per-process index of each side, for matching one new item quickly -----------

_indexes: dict[tuple, object] = {}
_lock = threading.Lock()


def _side_version(model, statuses) -> tuple:
    count, newest, top = db.session.execute(select(
        func.count(model.id), func.max(model.updated_at), func.max(model.id)).where(model.status.in_(statuses))).one()
    return (str(db.engine.url), model.__tablename__, count, newest, top)


def side_index(side: str):
    """The engine's index of all matchable projects or needs, rebuilt when they changed."""
    kind = _projects() if side == "projects" else _needs()
    version = _side_version(kind.model, kind.matchable)
    with _lock:
        cached = _indexes.get(side)
        if cached is not None and cached[0] == version:
            return cached[1]
    index = build_index(matchable_docs(side), side=side, weights=_weights())
    with _lock:
        _indexes[side] = (version, index)
    return index


# --- refreshing stored matches ----------------------------------------------------------

def refresh_item(item, now: datetime | None = None) -> int:
    """Recompute one project's or need's matches against the other side (on publish or
    edit); an item that may no longer match loses its matches. Returns rows stored."""
    column = Match.project_id if item.item_type == "project" else Match.need_id
    if not is_matchable(item):
        db.session.execute(delete(Match).where(column == item.id))
        return 0
    if item.item_type == "project":
        found = rank_needs_for_project(project_doc(item), side_index("needs"), TOP_K)
    else:
        found = rank_projects_for_need(need_doc(item), side_index("projects"), TOP_K)
    pairs = {(int(m.need_id), int(m.project_id)): m for m in found if m.score > 0}
    return _store(pairs, scope=column == item.id, now=now)


def load_docs() -> tuple[list[NeedDoc], list[ProjectDoc]]:
    """Every matchable need and project as the engine's records."""
    return matchable_docs("needs"), matchable_docs("projects")


def rank_everything(needs: list[NeedDoc], projects: list[ProjectDoc]) -> dict[str, list[str]]:
    """Every project ranked for every need (evaluation; pages read the stored top lists)."""
    result = top_k(needs, projects, None, weights=_weights(), explain=False, min_score=-1.0)
    return {need_id: [m.project_id for m in found] for need_id, found in result.for_needs.items()}


def refresh_all(now: datetime | None = None) -> dict[str, int]:
    """Recompute the top 20 for every matchable need and project and store their union."""
    needs, projects = load_docs()
    result = top_k(needs, projects, TOP_K, weights=_weights())
    pairs = {}
    for found in (*result.for_needs.values(), *result.for_projects.values()):
        for m in found:
            if m.score > 0:
                pairs[(int(m.need_id), int(m.project_id))] = m
    stored = _store(pairs, scope=None, now=now)
    with _lock:  # the fresh indexes serve the next incremental matches
        _indexes["needs"] = (_side_version(_needs().model, _needs().matchable), result.needs)
        _indexes["projects"] = (_side_version(_projects().model, _projects().matchable), result.projects)
    return {"needs": len(needs), "projects": len(projects), "matches": stored}


def _store(pairs: dict, scope, now: datetime | None) -> int:
    """Make the stored matches in ``scope`` (all when None) equal ``pairs``; a pair that
    already existed keeps its created_at, so "new since" stays true."""
    now = now or utcnow()
    existing_query = select(Match.id, Match.need_id, Match.project_id)
    if scope is not None:
        existing_query = existing_query.where(scope)
    existing = {(n, p): i for i, n, p in db.session.execute(existing_query)}
    stale = [i for pair, i in existing.items() if pair not in pairs]
    for start in range(0, len(stale), 500):
        db.session.execute(delete(Match).where(Match.id.in_(stale[start:start + 500])))
    floor = min_display_score()

    def reasons(m) -> dict:
        # Reasons are worked out on demand by the engine; pairs below the display floor
        # are never shown, so they are stored without (most pairs are such).
        return (m.reasons or {}) if m.score >= floor else {}

    updates = [{"id": existing[pair], "score": m.score, "reasons": reasons(m), "computed_at": now}
               for pair, m in pairs.items() if pair in existing]
    inserts = [{"need_id": n, "project_id": p, "score": m.score, "reasons": reasons(m),
                "created_at": now, "computed_at": now}
               for (n, p), m in pairs.items() if (n, p) not in existing]
    if updates:
        table = Match.__table__
        db.session.execute(table.update().where(table.c.id == bindparam("match_id"))
                           .values(score=bindparam("new_score"), reasons=bindparam("new_reasons"),
                                   computed_at=bindparam("new_computed_at")),
                           [{"match_id": u["id"], "new_score": u["score"], "new_reasons": u["reasons"],
                             "new_computed_at": u["computed_at"]} for u in updates])
    if inserts and scope is not None:
        # Another item's refresh may have stored a pair this one also found (the pair key is unique).
        taken = set(db.session.execute(select(Match.need_id, Match.project_id).where(
            tuple_(Match.need_id, Match.project_id).in_([(r["need_id"], r["project_id"]) for r in inserts]))).all())
        inserts = [r for r in inserts if (r["need_id"], r["project_id"]) not in taken]
    for start in range(0, len(inserts), 2000):
        db.session.execute(Match.__table__.insert(), inserts[start:start + 2000])
    db.session.flush()
    return len(pairs)


# --- reading ---------------------------------------------------------------------------------

def min_display_score() -> float:
    """Below this a stored pair is kept (it may rise) but not recommended: such pairs
    share only generic words (production line, recruitment)."""
    return float(current_app.config["MATCH_MIN_SCORE"])


def _stored_matches(item, other_kind, viewer, limit: int) -> list[Match]:
    """The stored best items of ``other_kind`` for ``item`` that ``viewer`` may see, best first."""
    own, other = (Match.need_id, Match.project_id) if item.item_type == "need" else (Match.project_id, Match.need_id)
    model = other_kind.model
    return list(db.session.scalars(
        select(Match).join(model, model.id == other)
        .where(own == item.id, Match.score >= min_display_score(),
               model.status.in_(other_kind.matchable), other_kind.visibility_clause(viewer))
        .order_by(Match.score.desc(), Match.id).limit(limit)))


def projects_for_need(need, viewer, limit: int = 10) -> list[Match]:
    """The stored best projects for a need that ``viewer`` may see, best first."""
    return _stored_matches(need, _projects(), viewer, limit)


def needs_for_project(project, viewer, limit: int = 10) -> list[Match]:
    """The stored best needs for a project that ``viewer`` may see, best first."""
    return _stored_matches(project, _needs(), viewer, limit)
