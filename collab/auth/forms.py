"""Account forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from ..forms import BaseForm, TimezoneField, no_markup, select_choices
from ..orgs.models import ORG_KINDS
from ..orgs.labels import COUNTRY_LABELS, ORG_KIND_LABELS, ROLE_LABELS
from .services import password_problem

LOCALE_CHOICES = select_choices([("zh", "中文"), ("en", "English")])


def strong_password(form, field) -> None:
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


class LoginForm(BaseForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in on this device"))
    submit = SubmitField(_l("Log in"))


class ProfileFields:
    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=100), no_markup])
    locale = SelectField(_l("Preferred language"), choices=LOCALE_CHOICES, default="zh")
    timezone = TimezoneField(_l("Time zone"), default="Asia/Shanghai")


class RegisterForm(BaseForm, ProfileFields):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200), strong_password])
    confirm = PasswordField(_l("Repeat password"), validators=[DataRequired(), EqualTo("password", _l("The passwords do not match."))])
    role = RadioField(_l("I am joining as"), choices=select_choices(list(ROLE_LABELS.items())[:3]), default="enterprise")
    organisation = SelectField(_l("Organisation"), coerce=str, validate_choice=False, default="")
    org_name_zh = StringField(_l("Organisation name (中文)"), validators=[Optional(), Length(max=200), no_markup])
    org_name_en = StringField(_l("Organisation name (English)"), validators=[Optional(), Length(max=200), no_markup])
    org_kind = SelectField(_l("Kind of organisation"), choices=select_choices(ORG_KIND_LABELS), default="enterprise")
    org_city = StringField(_l("City"), validators=[Optional(), Length(max=100), no_markup])
    org_country = SelectField(_l("Country"), choices=select_choices(COUNTRY_LABELS), default="CN")
    submit = SubmitField(_l("Create account"))

    NEW_ORG = "__new__"

    def validate_role(self, field) -> None:
        if field.data not in ROLE_LABELS or field.data == "admin":
            raise ValidationError(_l("Choose one of the roles offered."))

    def validate_organisation(self, field) -> None:
        valid = {choice.value for choice in field.iter_choices()}
        if field.data not in valid:
            raise ValidationError(_l("Choose an organisation from the list."))
        if field.data == self.NEW_ORG:
            if not (self.org_name_zh.data or self.org_name_en.data):
                raise ValidationError(_l("Tell us about the new organisation below."))
            if self.org_kind.data not in ORG_KINDS:
                raise ValidationError(_l("Choose a kind of organisation."))
        elif not field.data and self.role.data in ("enterprise", "center"):
            raise ValidationError(_l("Enterprises and centers belong to an organisation: pick one or propose a new one."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.organisation.data == self.NEW_ORG and not (self.org_name_zh.data or self.org_name_en.data):
            # Added after super(): WTForms resets a field's errors when it validates that field.
            self.org_name_zh.errors = [*self.org_name_zh.errors, _l("Give the organisation's name in Chinese or English.")]
            valid = False
        return valid


class ProfileForm(BaseForm, ProfileFields):
    submit = SubmitField(_l("Save profile"))


class ChangePasswordForm(BaseForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200), strong_password])
    confirm = PasswordField(_l("Repeat new password"), validators=[DataRequired(), EqualTo("password", _l("The passwords do not match."))])
    submit = SubmitField(_l("Change password"))


class ResetRequestForm(BaseForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Send reset link"))


class ResetPasswordForm(BaseForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200), strong_password])
    confirm = PasswordField(_l("Repeat new password"), validators=[DataRequired(), EqualTo("password", _l("The passwords do not match."))])
    submit = SubmitField(_l("Set new password"))


class ApiTokenForm(BaseForm):
    label = StringField(_l("Label"), validators=[DataRequired(), Length(max=100), no_markup])
    submit = SubmitField(_l("Create token"))
