"""The organisation directory and profile pages."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user

from . import services
from .labels import COUNTRY_LABELS, ORG_KIND_LABELS

bp = Blueprint("orgs", __name__, url_prefix="/<lang:lang>/organisations")
# Other features add to a profile page: provider(org, viewer) -> template context
# (connected in collab/subscribers.py; events lists the events the organisation hosts).
profile_context_providers: list = []


def page_arg() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


@bp.get("/")
def directory():
    """All approved organisations, filtered by kind, city, country and a search."""
    kind = request.args.get("kind") or None
    if kind and kind not in ORG_KIND_LABELS:
        kind = None
    country = request.args.get("country") or None
    city = request.args.get("city") or None
    q = (request.args.get("q") or "").strip()[:100] or None
    per_page = current_app.config["PER_PAGE"]
    page = page_arg()
    orgs, total = services.directory(kind=kind, city=city, country=country, q=q, page=page, per_page=per_page)
    return render_template(
        "orgs/directory.html", orgs=orgs, total=total, page=page, per_page=per_page,
        filters={"kind": kind, "country": country, "city": city, "q": q},
        kinds=ORG_KIND_LABELS, countries=COUNTRY_LABELS, cities=services.city_options(),
    )


@bp.get("/<key>")
def profile(key: str):
    """An organisation's bilingual profile with its facts, members and the events it hosts."""
    org = services.get_by_key(key, viewer=current_user)
    if org is None:
        abort(404)
    show_pending = current_user.is_authenticated and current_user.is_admin
    context = {}
    for provider in profile_context_providers:
        context.update(provider(org, current_user))
    return render_template("orgs/profile.html", org=org,
                           members=services.members(org, include_pending=show_pending), **context)
