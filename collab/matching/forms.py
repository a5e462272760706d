"""Forms of the introduction workflow."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length
from wtforms.widgets import HiddenInput

from ..forms import BaseForm, no_markup, select_choices
from .introductions import DECLINE_LABELS


class InterestForm(BaseForm):
    need_id = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    project_id = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    message = TextAreaField(_l("Message to the other side"), validators=[
        DataRequired(message=_l("Write a short message to introduce yourself.")), Length(max=2000), no_markup])
    submit = SubmitField(_l("Express interest"))


class DeclineForm(BaseForm):
    reason = SelectField(_l("Reason"), choices=select_choices({"": _l("— choose a reason —"), **DECLINE_LABELS}))
    note = TextAreaField(_l("Note (required for “other”)"), validators=[Length(max=1000), no_markup])
    submit = SubmitField(_l("Decline"))


class DigestForm(BaseForm):
    digest_enabled = BooleanField(_l("Send me a weekly e-mail with new matches"))
    submit = SubmitField(_l("Save"))
