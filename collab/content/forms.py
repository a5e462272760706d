"""Form pieces every content kind's form shares: the bilingual title and body, sectors,
the save / submit buttons, and the validators of coded and bilingual fields."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, StringField, SubmitField, TextAreaField, widgets
from wtforms.validators import Length, ValidationError

from ..forms import BaseForm, no_markup


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form) -> None:
        """known_choices checks the values: WTForms' own message has no Chinese translation."""


def known_choices(form, field) -> None:
    """Every picked value must be one offered (sectors, seeks)."""
    valid = {choice.value if hasattr(choice, "value") else choice[0] for choice in field.choices or ()}
    unknown = [v for v in field.data or [] if v not in valid]
    if unknown:
        raise ValidationError(_l("Unknown choice: %(values)s", values=", ".join(unknown)[:100]))


def one_language_required(first: str, second: str, message):
    """At least one field of a bilingual pair (``title_zh``/``title_en``) is filled."""

    def check(form, field) -> None:
        if not (getattr(form, first).data or getattr(form, second).data):
            raise ValidationError(message)

    return check


def bilingual_text(name: str, label_zh, label_en, required_message, max_length: int = 5000):
    """The Chinese and English fields of a bilingual body (``summary_zh``, ``summary_en``):
    at least one of them filled."""
    return (TextAreaField(label_zh, validators=[one_language_required(f"{name}_zh", f"{name}_en", required_message),
                                                Length(max=max_length), no_markup]),
            TextAreaField(label_en, validators=[Length(max=max_length), no_markup]))


TITLE_REQUIRED = _l("Give the title in Chinese or English (or both).")


class ContentForm(BaseForm):
    """A content item's form: a kind's form adds its body (``bilingual_text``) and fields,
    and lists what it writes in ``FIELDS``."""

    FIELDS: tuple[str, ...] = ()

    title_zh = StringField(_l("Title (中文)"), validators=[
        one_language_required("title_zh", "title_en", TITLE_REQUIRED),
        Length(max=200), no_markup])
    title_en = StringField(_l("Title (English)"), validators=[Length(max=200), no_markup])
    sectors = CheckboxesField(_l("Sectors"), validators=[known_choices])
    save = SubmitField(_l("Save draft"))
    submit_for_review = SubmitField(_l("Save and submit for review"))

    def data_for_model(self) -> dict:
        data = {name: getattr(self, name).data for name in self.FIELDS}
        data["sectors"] = self.sectors.data or []
        return data
