"""`flask match-eval`: load a dataset (tests/data/matching_dev.json format) into a throw-away
in-memory database through the real models, rank every project for every need with the
real engine and store, and score the ranking against the dataset's judgements."""
from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.pool import StaticPool

from .evaluate import metrics


def evaluate_dataset(path: Path, config: dict | None = None) -> tuple[dict, dict[str, list[str]]]:
    """(metrics, ranking by dataset ids) for the dataset at ``path``."""
    from flask_migrate import upgrade

    from .. import create_app
    from ..auth.models import User
    from ..db import utcnow
    from ..extensions import db
    from ..needs.models import Need
    from ..orgs.services import load_reference_data
    from ..projects.models import Project
    from ..unit_of_work import commit
    from .store import load_docs, rank_everything

    data = json.loads(Path(path).read_text(encoding="utf-8"))
    app = create_app({
        **(config or {}),
        "DATABASE_URL": "sqlite://",
        "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}},
        "LOG_LEVEL": "WARNING", "SCHEDULER_AUTOSTART": False,
    })
    with app.app_context():
        upgrade()
        load_reference_data()
        owner = User(email="eval@collab.invalid", password_hash="!", display_name="eval", roles="center enterprise")
        db.session.add(owner)
        db.session.flush()
        now = utcnow()
        known = {s for s in _sector_codes()}
        project_ids, need_ids = {}, {}
        for item in data["projects"]:
            project = Project(owner_id=owner.id, status="published", published_at=now,
                              title_zh=item.get("title_zh"), title_en=item.get("title_en"),
                              summary_zh=item.get("summary_zh"), summary_en=item.get("summary_en"),
                              stage=item.get("stage") or "prototype", direction=item.get("direction") or "offshore_to_xinjiang",
                              city=item.get("city"), funding_sought_cny=item.get("funding_sought_cny"), seeks=[])
            project.sectors = _sectors(item, known)
            db.session.add(project)
            db.session.flush()
            project_ids[project.id] = str(item["id"])
        for item in data["needs"]:
            need = Need(owner_id=owner.id, status="open", published_at=now, visibility="public",
                        kind=item.get("kind") or "technology", title_zh=item.get("title_zh"), title_en=item.get("title_en"),
                        description_zh=item.get("description_zh"), description_en=item.get("description_en"),
                        location=(item.get("location") or "")[:32], deadline=date.today() + timedelta(days=365),
                        budget_min_cny=item.get("budget_cny_min"), budget_max_cny=item.get("budget_cny_max"))
            need.sectors = _sectors(item, known)
            db.session.add(need)
            db.session.flush()
            need_ids[need.id] = str(item["id"])
        commit()  # the throw-away database's one transaction: loaded, then ranked
        needs, projects = load_docs()
        ranked = rank_everything(needs, projects)
        ranking = {need_ids[int(need_id)]: [project_ids[int(p)] for p in project_list]
                   for need_id, project_list in ranked.items()}
        db.session.remove()
        db.engine.dispose()
    relevant = {str(k): [str(v) for v in values] for k, values in data.get("relevant", {}).items()}
    return metrics(ranking, relevant), ranking


def _sector_codes():
    from sqlalchemy import select

    from ..extensions import db
    from ..orgs.models import Sector

    return db.session.scalars(select(Sector.code))


def _sectors(item: dict, known: set[str]):
    from ..content.services import sectors_by_code

    return sectors_by_code([code for code in item.get("sectors") or [] if code in known])
