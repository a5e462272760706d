"""API for projects, needs, reviews and search: the same services and permissions as
the pages, the same forms for validation."""
from __future__ import annotations

from datetime import date

from flask import jsonify, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, literal, select, union_all
from werkzeug.datastructures import MultiDict

from ..content import services as content
from ..content.lifecycle import lifecycle_targets
from ..content.reviews import REVIEW_KINDS, decide
from ..content.views import ReviewForm, TransitionForm
from ..extensions import db
from ..forms import _CONTROL
from ..needs import services as need_services
from ..needs.forms import NeedForm
from ..needs.models import NEED_KINDS, PUBLIC_NEED_STATUSES, XINJIANG_LOCATIONS, Need
from ..orgs.models import Sector
from ..projects import services as project_services
from ..projects.forms import ProjectForm
from ..projects.models import PROJECT_DIRECTIONS, PROJECT_STAGES, PUBLIC_PROJECT_STATUSES, Project
from ..search.index import snippet
from ..search.tokens import query_tokens
from . import bp
from .auth import token_required
from .errors import ApiError
from .routes import json_body, listing, page_args
from .serializers import iso

MAX_QUERY = 100

# The JSON type each writable field takes; lists are lists of codes.
PROJECT_TYPES = {"title_zh": str, "title_en": str, "summary_zh": str, "summary_en": str, "stage": str,
                 "direction": str, "funding_sought_cny": int, "team_size": int, "ip_status": str, "seeks": list,
                 "city": str, "sectors": list}
NEED_TYPES = {"kind": str, "title_zh": str, "title_en": str, "description_zh": str, "description_en": str,
              "budget_min_cny": int, "budget_max_cny": int, "location": str, "deadline": str,
              "visibility": str, "sectors": list}
TYPE_MESSAGES = {
    str: _l("Text is expected here."),
    int: _l("A whole number is expected here."),
    list: _l("A list of codes is expected here."),
}
# Service refusals that concern one field: the field they name in the error.
ERROR_FIELDS = {"unknown_sector": "sectors", "budget": "budget_max_cny"}


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


# --- input ----------------------------------------------------------------------------

def _checked_body(types: dict) -> dict:
    """The JSON object's known fields, each of its declared type (or null); a 400 names
    every field of the wrong type. Unknown fields are ignored."""
    data = json_body()
    body, fields = {}, {}
    for name, expected in types.items():
        if name not in data:
            continue
        value = data[name]
        if value is not None:
            if expected is list:
                ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
            elif expected is int:
                ok = isinstance(value, int) and not isinstance(value, bool)
            else:
                ok = isinstance(value, expected)
            if not ok:
                fields[name] = [TYPE_MESSAGES[expected]]
                continue
        body[name] = value
    if fields:
        raise ApiError(400, "validation_error", fields=fields)
    return body


def _multidict(data: dict) -> MultiDict:
    """Form data from checked JSON values (null means empty)."""
    pairs = []
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            if item is not None:
                pairs.append((key, str(item)))
    return MultiDict(pairs)


def _validated(form_class, data: dict, **kwargs):
    """Validate with the web page's form: the same rules, the same translated messages."""
    form = form_class(formdata=_multidict(data), meta={"csrf": False}, **kwargs)
    if hasattr(form, "sectors"):
        form.sectors.choices = content.sector_choices()
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


def _text_arg(name: str, max_length: int = MAX_QUERY) -> str | None:
    """A free-text query parameter (stripped), refused when it carries control characters."""
    value = (request.args.get(name) or "").strip()
    if _CONTROL.search(value):
        raise ApiError(400, "validation_error", fields={name: [_l("This text contains characters that are not allowed.")]})
    return value[:max_length] or None


def _choice_arg(name: str, allowed) -> str | None:
    """A coded query parameter; an unknown code is a 400 that lists the known ones."""
    value = _text_arg(name, 64)
    if value is not None and value not in allowed:
        raise ApiError(400, "validation_error", fields={
            name: [_l("Choose one of: %(choices)s.", choices=", ".join(allowed))]})
    return value


def _sector_arg() -> str | None:
    value = _text_arg("sector", 64)
    if value is not None and not db.session.scalar(select(Sector.code).where(Sector.code == value)):
        raise ApiError(400, "validation_error", fields={"sector": [_l("Unknown sector: %(codes)s", codes=value)]})
    return value


def _run(action):
    """Call a service and commit; a refusal rolls back and becomes the error shape."""
    try:
        result = action()
    except content.ContentError as error:
        db.session.rollback()
        if error.status == 400:
            field = ERROR_FIELDS.get(error.code, error.code) if error.code else None
            raise ApiError(400, "validation_error", str(error.message),
                           {field: [str(error.message)]} if field else None) from None
        code = error.code or {403: "forbidden", 409: "conflict"}.get(error.status, "conflict")
        raise ApiError(error.status, code, str(error.message)) from None
    db.session.commit()
    return result


