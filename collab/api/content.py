"""API for projects, needs, reviews and search: the same services and permissions as
the pages, the same forms for validation."""
from __future__ import annotations

from datetime import date

from flask import jsonify, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from ..content import services as content
from ..content.lifecycle import lifecycle_targets
from ..content.reviews import REVIEW_KINDS, decide, queue
from ..extensions import db
from ..needs import services as need_services
from ..needs.forms import NeedForm
from ..projects import services as project_services
from ..projects.forms import ProjectForm
from ..search.index import snippet
from . import bp
from .auth import token_required
from .errors import ApiError
from .routes import json_body, listing, page_args
from .serializers import iso


def _org_json(org):
    return {"id": org.id, "key": org.key, "name_zh": org.name_zh, "name_en": org.name_en} if org else None


def project_json(project) -> dict:
    return {
        "id": project.id, "status": project.status,
        "title_zh": project.title_zh, "title_en": project.title_en,
        "summary_zh": project.summary_zh, "summary_en": project.summary_en,
        "sectors": project.sector_codes, "stage": project.stage, "direction": project.direction,
        "funding_sought_cny": project.funding_sought_cny, "team_size": project.team_size,
        "ip_status": project.ip_status, "seeks": project.seeks or [], "city": project.city,
        "organisation": _org_json(project.organisation), "owner_id": project.owner_id,
        "created_at": iso(project.created_at), "updated_at": iso(project.updated_at),
        "published_at": iso(project.published_at),
    }


def need_json(need, viewer) -> dict:
    shown = need_services.shows_organisation(need, viewer)
    return {
        "id": need.id, "status": need.status, "kind": need.kind,
        "title_zh": need.title_zh, "title_en": need.title_en,
        "description_zh": need.description_zh, "description_en": need.description_en,
        "sectors": need.sector_codes, "budget_min_cny": need.budget_min_cny, "budget_max_cny": need.budget_max_cny,
        "location": need.location, "deadline": need.deadline.isoformat(), "visibility": need.visibility,
        "organisation": _org_json(need.organisation) if shown else None,
        "organisation_hidden": not shown,
        "owner_id": need.owner_id if shown else None,
        "created_at": iso(need.created_at), "updated_at": iso(need.updated_at),
        "published_at": iso(need.published_at),
    }


def _multidict(data: dict) -> MultiDict:
    pairs = []
    for key, value in data.items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            if item is None:
                continue
            if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                raise ApiError(400, "validation_error", fields={key: ["a string, number or list of them is expected"]})
            pairs.append((key, str(item)))
    return MultiDict(pairs)


def _validated(form_class, data: dict, **kwargs):
    form = form_class(formdata=_multidict(data), meta={"csrf": False}, **kwargs)
    from ..content.services import sector_choices

    form.sectors.choices = sector_choices()
    if not form.validate():
        fields = {name: errors for name, errors in form.errors.items() if name not in ("save", "submit_for_review")}
        raise ApiError(400, "validation_error", fields=fields)
    return form


def _current(item, form_class) -> dict:
    """An item's editable values in form terms, so a PATCH validates the whole result."""
    values = {name: getattr(item, name) for name in form_class.FIELDS}
    values["sectors"] = item.sector_codes
    if isinstance(values.get("deadline"), date):
        values["deadline"] = values["deadline"].isoformat()
    return values


def _run(action):
    try:
        result = action()
    except content.ContentError as error:
        db.session.rollback()
        code = error.code or {403: "forbidden", 409: "conflict"}.get(error.status, "validation_error")
        fields = {error.code: [str(error.message)]} if error.status == 400 and error.code else None
        raise ApiError(error.status, code if error.status != 400 else "validation_error", str(error.message), fields) from None
    db.session.commit()
    return result


def _owned(item):
    if item is None:
        raise ApiError(404)
    if not content.is_owner(item, current_user):
        raise ApiError(403)
    return item


# --- projects --------------------------------------------------------------------

@bp.get("/projects")
def list_projects():
    """Public projects, filtered by sector, stage, direction, city, status and q."""
    page, per_page = page_args()
    args = request.args
    items, total = project_services.listing(
        current_user, sector=args.get("sector") or None, stage=args.get("stage") or None,
        direction=args.get("direction") or None, city=args.get("city") or None,
        organisation=args.get("organisation") or None, status=args.get("status") or None,
        q=(args.get("q") or "")[:100] or None, sort=args.get("sort") or "newest", page=page, per_page=per_page)
    return listing([project_json(p) for p in items], page, per_page, total)


