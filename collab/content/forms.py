"""Form pieces shared by the project and need forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, widgets
from wtforms.validators import ValidationError


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form) -> None:
        """known_choices checks the values: WTForms' own message has no Chinese translation."""


def known_choices(form, field) -> None:
    """Every picked value must be one offered (sectors, seeks)."""
    valid = {value for value, _label in field.choices}
    unknown = [v for v in field.data or [] if v not in valid]
    if unknown:
        raise ValidationError(_l("Unknown choice: %(values)s", values=", ".join(unknown)[:100]))


def one_language_required(first: str, second: str, message):
    """At least one field of a bilingual pair (``title_zh``/``title_en``) is filled."""

    def check(form, field) -> None:
        if not (getattr(form, first).data or getattr(form, second).data):
            raise ValidationError(message)

    return check
