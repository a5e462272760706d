"""Forms of the mentors feature: profile, availability, booking and booking actions."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, DateField, HiddenField, IntegerField, RadioField, SelectField,
                     SelectMultipleField, StringField, SubmitField, TextAreaField)
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import BaseForm, TimezoneField, no_markup, select_choices
from .labels import LANGUAGE_LABELS, MODE_LABELS, WEEKDAY_LABELS
from .models import SESSION_LENGTHS
from .services import parse_clock, parse_ranges


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class MentorProfileForm(BaseForm):
    headline_zh = StringField(_l("Headline (中文)"), validators=[Optional(), Length(max=200), no_markup])
    headline_en = StringField(_l("Headline (English)"), validators=[Optional(), Length(max=200), no_markup])
    bio_zh = TextAreaField(_l("About you (中文)"), validators=[Optional(), Length(max=5000), no_markup])
    bio_en = TextAreaField(_l("About you (English)"), validators=[Optional(), Length(max=5000), no_markup])
    organisation_id = SelectField(_l("Organisation"), coerce=int, validate_choice=True)
    city_zh = StringField(_l("City (中文)"), validators=[Optional(), Length(max=100), no_markup])
    city_en = StringField(_l("City (English)"), validators=[Optional(), Length(max=100), no_markup])
    sectors = MultiCheckboxField(_l("Expertise sectors"))
    languages = MultiCheckboxField(_l("Languages you mentor in"), choices=select_choices(LANGUAGE_LABELS))
    offers_online = BooleanField(_l("Online sessions"))
    meeting_link = StringField(_l("Meeting link"), validators=[
        Optional(), Length(max=300), URL(message=_l("Enter a full web address starting with http:// or https://."))])
    offers_in_person = BooleanField(_l("In-person sessions"))
    base_id = SelectField(_l("Base for in-person sessions"), coerce=int)
    auto_confirm = BooleanField(_l("Confirm requests automatically"))
    is_active = BooleanField(_l("List me in the mentor directory"))
    submit = SubmitField(_l("Save profile"))

    def validate(self, extra_validators=None) -> bool:
        # Cross-field rules live here: Optional() would skip per-field checks of empty fields.
        valid = super().validate(extra_validators)
        problems = (
            (self.headline_zh, not (self.headline_zh.data or self.headline_en.data),
             _l("Give a headline in Chinese or English (or both).")),
            (self.languages, not self.languages.data, _l("Choose at least one language.")),
            (self.offers_online, not (self.offers_online.data or self.offers_in_person.data),
             _l("Offer online or in-person sessions (or both).")),
            (self.meeting_link, self.offers_online.data and not self.meeting_link.data,
             _l("Online sessions need a meeting link.")),
            (self.meeting_link, bool(self.meeting_link.data) and not self.meeting_link.data.lower().startswith(
                ("http://", "https://")), _l("Enter a full web address starting with http:// or https://.")),
            (self.base_id, self.offers_in_person.data and not self.base_id.data, _l("In-person sessions need a base.")),
        )
        for field, failed, message in problems:
            if failed:
                field.errors = [*field.errors, message]
                valid = False
        return valid

    def values(self) -> dict:
        data = {name: getattr(self, name).data for name in (
            "headline_zh", "headline_en", "bio_zh", "bio_en", "city_zh", "city_en", "offers_online",
            "meeting_link", "offers_in_person", "auto_confirm", "is_active")}
        for name in ("headline_zh", "headline_en", "bio_zh", "bio_en", "city_zh", "city_en", "meeting_link"):
            data[name] = data[name] or None
        data["organisation_id"] = self.organisation_id.data or None
        data["base_id"] = self.base_id.data or None
        return data


def _weekday_field(day: int):
    def check(form, field):
        try:
            parse_ranges(field.data or "")
        except ValueError as error:
            raise ValidationError(str(error)) from None

    return StringField(WEEKDAY_LABELS[day], validators=[Optional(), Length(max=200), check])


class AvailabilityForm(BaseForm):
    """Weekly windows as one line per weekday ("10:00-12:00, 14:00-16:00") and the rules."""

    timezone = TimezoneField(_l("Your time zone"))
    day_0 = _weekday_field(0)
    day_1 = _weekday_field(1)
    day_2 = _weekday_field(2)
    day_3 = _weekday_field(3)
    day_4 = _weekday_field(4)
    day_5 = _weekday_field(5)
    day_6 = _weekday_field(6)
    session_minutes = SelectField(_l("Session length"), coerce=int,
                                  choices=select_choices((n, _l("%(n)s minutes", n=n)) for n in SESSION_LENGTHS))
    buffer_minutes = IntegerField(_l("Buffer between sessions (minutes)"),
                                  validators=[InputRequired(), NumberRange(min=0, max=240)])
    min_notice_hours = IntegerField(_l("Minimum notice (hours)"),
                                    validators=[InputRequired(), NumberRange(min=0, max=720)])
    horizon_days = IntegerField(_l("Booking horizon (days ahead)"),
                                validators=[InputRequired(), NumberRange(min=1, max=365)])
    monthly_cap = IntegerField(_l("Sessions per person per month"), validators=[Optional(), NumberRange(min=1, max=60)])
    submit = SubmitField(_l("Save availability"))

    def weekly(self) -> list[dict]:
        from .services import clock

        return [{"weekday": day, "start": clock(s), "end": clock(e)}
                for day in range(7) for s, e in parse_ranges(getattr(self, f"day_{day}").data or "")]


class ExceptionForm(BaseForm):
    day = DateField(_l("Date"), validators=[DataRequired(message=_l("Give the date."))])
    kind = RadioField(_l("Kind"), choices=select_choices([("blocked", _l("Blocked (no sessions)")),
                                                          ("extra", _l("Extra window"))]), default="blocked")
    start = StringField(_l("From"), validators=[Optional(), Length(max=5)])
    end = StringField(_l("Until"), validators=[Optional(), Length(max=5)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200), no_markup])
    submit = SubmitField(_l("Add"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        start, end = self.start.data, self.end.data
        message = None
        if self.kind.data == "extra" and not (start and end):
            message = _l("An extra window needs a start and an end.")
        elif bool(start) != bool(end):
            message = _l("Give both the start and the end, or neither to block the whole day.")
        elif start:
            try:
                if parse_clock(end, allow_midnight_end=True) <= parse_clock(start):
                    message = _l("A window must end after it starts.")
            except ValueError as error:
                message = str(error)
        if message:
            self.start.errors = [*self.start.errors, message]
            valid = False
        return valid


class BookingForm(BaseForm):
    start = HiddenField(validators=[DataRequired()])
    minutes = HiddenField()
    topic = TextAreaField(_l("What would you like to talk about?"),
                          validators=[DataRequired(message=_l("Say what you would like to talk about.")),
                                      Length(max=1000), no_markup])
    language = SelectField(_l("Language of the session"), validate_choice=True)
    mode = SelectField(_l("How to meet"), validate_choice=True,
                       choices=select_choices(MODE_LABELS))
    submit = SubmitField(_l("Request this session"))


class CancelForm(BaseForm):
    reason = TextAreaField(_l("Reason"), validators=[
        DataRequired(message=_l("Give a reason, so the other side knows why.")), Length(max=1000), no_markup])
    submit = SubmitField(_l("Cancel the session"))


class DeclineForm(BaseForm):
    note = TextAreaField(_l("Note to the person who asked (optional)"), validators=[Optional(), Length(max=1000),
                                                                                      no_markup])
    submit = SubmitField(_l("Decline"))


class RescheduleForm(BaseForm):
    start = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=1000), no_markup])
    submit = SubmitField(_l("Move the session to this time"))


class FeedbackForm(BaseForm):
    rating = RadioField(_l("Rating"), choices=select_choices((str(n), str(n)) for n in range(1, 6)),
                        validators=[DataRequired(message=_l("Rate the session from 1 to 5."))])
    feedback = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=5000), no_markup])
    submit = SubmitField(_l("Send feedback"))


class NotesForm(BaseForm):
    mentor_notes = TextAreaField(_l("Private notes (only you see them)"),
                                 validators=[Optional(), Length(max=5000), no_markup])
    follow_up = TextAreaField(_l("Suggested follow-up (shown to the person who booked)"),
                              validators=[Optional(), Length(max=5000), no_markup])
    submit = SubmitField(_l("Save notes"))