@bp.post("/projects")
@token_required
def create_project():
    """Create a project draft (centers, enterprises)."""
    if not project_services.may_create(current_user):
        raise ApiError(403)
    form = _validated(ProjectForm, json_body())
    project = _run(lambda: project_services.create_project(current_user, form.data_for_model()))
    return jsonify(project_json(project)), 201


@bp.get("/projects/<int:project_id>")
def get_project(project_id: int):
    """One project, if visible to the caller."""
    project = project_services.get_visible(project_id, current_user)
    if project is None:
        raise ApiError(404)
    data = project_json(project)
    data["history"] = [_change_json(c) for c in content.history(project)]
    data["attachments"] = [{"id": a.id, "filename": a.filename, "kind": a.kind, "size": a.size,
                            "content_type": a.content_type,
                            "url": url_for("projects.download", lang="en", project_id=project.id, attachment_id=a.id)}
                           for a in project.attachments]
    return jsonify(data)


@bp.patch("/projects/<int:project_id>")
@token_required
def patch_project(project_id: int):
    """Edit a project (owner); a live project goes back to review."""
    project = _owned(project_services.get_visible(project_id, current_user))
    form = _validated(ProjectForm, {**_current(project, ProjectForm), **json_body()})
    _run(lambda: project_services.update_project(project, form.data_for_model(), current_user))
    return jsonify(project_json(project))


@bp.delete("/projects/<int:project_id>")
@token_required
def delete_project(project_id: int):
    """Delete a draft (owner)."""
    project = _owned(project_services.get_visible(project_id, current_user))
    _run(lambda: project_services.delete_draft(project, current_user))
    return "", 204


@bp.post("/projects/<int:project_id>/submit")
@token_required
def submit_project(project_id: int):
    """Draft → pending review (owner)."""
    project = _owned(project_services.get_visible(project_id, current_user))
    _run(lambda: project_services.submit_project(project, current_user))
    return jsonify(project_json(project))


@bp.post("/projects/<int:project_id>/transition")
@token_required
def transition_project(project_id: int):
    """A lifecycle step {"to", "note"} by the owner or an admin."""
    project = project_services.get_visible(project_id, current_user)
    if project is None:
        raise ApiError(404)
    target, note = _transition_args("project")
    if not content.party_of(project, current_user):
        raise ApiError(403)
    _run(lambda: project_services.transition_project(project, target, current_user, note))
    return jsonify(project_json(project))


def _transition_args(item_type: str) -> tuple[str, str | None]:
    data = json_body()
    target, note = data.get("to"), data.get("note")
    allowed = (*lifecycle_targets(item_type), "withdraw")
    if target not in allowed:
        raise ApiError(400, "validation_error", fields={"to": [", ".join(allowed)]})
    if note is not None and (not isinstance(note, str) or len(note) > 1000 or "\x00" in note):
        raise ApiError(400, "validation_error", fields={"note": ["text up to 1000 characters"]})
    return target, note


def _change_json(change) -> dict:
    return {"from": change.from_status, "to": change.to_status, "at": iso(change.created_at),
            "actor_id": change.actor_id, "note": change.note, "reason": change.reason_code}


# --- needs -------------------------------------------------------------------------

@bp.get("/needs")
def list_needs():
    """Needs visible to the caller, filtered by kind, sector, location, status and q."""
    page, per_page = page_args()
    args = request.args
    items, total = need_services.listing(
        current_user, kind=args.get("kind") or None, sector=args.get("sector") or None,
        location=args.get("location") or None, organisation=args.get("organisation") or None,
        status=args.get("status") or None, q=(args.get("q") or "")[:100] or None,
        sort=args.get("sort") or "newest", page=page, per_page=per_page)
    return listing([need_json(n, current_user) for n in items], page, per_page, total)


@bp.post("/needs")
@token_required
def create_need():
    """Create a need draft (enterprises)."""
    if not need_services.may_create(current_user):
        raise ApiError(403)
    form = _validated(NeedForm, json_body(), today=need_services.today())
    need = _run(lambda: need_services.create_need(current_user, form.data_for_model()))
    return jsonify(need_json(need, current_user)), 201


@bp.get("/needs/<int:need_id>")
def get_need(need_id: int):
    """One need, if visible to the caller (anonymous ones without their organisation)."""
    need = need_services.get_visible(need_id, current_user)
    if need is None:
        raise ApiError(404)
    data = need_json(need, current_user)
    data["history"] = [_change_json(c) for c in content.history(need)]
    return jsonify(data)


