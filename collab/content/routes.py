"""One set of web views for every kind of content item: listing and search, the form,
detail with timeline, submit, lifecycle steps and deleting a draft.

``content_blueprint(kind)`` makes the kind's blueprint (named after its plural, so
endpoints read ``projects.detail``); a kind's package adds what only it has.
"""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..errors import ServiceError, attempt
from ..forms import select_choices
from ..search.index import snippet
from ..unit_of_work import rollback
from . import services
from .kinds import ItemKind
from .views import ActionForm, TransitionForm, choice_arg, page_number, per_page, require_owner


# Other features add to every detail page (matching: the recommendations) without the
# core importing them: collab/subscribers.py registers them.
detail_context_providers: list = []


def listing_filters(kind: ItemKind) -> dict:
    """The listing's filters from the query string; unknown codes are ignored."""
    filters = {"sector": request.args.get("sector") or None,
               "organisation": (request.args.get("organisation") or "").strip()[:64] or None,
               "status": choice_arg("status", kind.public)}
    for item_filter in kind.filters:
        if item_filter.choices is not None:
            filters[item_filter.name] = choice_arg(item_filter.name, item_filter.choices)
        else:
            filters[item_filter.name] = (request.args.get(item_filter.name) or "").strip()[:item_filter.max_length] or None
    return filters


def content_blueprint(kind: ItemKind) -> Blueprint:
    """The blueprint serving ``kind``'s pages under ``/<lang>/<plural>/``."""
    bp = Blueprint(kind.plural, __name__, url_prefix=f"/<lang:lang>/{kind.plural}")
    item_url = f"/<int:{kind.id_arg}>"

    def item_view(view):
        # URLs name the kind (project_id=…), as links everywhere do; the shared views take item_id.
        @wraps(view)
        def named_by_kind(**values):
            return view(values.pop(kind.id_arg), **values)

        return named_by_kind

    def template(name: str) -> str:
        return f"{kind.plural}/{name}.html"

    def to_detail(item_id: int):
        return redirect(url_for(f"{kind.plural}.detail", **{kind.id_arg: item_id}))

    def visible(item_id: int):
        item = services.get_visible(kind, item_id, current_user)
        if item is None:
            abort(404)
        return item

    def owned(item_id: int):
        item = services.get_visible(kind, item_id, current_user)
        require_owner(item)
        return item

    def form_for(item=None):
        form = kind.form(obj=item, **kind.form_options())
        form.sectors.choices = select_choices(services.sector_choices())
        if item is not None and request.method == "GET":
            form.sectors.data = item.sector_codes
        return form

    def save(form, item):
        """Create or update from the form, then submit when asked; the item, or None
        with the refusal shown on the form (nothing saved)."""
        try:
            if item is None:
                item = services.create_item(kind, current_user, form.data_for_model())
            else:
                services.update_item(item, form.data_for_model(), current_user)
            if form.submit_for_review.data and item.status in ("draft", "rejected"):
                services.submit_item(item, current_user)
        except ServiceError as error:
            rollback()
            if error.status in (403, 404):
                abort(error.status)
            form.form_errors.append(str(error.message))
            return None
        if item.status == "pending_review":
            flash(_("Saved and sent for review. An administrator will look at it soon."), "success")
        elif item.status in kind.live and not kind.reviewed:
            flash(str(kind.messages["saved_live"]), "success")
        else:
            flash(str(kind.messages.get("saved_draft") or _("Saved as a draft. Preview it below, then submit it for review.")),
                  "success")
        return item

    @bp.get("/")
    def listing():
        """Listed items with filters, sorting and bilingual search."""
        q = (request.args.get("q") or "").strip()[:100]
        filters = listing_filters(kind)
        sort = choice_arg("sort", kind.sorts) or "newest"
        page = page_number()
        items, total = services.listing(kind, current_user, **filters, q=q or None, sort=sort, page=page,
                                        per_page=per_page())
        return render_template(template("listing"), items=items, total=total, page=page, per_page=per_page(),
                               filters=filters, q=q, sort=sort, snippet=snippet, sectors=services.sector_choices(),
                               kind=kind, shows_organisation=kind.shows_organisation, **kind.listing_context())

    @bp.route("/new", methods=["GET", "POST"])
    @login_required
    def create():
        """Write a new item (a draft, then submit it for review)."""
        if not kind.may_create(current_user):
            abort(403)
        form = form_for()
        if form.validate_on_submit():
            item = save(form, None)
            if item is not None:
                return to_detail(item.id)
        return render_template(template("form"), form=form, item=None, kind=kind)

    @bp.get(item_url)
    @item_view
    def detail(item_id: int):
        """An item with its timeline; what only its kind shows comes from the kind."""
        item = visible(item_id)
        allowed = services.allowed_transitions(item, current_user)
        extra = {}
        for provider in detail_context_providers:
            extra.update(provider(item, current_user))
        return render_template(
            template("detail"), item=item, kind=kind, history=services.history(item), allowed=allowed,
            lifecycle=[t for t in kind.lifecycle_targets if t in allowed],
            is_owner=services.is_owner(item, current_user), action_form=ActionForm(),
            transition_form=TransitionForm(), show_org=kind.shows_organisation(item, current_user),
            **extra, **kind.detail_context(item, current_user),
        )

    @bp.route(f"{item_url}/edit", methods=["GET", "POST"])
    @login_required
    @item_view
    def edit(item_id: int):
        """Edit an item; a live item goes back to review."""
        item = owned(item_id)
        form = form_for(item)
        if form.validate_on_submit() and save(form, item) is not None:
            return to_detail(item.id)
        return render_template(template("form"), form=form, item=item, kind=kind)

    @bp.post(f"{item_url}/submit")
    @login_required
    @item_view
    def submit(item_id: int):
        """Send a draft for review."""
        item = owned(item_id)
        if ActionForm().validate_on_submit():
            attempt(lambda: services.submit_item(item, current_user),
                    _("Sent for review. An administrator will look at it soon."))
        return to_detail(item_id)

    @bp.post(f"{item_url}/transition")
    @login_required
    @item_view
    def transition(item_id: int):
        """A lifecycle step, by the owner or an admin."""
        item = visible(item_id)
        if not services.party_of(item, current_user):
            abort(403)
        form = TransitionForm()
        if form.validate_on_submit():
            attempt(lambda: services.transition_item(item, form.to.data, current_user, form.note.data),
                    kind.messages["status_updated"])
        return to_detail(item_id)

    @bp.post(f"{item_url}/delete")
    @login_required
    @item_view
    def delete(item_id: int):
        """Delete a draft."""
        item = owned(item_id)
        if ActionForm().validate_on_submit() and attempt(
                lambda: services.delete_draft(item, current_user), _("The draft is deleted.")):
            return redirect(url_for("workspace.home"))
        return to_detail(item_id)

    return bp
