"""Forms and request helpers the content pages and the API share."""
from __future__ import annotations

from flask import abort, current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import HiddenField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..forms import BaseForm, no_markup, select_choices
from .labels import REVIEW_REASONS


class TransitionForm(BaseForm):
    to = HiddenField(validators=[DataRequired()])
    note = TextAreaField(_l("Note for the record (optional)"), validators=[Length(max=1000), no_markup])
    submit = SubmitField(_l("Confirm"))


class ActionForm(BaseForm):
    """A bare CSRF-protected POST (submit, withdraw, delete)."""


class ReviewForm(BaseForm):
    decision = HiddenField(validators=[DataRequired()])
    reason = SelectField(_l("Reason"), choices=select_choices([("", "—"), *REVIEW_REASONS.items()]), default="")
    note = TextAreaField(_l("Message to the author"), validators=[Length(max=1000), no_markup])
    submit = SubmitField(_l("Send decision"))


def require_owner(item) -> None:
    """404 when ``item`` is absent, 403 when the viewer is not its owner."""
    if item is None:
        abort(404)
    from .services import is_owner

    if not is_owner(item, current_user):
        abort(403)


def page_number() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def per_page() -> int:
    return current_app.config["PER_PAGE"]


def choice_arg(name: str, allowed) -> str | None:
    """A query-string filter value, ignored unless it is one of ``allowed``."""
    value = request.args.get(name) or None
    return value if value in allowed else None
