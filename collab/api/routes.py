"""API endpoints of the foundation: tokens, the caller, sectors, organisations."""
from __future__ import annotations

from flask import current_app, jsonify, request
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from ..auth import services as auth_services
from ..auth.tokens import issue_token
from ..extensions import db, limiter
from ..orgs import services as org_services
from ..orgs.labels import ORG_KIND_LABELS
from ..orgs.models import Organisation
from . import bp
from .auth import token_required
from .errors import ApiError
from .openapi import openapi_document
from .serializers import iso, organisation_json, sector_json, user_json


def json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request")
    return data


MAX_PER_PAGE = 100


def page_args() -> tuple[int, int]:
    """``?page=&per_page=`` (at most 100); a 400 names only the parameter that is wrong."""
    from flask_babel import gettext as _

    def whole_number(name: str, default: int) -> int | None:
        value = request.args.get(name, "").strip()
        if not value:
            return default
        return int(value) if value.lstrip("-").isdigit() and value.isascii() else None

    page, per_page = whole_number("page", 1), whole_number("per_page", 20)
    fields = {}
    if page is None or page < 1:
        fields["page"] = [_("Enter a whole number of 1 or more.")]
    if per_page is None or not 1 <= per_page <= MAX_PER_PAGE:
        fields["per_page"] = [_("Enter a whole number from 1 to %(max)s.", max=MAX_PER_PAGE)]
    if fields:
        raise ApiError(400, "validation_error", fields=fields)
    return page, per_page


def listing(items: list, page: int, per_page: int, total: int):
    return jsonify(items=items, page=page, per_page=per_page, total=total)


def validate_form(form_class, data: dict):
    """Validate JSON input with the same WTForms form the web page uses."""
    form = form_class(formdata=MultiDict({k: v for k, v in data.items() if isinstance(v, (str, int, float, bool))}),
                      meta={"csrf": False})
    if not form.validate():
        raise ApiError(400, "validation_error", fields=form.errors)
    return form


def _token_limit() -> str:
    return current_app.config["API_TOKEN_RATE_LIMIT"]


@bp.post("/tokens")
@limiter.limit(_token_limit)
def create_token():
    """Log in with e-mail and password and get a bearer token."""
    data = json_body()
    email, password = data.get("email"), data.get("password")
    if not isinstance(email, str) or not isinstance(password, str) or not email or not password:
        from flask_babel import gettext as _

        raise ApiError(400, "validation_error", fields={
            name: [_("This field is required.")] for name in ("email", "password")
            if not isinstance(data.get(name), str) or not data.get(name)})
    user = auth_services.authenticate(email, password)
    if user is None:
        raise ApiError(401, "invalid_credentials")
    token, record = issue_token(user, label=str(data.get("label") or "api")[:100])
    return jsonify(token=token, expires_at=iso(record.expires_at)), 201


@bp.get("/me")
@token_required
def me():
    """The caller."""
    return jsonify(user_json(current_user))


@bp.get("/sectors")
def sectors():
    """The bilingual sector taxonomy with its keywords."""
    items = [sector_json(s) for s in org_services.list_sectors()]
    return jsonify(items=items, page=1, per_page=len(items), total=len(items))


@bp.get("/organisations")
def organisations():
    """Approved organisations, filtered by kind, city and country."""
    page, per_page = page_args()
    kind = request.args.get("kind") or None
    if kind and kind not in ORG_KIND_LABELS:
        from flask_babel import gettext as _

        raise ApiError(400, "validation_error", fields={
            "kind": [_("Choose one of: %(choices)s.", choices=", ".join(ORG_KIND_LABELS))]})
    orgs, total = org_services.directory(
        kind=kind, city=request.args.get("city") or None, country=request.args.get("country") or None,
        q=(request.args.get("q") or None), page=page, per_page=per_page,
    )
    return listing([organisation_json(o) for o in orgs], page, per_page, total)


@bp.get("/organisations/<int:org_id>")
def organisation(org_id: int):
    """One approved organisation."""
    org = db.session.get(Organisation, org_id)
    if org is None or not org.is_approved:
        raise ApiError(404)
    return jsonify(organisation_json(org))


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 document of this API."""
    return jsonify(openapi_document())
