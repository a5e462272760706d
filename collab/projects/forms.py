"""The bilingual project form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import DateInput, NumberInput

from ..content.forms import CheckboxesField, ContentForm, bilingual_text, known_choices
from ..content.labels import DIRECTION_LABELS, IP_LABELS, SEEKS_LABELS, STAGE_LABELS
from ..forms import BaseForm, no_markup, select_choices
from .models import ATTACHMENT_KINDS

SUMMARY_REQUIRED = _l("Give the summary in Chinese or English (or both).")


class ProjectForm(ContentForm):
    summary_zh, summary_en = bilingual_text("summary", _l("Summary (中文)"), _l("Summary (English)"), SUMMARY_REQUIRED)
    stage = SelectField(_l("Stage"), choices=select_choices(STAGE_LABELS), validators=[DataRequired()])
    direction = SelectField(_l("Direction"), choices=select_choices(DIRECTION_LABELS), validators=[DataRequired()],
                            default="offshore_to_xinjiang")
    funding_sought_cny = IntegerField(_l("Funding sought (CNY)"), validators=[
        Optional(), NumberRange(min=0, max=100_000_000_000, message=_l("Enter an amount between 0 and 100 billion yuan."))])
    team_size = IntegerField(_l("Team size"), validators=[
        Optional(), NumberRange(min=1, max=100_000, message=_l("Enter a team size between 1 and 100,000."))])
    ip_status = SelectField(_l("Intellectual property"), choices=select_choices(IP_LABELS), default="none")
    seeks = CheckboxesField(_l("What the project seeks"), choices=select_choices(SEEKS_LABELS), validators=[known_choices])
    city = StringField(_l("City where it is incubated"), validators=[Length(max=100), no_markup])

    FIELDS = ("title_zh", "title_en", "summary_zh", "summary_en", "stage", "direction", "funding_sought_cny",
              "team_size", "ip_status", "seeks", "city")


class AttachmentForm(BaseForm):
    file = FileField(_l("File (PDF, PPTX, DOCX, PNG or JPEG, at most 10 MB)"), validators=[DataRequired()])
    kind = SelectField(_l("Kind of document"), choices=select_choices([
        ("business_plan", _l("Business plan")), ("pitch_deck", _l("Pitch deck")), ("other", _l("Other document"))]),
        default="business_plan")
    submit = SubmitField(_l("Upload"))

    def validate_kind(self, field) -> None:
        if field.data not in ATTACHMENT_KINDS:
            from wtforms.validators import ValidationError

            raise ValidationError(_l("Choose a kind of document."))


class LandingForm(BaseForm):
    """The landing record (落地). The fields take text; collab/projects/landing.py checks
    every rule (the API uses the same checks) and its messages come back beside each field."""

    city = SelectField(_l("City in Xinjiang"), validate_choice=False)
    base_id = SelectField(_l("Receiving base"), validate_choice=False)
    landed_on = StringField(_l("Landing date"), widget=DateInput())
    company_name = StringField(_l("Company registered in Xinjiang"), validators=[Length(max=200)],
                               render_kw={"maxlength": 200})
    investment_cny = StringField(_l("Planned investment (CNY)"), widget=NumberInput(min=0, step=1),
                                 render_kw={"inputmode": "numeric"})
    jobs = StringField(_l("Planned jobs"), widget=NumberInput(min=0, step=1), render_kw={"inputmode": "numeric"})
    note = StringField(_l("Note for the record (optional)"), validators=[Length(max=1000), no_markup])
    submit = SubmitField(_l("Save the landing"))

    FIELDS = ("city", "base_id", "landed_on", "company_name", "investment_cny", "jobs")

    def __init__(self, *args, bases=(), **kwargs):
        super().__init__(*args, **kwargs)
        from ..content.labels import LOCATION_LABELS
        from ..i18n import localized_text

        self.city.choices = select_choices({"": _l("— choose a city —"), **LOCATION_LABELS})
        self.base_id.choices = select_choices([("", _l("— choose a base —")),
                                               *((str(b.id), localized_text(b, "name")) for b in bases)])

    def landing_data(self) -> dict:
        return {name: self[name].data for name in self.FIELDS}


LANDING_DECISIONS = ("confirm", "question")


class LandingReviewForm(BaseForm):
    """The receiving base's answer: confirm, or question with a note."""

    decision = SelectField(_l("Decision"), choices=select_choices([("confirm", _l("Confirm the landing")),
                                                                   ("question", _l("Question the landing"))]))
    note = TextAreaField(_l("Note to the owner (required to question)"),
                         validators=[Length(max=1000), no_markup], render_kw={"rows": 2, "maxlength": 1000})
