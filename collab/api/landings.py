"""The JSON API of landing records (落地) and contracts (签约), beside the shared content
operations (collab/api/content.py) and the introductions (collab/api/matching.py).

- ``POST /projects/<id>/transition`` with ``{"to": "landed", "landing": {…}}``: the
  projects' transition hook records the landing and makes the step in one go; bad or
  missing landing fields answer 400 ``validation_error`` with the fields named
  ``landing.<field>`` (``landing`` itself when the object is missing), nothing saved.
- ``PATCH /projects/<id>/landing`` (owner, admin): correct a pending or questioned
  landing; fields named as they are in the body (``city``…).
- ``POST /projects/<id>/landing/confirm`` ``{"note"?}`` and ``…/landing/question``
  ``{"note"}``: the receiving base's administrators (or the network's).
- ``POST /introductions/<id>/agreement_signed`` ``{"contract_type", "contract_value_cny",
  "signed_on"}`` (parties) and ``POST /introductions/<id>/contract/confirm`` (the other party).
"""
from __future__ import annotations

from flask import jsonify, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..errors import InvalidFields
from ..extensions import db
from ..matching import contracts, introductions
from ..matching.models import Introduction
from ..projects import landing as landings
from ..projects.kind import PROJECTS
from . import bp
from .auth import token_required
from .content import KIND_APIS, MAX_ID, TYPE_MESSAGES, KindApi, get_visible
from .errors import ApiError
from .matching import introduction_json

LANDING_MISSING = _l("Give the landing record: city, base_id, landed_on, company_name, investment_cny and jobs.")


def _optional_body() -> dict:
    """The JSON object of the request; no body is an empty one."""
    if not request.get_data():
        return {}
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request")
    return data


def _fields_error(error: InvalidFields, prefix: str = ""):
    return ApiError(400, "validation_error", error.message,
                    fields={f"{prefix}{name}": messages for name, messages in error.fields.items()})


# --- the projects' transition hook ------------------------------------------------------------

class ProjectApi(KindApi):
    def transition(self, item, target, note, body, viewer) -> None:
        if target != "landed":
            return super().transition(item, target, note, body, viewer)
        data = body.get("landing")
        if not isinstance(data, dict):
            if item.status not in landings.project_transition().sources:
                return super().transition(item, target, note, body, viewer)  # 409: not from this status
            raise ApiError(400, "validation_error", fields={"landing": [LANDING_MISSING]})
        try:
            landings.record_landing(item, viewer, data, note=note)
        except InvalidFields as error:
            raise _fields_error(error, "" if set(error.fields) <= {"note"} else "landing.") from None


KIND_APIS[PROJECTS.name] = ProjectApi()


# --- the landing ---------------------------------------------------------------------------------

def _landing(project_id: int):
    project = get_visible(PROJECTS, project_id) if 0 < project_id <= MAX_ID else None
    if project is None or project.landing is None:
        raise ApiError(404)
    return project.landing


def _note(data: dict):
    note = data.get("note")
    if note is not None and not isinstance(note, str):
        raise ApiError(400, "validation_error", fields={"note": [TYPE_MESSAGES[str]]})
    return note


@bp.patch("/projects/<int:project_id>/landing")
@token_required
def update_landing(project_id: int):
    """Correct a landing the base has not confirmed (owner, admin): it awaits confirmation again."""
    landing = _landing(project_id)
    if not landings.may_record(landing.project, current_user):
        raise ApiError(403)
    data = _optional_body()
    try:
        landings.update_landing(landing, current_user, {k: v for k, v in data.items() if k in landings.FIELDS})
    except InvalidFields as error:
        raise _fields_error(error) from None
    return jsonify(landings.landing_json(landing))


def _review(project_id: int, decision: str):
    landing = _landing(project_id)
    if not landings.may_review(landing, current_user):
        raise ApiError(403)
    note = _note(_optional_body())
    try:
        if decision == "confirm":
            landings.confirm_landing(landing, current_user, note)
        else:
            landings.question_landing(landing, current_user, note)
    except InvalidFields as error:
        raise _fields_error(error) from None
    return jsonify(landings.landing_json(landing))


@bp.post("/projects/<int:project_id>/landing/confirm")
@token_required
def confirm_landing(project_id: int):
    """The receiving base confirms the landing {"note"?}; the owner is told."""
    return _review(project_id, "confirm")


@bp.post("/projects/<int:project_id>/landing/question")
@token_required
def question_landing(project_id: int):
    """The receiving base questions the landing {"note"}; the owner is told and may correct it."""
    return _review(project_id, "question")


# --- contracts -----------------------------------------------------------------------------------

def _introduction(intro_id: int) -> Introduction:
    intro = db.session.get(Introduction, intro_id) if 0 < intro_id <= MAX_ID else None
    if intro is None or not introductions.can_view(intro, current_user):
        raise ApiError(404)
    if not introductions.is_party(intro, current_user):
        raise ApiError(403)
    return intro


@bp.post("/introductions/<int:intro_id>/agreement_signed")
@token_required
def sign_introduction(intro_id: int):
    """Agreement signed with its contract {"contract_type", "contract_value_cny", "signed_on"} (parties)."""
    intro = _introduction(intro_id)
    data = _optional_body()
    try:
        contracts.record_contract(intro, current_user, {k: data.get(k) for k in contracts.FIELDS})
    except InvalidFields as error:
        raise _fields_error(error) from None
    return jsonify(introduction_json(intro))


@bp.post("/introductions/<int:intro_id>/contract/confirm")
@token_required
def confirm_contract(intro_id: int):
    """The other party confirms the contract as recorded (once)."""
    intro = _introduction(intro_id)
    contracts.confirm_contract(intro, current_user)
    return jsonify(introduction_json(intro))

