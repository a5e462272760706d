"""The bilingual need form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import DataRequired, NumberRange, Optional, ValidationError

from ..content.forms import ContentForm, bilingual_text
from ..content.labels import LOCATION_LABELS, NEED_KIND_LABELS, VISIBILITY_LABELS
from ..forms import select_choices

DESCRIPTION_REQUIRED = _l("Give the description in Chinese or English (or both).")
AMOUNT = NumberRange(min=0, max=100_000_000_000, message=_l("Enter an amount between 0 and 100 billion yuan."))


class NeedForm(ContentForm):
    kind = SelectField(_l("Kind of need"), choices=select_choices(NEED_KIND_LABELS), validators=[DataRequired()])
    description_zh, description_en = bilingual_text("description", _l("Description (中文)"),
                                                    _l("Description (English)"), DESCRIPTION_REQUIRED)
    budget_min_cny = IntegerField(_l("Budget from (CNY)"), validators=[Optional(), AMOUNT])
    budget_max_cny = IntegerField(_l("Budget up to (CNY)"), validators=[Optional(), AMOUNT])
    location = SelectField(_l("Location in Xinjiang"), choices=select_choices(LOCATION_LABELS),
                           validators=[DataRequired()])
    deadline = DateField(_l("Deadline"), validators=[DataRequired(message=_l("Give a deadline as a date."))])
    visibility = SelectField(_l("Visibility"), choices=select_choices(VISIBILITY_LABELS), default="public")

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