@bp.patch("/needs/<int:need_id>")
@token_required
def patch_need(need_id: int):
    """Edit a need (owner); an open need goes back to review."""
    need = _owned(need_services.get_visible(need_id, current_user))
    form = _validated(NeedForm, {**_current(need, NeedForm), **json_body()}, today=need_services.today())
    _run(lambda: need_services.update_need(need, form.data_for_model(), current_user))
    return jsonify(need_json(need, current_user))


@bp.delete("/needs/<int:need_id>")
@token_required
def delete_need(need_id: int):
    """Delete a draft (owner)."""
    need = _owned(need_services.get_visible(need_id, current_user))
    _run(lambda: need_services.delete_draft(need, current_user))
    return "", 204


@bp.post("/needs/<int:need_id>/submit")
@token_required
def submit_need(need_id: int):
    """Draft → pending review (owner)."""
    need = _owned(need_services.get_visible(need_id, current_user))
    _run(lambda: need_services.submit_need(need, current_user))
    return jsonify(need_json(need, current_user))


@bp.post("/needs/<int:need_id>/transition")
@token_required
def transition_need(need_id: int):
    """A lifecycle step {"to", "note"} by the owner or an admin."""
    need = need_services.get_visible(need_id, current_user)
    if need is None:
        raise ApiError(404)
    target, note = _transition_args("need")
    if not content.party_of(need, current_user):
        raise ApiError(403)
    _run(lambda: need_services.transition_need(need, target, current_user, note))
    return jsonify(need_json(need, current_user))


# --- reviews and search ------------------------------------------------------------------

@bp.get("/reviews")
@token_required
def list_reviews():
    """The moderation queue (admins)."""
    if not current_user.is_admin:
        raise ApiError(403)
    pending = queue()
    items = ([{"type": "project", **project_json(p), "submitted_at": iso(p.submitted_at)} for p in pending["project"]]
             + [{"type": "need", **need_json(n, current_user), "submitted_at": iso(n.submitted_at)} for n in pending["need"]])
    return jsonify(items=items, page=1, per_page=len(items), total=len(items))


@bp.post("/reviews/<kind>/<int:item_id>")
@token_required
def review(kind: str, item_id: int):
    """Approve or reject a pending item {"decision", "reason", "note"} (admins)."""
    if not current_user.is_admin:
        raise ApiError(403)
    model = REVIEW_KINDS.get(kind)
    item = db.session.get(model, item_id) if model else None
    if item is None or item.status == "draft":
        raise ApiError(404)
    data = json_body()
    decision, reason, note = data.get("decision"), data.get("reason"), data.get("note")
    if decision not in ("approve", "reject"):
        raise ApiError(400, "validation_error", fields={"decision": ["approve, reject"]})
    if note is not None and (not isinstance(note, str) or len(note) > 1000 or "\x00" in note):
        raise ApiError(400, "validation_error", fields={"note": ["text up to 1000 characters"]})
    if item.status != "pending_review":
        raise ApiError(409)
    _run(lambda: decide(item, decision, current_user, reason_code=reason if isinstance(reason, str) else None,
                        note=note or None))
    body = project_json(item) if kind == "project" else need_json(item, current_user)
    return jsonify({"type": kind, **body})


@bp.get("/search")
def search():
    """Projects and needs visible to the caller matching q, in both languages."""
    page, per_page = page_args()
    q = (request.args.get("q") or "").strip()[:100]
    if not q:
        raise ApiError(400, "validation_error", fields={"q": ["required"]})
    window = page * per_page
    projects, project_total = project_services.listing(current_user, q=q, page=1, per_page=window)
    needs, need_total = need_services.listing(current_user, q=q, page=1, per_page=window)
    merged = sorted(
        [("project", p) for p in projects] + [("need", n) for n in needs],
        key=lambda pair: (pair[1].published_at.timestamp() if pair[1].published_at else 0), reverse=True)
    items = []
    for kind, item in merged[(page - 1) * per_page:window]:
        body = item.summary_zh or item.summary_en if kind == "project" else item.description_zh or item.description_en
        for text in ((item.summary_zh, item.summary_en) if kind == "project" else (item.description_zh, item.description_en)):
            if text and str(snippet(text, q)).find("<mark>") >= 0:
                body = text
                break
        items.append({"type": kind, "id": item.id, "title_zh": item.title_zh, "title_en": item.title_en,
                      "snippet": str(snippet(body, q)), "status": item.status})
    return listing(items, page, per_page, project_total + need_total)
