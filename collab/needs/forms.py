"""The bilingual need form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..content.forms import CheckboxesField, known_choices, one_language_required
from ..content.labels import LOCATION_LABELS, NEED_KIND_LABELS, VISIBILITY_LABELS
from ..forms import BaseForm, no_markup

TITLE_REQUIRED = _l("Give the title in Chinese or English (or both).")
DESCRIPTION_REQUIRED = _l("Give the description in Chinese or English (or both).")
AMOUNT = NumberRange(min=0, max=100_000_000_000, message=_l("Enter an amount between 0 and 100 billion yuan."))


class NeedForm(BaseForm):
    kind = SelectField(_l("Kind of need"), choices=list(NEED_KIND_LABELS.items()), validators=[DataRequired()])
    title_zh = StringField(_l("Title (中文)"), validators=[
        one_language_required("title_zh", "title_en", TITLE_REQUIRED), Length(max=200), no_markup])
    title_en = StringField(_l("Title (English)"), validators=[Length(max=200), no_markup])
    description_zh = TextAreaField(_l("Description (中文)"), validators=[
        one_language_required("description_zh", "description_en", DESCRIPTION_REQUIRED), Length(max=5000), no_markup])
    description_en = TextAreaField(_l("Description (English)"), validators=[Length(max=5000), no_markup])
    sectors = CheckboxesField(_l("Sectors"), validators=[known_choices])
    budget_min_cny = IntegerField(_l("Budget from (CNY)"), validators=[Optional(), AMOUNT])
    budget_max_cny = IntegerField(_l("Budget up to (CNY)"), validators=[Optional(), AMOUNT])
    location = SelectField(_l("Location in Xinjiang"), choices=list(LOCATION_LABELS.items()), validators=[DataRequired()])
    deadline = DateField(_l("Deadline"), validators=[DataRequired(message=_l("Give a deadline as a date."))])
    visibility = SelectField(_l("Visibility"), choices=list(VISIBILITY_LABELS.items()), default="public")
    save = SubmitField(_l("Save draft"))
    submit_for_review = SubmitField(_l("Save and submit for review"))

    FIELDS = ("kind", "title_zh", "title_en", "description_zh", "description_en", "budget_min_cny",
              "budget_max_cny", "location", "deadline", "visibility")

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def validate_budget_max_cny(self, field) -> None:
        low = self.budget_min_cny.data
        if field.data is not None and low is not None and low > field.data:
            raise ValidationError(_l("The upper budget must not be below the lower one."))

    def validate_deadline(self, field) -> None:
        if self.today is not None and field.data is not None and field.data <= self.today:
            raise ValidationError(_l("The deadline must be in the future."))

    def data_for_model(self) -> dict:
        data = {name: getattr(self, name).data for name in self.FIELDS}
        data["sectors"] = self.sectors.data or []
        return data
