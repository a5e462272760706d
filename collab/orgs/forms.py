"""Organisation forms (admins)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, URL, ValidationError

from ..forms import BaseForm, TimezoneField, no_markup, select_choices
from .labels import COUNTRY_LABELS, ORG_KIND_LABELS


class OrganisationForm(BaseForm):
    # No Optional() here: it would stop the chain before validate_name_zh sees two empty names.
    name_zh = StringField(_l("Name (中文)"), validators=[Length(max=200), no_markup])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200), no_markup])
    kind = SelectField(_l("Kind"), choices=select_choices(ORG_KIND_LABELS), validators=[DataRequired()])
    city_zh = StringField(_l("City (中文)"), validators=[Optional(), Length(max=100), no_markup])
    city_en = StringField(_l("City (English)"), validators=[Optional(), Length(max=100), no_markup])
    country = SelectField(_l("Country"), choices=select_choices(COUNTRY_LABELS))
    timezone = TimezoneField(_l("Time zone"))
    website = StringField(_l("Website"), validators=[Optional(), Length(max=300), URL(message=_l("Enter a full web address starting with http:// or https://."))])
    description_zh = TextAreaField(_l("Description (中文)"), validators=[Optional(), Length(max=5000), no_markup])
    description_en = TextAreaField(_l("Description (English)"), validators=[Optional(), Length(max=5000), no_markup])
    submit = SubmitField(_l("Save organisation"))

    def validate_name_zh(self, field) -> None:
        if not (field.data or self.name_en.data):
            raise ValidationError(_l("Give the name in Chinese or English (or both)."))

    def validate_website(self, field) -> None:
        if field.data and not field.data.lower().startswith(("http://", "https://")):
            raise ValidationError(_l("Enter a full web address starting with http:// or https://."))

    def data_for_model(self) -> dict:
        names = ("name_zh", "name_en", "kind", "city_zh", "city_en", "country", "timezone", "website",
                 "description_zh", "description_en")
        return {name: getattr(self, name).data for name in names}
