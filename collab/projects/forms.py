"""The bilingual project form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..content.forms import CheckboxesField, known_choices, one_language_required
from ..content.labels import DIRECTION_LABELS, IP_LABELS, SEEKS_LABELS, STAGE_LABELS
from ..forms import BaseForm, no_markup
from .models import ATTACHMENT_KINDS

TITLE_REQUIRED = _l("Give the title in Chinese or English (or both).")
SUMMARY_REQUIRED = _l("Give the summary in Chinese or English (or both).")


class ProjectForm(BaseForm):
    title_zh = StringField(_l("Title (中文)"), validators=[
        one_language_required("title_zh", "title_en", TITLE_REQUIRED), Length(max=200), no_markup])
    title_en = StringField(_l("Title (English)"), validators=[Length(max=200), no_markup])
    summary_zh = TextAreaField(_l("Summary (中文)"), validators=[
        one_language_required("summary_zh", "summary_en", SUMMARY_REQUIRED), Length(max=5000), no_markup])
    summary_en = TextAreaField(_l("Summary (English)"), validators=[Length(max=5000), no_markup])
    sectors = CheckboxesField(_l("Sectors"), validators=[known_choices])
    stage = SelectField(_l("Stage"), choices=list(STAGE_LABELS.items()), validators=[DataRequired()])
    direction = SelectField(_l("Direction"), choices=list(DIRECTION_LABELS.items()), validators=[DataRequired()],
                            default="offshore_to_xinjiang")
    funding_sought_cny = IntegerField(_l("Funding sought (CNY)"), validators=[
        Optional(), NumberRange(min=0, max=100_000_000_000, message=_l("Enter an amount between 0 and 100 billion yuan."))])
    team_size = IntegerField(_l("Team size"), validators=[
        Optional(), NumberRange(min=1, max=100_000, message=_l("Enter a team size between 1 and 100,000."))])
    ip_status = SelectField(_l("Intellectual property"), choices=list(IP_LABELS.items()), default="none")
    seeks = CheckboxesField(_l("What the project seeks"), choices=list(SEEKS_LABELS.items()), validators=[known_choices])
    city = StringField(_l("City where it is incubated"), validators=[Length(max=100), no_markup])
    save = SubmitField(_l("Save draft"))
    submit_for_review = SubmitField(_l("Save and submit for review"))

    FIELDS = ("title_zh", "title_en", "summary_zh", "summary_en", "stage", "direction", "funding_sought_cny",
              "team_size", "ip_status", "seeks", "city")

    def data_for_model(self) -> dict:
        data = {name: getattr(self, name).data for name in self.FIELDS}
        data["sectors"] = self.sectors.data or []
        return data


class AttachmentForm(BaseForm):
    file = FileField(_l("File (PDF, PPTX, DOCX, PNG or JPEG, at most 10 MB)"), validators=[DataRequired()])
    kind = SelectField(_l("Kind of document"), choices=[
        ("business_plan", _l("Business plan")), ("pitch_deck", _l("Pitch deck")), ("other", _l("Other document"))],
        default="business_plan")
    submit = SubmitField(_l("Upload"))

    def validate_kind(self, field) -> None:
        if field.data not in ATTACHMENT_KINDS:
            from wtforms.validators import ValidationError

            raise ValidationError(_l("Choose a kind of document."))