def _owned(item):
    if item is None:
        raise ApiError(404)
    if not content.is_owner(item, current_user):
        raise ApiError(403)
    return item


def _transition_args(item_type: str) -> tuple[str, str | None]:
    data = json_body()
    target, note = data.get("to"), data.get("note")
    fields = {}
    allowed = (*lifecycle_targets(item_type), "withdraw")
    if target not in allowed:
        fields["to"] = [_l("Choose one of: %(choices)s.", choices=", ".join(allowed))]
    if note is not None and not isinstance(note, str):
        fields["note"] = [TYPE_MESSAGES[str]]
    if fields:
        raise ApiError(400, "validation_error", fields=fields)
    form = _validated(TransitionForm, {"to": target, "note": note})
    return target, form.note.data or None


def _change_json(change, show_actor: bool = True) -> dict:
    return {"from": change.from_status, "to": change.to_status, "at": iso(change.created_at),
            "actor_id": change.actor_id if show_actor else None, "note": change.note, "reason": change.reason_code}


# --- projects --------------------------------------------------------------------

def _project_filters() -> dict:
    return {"sector": _sector_arg(), "stage": _choice_arg("stage", PROJECT_STAGES),
            "direction": _choice_arg("direction", PROJECT_DIRECTIONS), "city": _text_arg("city"),
            "organisation": _text_arg("organisation", 64), "status": _choice_arg("status", PUBLIC_PROJECT_STATUSES),
            "q": _text_arg("q"), "sort": _choice_arg("sort", project_services.SORTS) or "newest"}


@bp.get("/projects")
def list_projects():
    """Public projects, filtered by sector, stage, direction, city, status and q."""
    page, per_page = page_args()
    items, total = project_services.listing(current_user, **_project_filters(), page=page, per_page=per_page)
    return listing([project_json(p) for p in items], page, per_page, total)


@bp.post("/projects")
@token_required
def create_project():
    """Create a project draft (centers, enterprises)."""
    if not project_services.may_create(current_user):
        raise ApiError(403)
    form = _validated(ProjectForm, _checked_body(PROJECT_TYPES))
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
    form = _validated(ProjectForm, {**_current(project, ProjectForm), **_checked_body(PROJECT_TYPES)})
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
    if not content.party_of(project, current_user):
        raise ApiError(403)
    target, note = _transition_args("project")
    _run(lambda: project_services.transition_project(project, target, current_user, note))
    return jsonify(project_json(project))


# --- needs -------------------------------------------------------------------------

def _need_filters() -> dict:
    return {"kind": _choice_arg("kind", NEED_KINDS), "sector": _sector_arg(),
            "location": _choice_arg("location", XINJIANG_LOCATIONS),
            "organisation": _text_arg("organisation", 64), "status": _choice_arg("status", PUBLIC_NEED_STATUSES),
            "q": _text_arg("q"), "sort": _choice_arg("sort", need_services.SORTS) or "newest"}


@bp.get("/needs")
def list_needs():
    """Needs visible to the caller, filtered by kind, sector, location, status and q."""
    page, per_page = page_args()
    items, total = need_services.listing(current_user, **_need_filters(), page=page, per_page=per_page)
    return listing([need_json(n, current_user) for n in items], page, per_page, total)


@bp.post("/needs")
@token_required
def create_need():
    """Create a need draft (enterprises)."""
    if not need_services.may_create(current_user):
        raise ApiError(403)
    form = _validated(NeedForm, _checked_body(NEED_TYPES), today=need_services.today())
    need = _run(lambda: need_services.create_need(current_user, form.data_for_model()))
    return jsonify(need_json(need, current_user)), 201


@bp.get("/needs/<int:need_id>")
def get_need(need_id: int):
    """One need, if visible to the caller (anonymous ones without their organisation)."""
    need = need_services.get_visible(need_id, current_user)
    if need is None:
        raise ApiError(404)
    data = need_json(need, current_user)
    # Who moved an anonymous need would name its author: hidden like the organisation.
    data["history"] = [_change_json(c, show_actor=not data["organisation_hidden"]) for c in content.history(need)]
    return jsonify(data)


