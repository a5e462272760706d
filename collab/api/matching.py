"""API for matches and introductions (对接)."""
from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..matching import introductions
from ..matching.contracts import contract_json
from ..matching.models import Introduction
from ..matching.store import needs_for_project, projects_for_need
from ..content.kinds import kind_named
from ..content.services import get_visible
from . import bp
from .auth import token_required
from .errors import ApiError
from .routes import json_body
from .serializers import iso


def _limit() -> int:
    try:
        limit = int(request.args.get("limit", 10))
    except ValueError:
        limit = 0
    if not 1 <= limit <= 20:
        raise ApiError(400, "validation_error",
                       fields={"limit": [_("Enter a whole number from 1 to %(max)s.", max=20)]})
    return limit


def _owner_or_admin(item) -> None:
    if item is None:
        raise ApiError(404)
    if not (current_user.is_admin or item.owner_id == current_user.id):
        raise ApiError(403)


@bp.get("/needs/<int:need_id>/matches")
@token_required
def need_matches(need_id: int):
    """Ranked projects for a need (its owner, admins)."""
    need = get_visible(kind_named("need"), need_id, current_user)
    _owner_or_admin(need)
    items = [{"project_id": m.project_id, "score": round(m.score, 4), "reasons": m.reasons or {}}
             for m in projects_for_need(need, current_user, _limit())]
    return jsonify(items=items, page=1, per_page=len(items), total=len(items))


@bp.get("/projects/<int:project_id>/matches")
@token_required
def project_matches(project_id: int):
    """Ranked needs for a project (its owner, admins)."""
    project = get_visible(kind_named("project"), project_id, current_user)
    _owner_or_admin(project)
    items = [{"need_id": m.need_id, "score": round(m.score, 4), "reasons": m.reasons or {}}
             for m in needs_for_project(project, current_user, _limit())]
    return jsonify(items=items, page=1, per_page=len(items), total=len(items))


def introduction_json(intro: Introduction) -> dict:
    contacts = intro.status in ("accepted", "meeting_held", "agreement_signed")
    return {
        "id": intro.id, "need_id": intro.need_id, "project_id": intro.project_id, "status": intro.status,
        "initiator_side": intro.initiator_side, "message": intro.message, "score": intro.score,
        "decline_reason": intro.decline_reason, "decline_note": intro.decline_note,
        "created_at": iso(intro.created_at), "accepted_at": iso(intro.accepted_at),
        "meeting_at": iso(intro.meeting_at), "signed_at": iso(intro.signed_at),
        "contacts": ({"need": _contact(intro.need), "project": _contact(intro.project)} if contacts else None),
        "contract": contract_json(intro),
    }


def _contact(item) -> dict:
    org = item.organisation
    return {"name": item.owner.display_name, "email": item.owner.email,
            "organisation": ({"id": org.id, "name_zh": org.name_zh, "name_en": org.name_en} if org else None)}


@bp.get("/introductions")
@token_required
def list_introductions():
    """Introductions where the caller owns the need or the project."""
    items = [introduction_json(i) for i in introductions.for_user(current_user)]
    return jsonify(items=items, page=1, per_page=len(items), total=len(items))


@bp.post("/introductions")
@token_required
def create_introduction():
    """Express interest {"project_id", "need_id", "message"} in a match, from either side."""
    data = json_body()
    fields = {}
    for name in ("project_id", "need_id"):
        if not isinstance(data.get(name), int) or isinstance(data.get(name), bool):
            fields[name] = [_("A whole number is expected here.")]
    message = data.get("message")
    if not isinstance(message, str) or not message.strip():
        fields["message"] = [_("Write a short message to introduce yourself.")]
    elif len(message) > 2000:
        fields["message"] = [_("Write text of at most %(max)s characters.", max=2000)]
    elif "\x00" in message:
        fields["message"] = [_("This text contains characters that are not allowed.")]
    if fields:
        raise ApiError(400, "validation_error", fields=fields)
    need = get_visible(kind_named("need"), data["need_id"], current_user)
    project = get_visible(kind_named("project"), data["project_id"], current_user)
    if need is None or project is None:
        raise ApiError(404)
    intro = introductions.express_interest(current_user, need, project, message)
    return jsonify(introduction_json(intro)), 201


@bp.get("/introductions/<int:intro_id>")
@token_required
def get_introduction(intro_id: int):
    """One introduction (parties, admins)."""
    intro = db.session.get(Introduction, intro_id)
    if intro is None or not introductions.can_view(intro, current_user):
        raise ApiError(404)
    return jsonify(introduction_json(intro))


@bp.post("/introductions/<int:intro_id>/<action>")
@token_required
def introduction_action(intro_id: int, action: str):
    """accept / decline {"reason", "note"} / meeting_held / agreement_signed (parties)."""
    intro = db.session.get(Introduction, intro_id)
    if intro is None or not introductions.can_view(intro, current_user):
        raise ApiError(404)
    if action not in introductions.ACTIONS:
        raise ApiError(404)
    data = request.get_json(silent=True) or {}
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request")
    reason, note = data.get("reason"), data.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > 1000 or "\x00" in note):
        raise ApiError(400, "validation_error",
                       fields={"note": [_("Write text of at most %(max)s characters.", max=1000)]})
    introductions.act(intro, action, current_user, reason=reason if isinstance(reason, str) else None, note=note)
    return jsonify(introduction_json(intro))