@bp.patch("/needs/<int:need_id>")
@token_required
def patch_need(need_id: int):
    """Edit a need (owner); an open need goes back to review."""
    need = _owned(need_services.get_visible(need_id, current_user))
    form = _validated(NeedForm, {**_current(need, NeedForm), **_checked_body(NEED_TYPES)}, today=need_services.today())
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
    if not content.party_of(need, current_user):
        raise ApiError(403)
    target, note = _transition_args("need")
    _run(lambda: need_services.transition_need(need, target, current_user, note))
    return jsonify(need_json(need, current_user))


# --- reviews -----------------------------------------------------------------------------

def _review_json(item) -> dict:
    body = project_json(item) if item.item_type == "project" else need_json(item, current_user)
    return {"type": item.item_type, **body, "submitted_at": iso(item.submitted_at),
            "edit_of_live_item": item.review_return_status is not None}


@bp.get("/reviews")
@token_required
def list_reviews():
    """The moderation queue (admins): pending projects, then needs, oldest submission first."""
    if not current_user.is_admin:
        raise ApiError(403)
    page, per_page = page_args()
    kind = _choice_arg("kind", tuple(REVIEW_KINDS))
    models = [REVIEW_KINDS[kind]] if kind else list(REVIEW_KINDS.values())
    pending = {model: model.status == "pending_review" for model in models}
    counts = {model: db.session.scalar(select(func.count()).select_from(model).where(where))
              for model, where in pending.items()}
    # One page across the kinds: skip whole kinds before the offset, then fill the page.
    offset, items = (page - 1) * per_page, []
    for model, where in pending.items():
        if offset >= counts[model]:
            offset -= counts[model]
            continue
        items += db.session.scalars(select(model).where(where).order_by(model.submitted_at, model.id)
                                    .offset(offset).limit(per_page - len(items)))
        offset = 0
        if len(items) >= per_page:
            break
    return listing([_review_json(item) for item in items], page, per_page, sum(counts.values()))


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
    fields = {}
    if data.get("decision") not in ("approve", "reject"):
        fields["decision"] = [_l("Choose one of: %(choices)s.", choices="approve, reject")]
    for name in ("reason", "note"):
        if data.get(name) is not None and not isinstance(data[name], str):
            fields[name] = [TYPE_MESSAGES[str]]
    if fields:
        raise ApiError(400, "validation_error", fields=fields)
    form = _validated(ReviewForm, {name: data.get(name) for name in ("decision", "reason", "note")})
    if item.status != "pending_review":
        raise ApiError(409)
    _run(lambda: decide(item, form.decision.data, current_user, reason_code=form.reason.data or None,
                        note=form.note.data or None))
    return jsonify(_review_json(item))


# --- search ----------------------------------------------------------------------------------

def _best_snippet(kind: str, item, q: str) -> str:
    """An excerpt of the item's text in the language that contains the query, terms marked."""
    texts = (item.summary_zh, item.summary_en) if kind == "project" else (item.description_zh, item.description_en)
    texts = [t for t in texts if t]
    for text in texts:
        marked = snippet(text, q)
        if "<mark>" in marked:
            return str(marked)
    return str(snippet(texts[0], q)) if texts else ""


@bp.get("/search")
def search():
    """Projects and needs visible to the caller matching q, in both languages, newest first."""
    page, per_page = page_args()
    q = _text_arg("q")
    if not q:
        raise ApiError(400, "validation_error", fields={"q": [_l("Type a word to search for.")]})
    if not query_tokens(q):  # punctuation only: nothing can match, and nothing should be listed
        return listing([], page, per_page, 0)
    # One query pages through both kinds together; the page's items are then loaded by id.
    parts = [service.listing_query(current_user, q=q).order_by(None).with_only_columns(
                 literal(kind).label("type"), model.id.label("id"), model.published_at.label("at"))
             for kind, model, service in (("project", Project, project_services), ("need", Need, need_services))]
    hits = union_all(*parts).subquery()
    total = db.session.scalar(select(func.count()).select_from(hits))
    rows = db.session.execute(select(hits.c.type, hits.c.id)
                              .order_by(hits.c.at.desc().nulls_last(), hits.c.type.desc(), hits.c.id.desc())
                              .limit(per_page).offset((page - 1) * per_page)).all()
    loaded = {}
    for kind, model in (("project", Project), ("need", Need)):
        ids = [item_id for row_kind, item_id in rows if row_kind == kind]
        if ids:
            loaded.update({(kind, item.id): item for item in db.session.scalars(select(model).where(model.id.in_(ids)))})
    items = []
    for kind, item_id in rows:
        item = loaded[(kind, item_id)]
        items.append({"type": kind, "id": item.id, "title_zh": item.title_zh, "title_en": item.title_en,
                      "snippet": _best_snippet(kind, item, q), "status": item.status})
    return listing(items, page, per_page, int(total or 0))
