"""Form plumbing shared by every feature: stripped input, refused control
characters (PostgreSQL rejects NUL, docs/STACK.md), select choices and reusable validators."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import ValidationError

from .i18n import is_valid_timezone, timezone_choices

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip(value):
    return value.strip() if isinstance(value, str) else value


class BaseForm(FlaskForm):
    """Every Collab form: strips text and refuses control characters."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            if issubclass(unbound_field.field_class, (StringField, TextAreaField)):
                options["filters"] = [strip, *options.get("filters", ())]
            return unbound_field.bind(form=form, **options)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field.data, str) and _CONTROL.search(field.data):
                field.errors = [*field.errors, _l("This text contains characters that are not allowed.")]
                valid = False
        return valid

    def put_errors(self, fields: dict) -> None:
        """A service's ``InvalidFields`` beside the fields they name; any other above the form."""
        for name, messages in fields.items():
            texts = [str(m) for m in messages]
            if name in self:
                self[name].errors = [*self[name].errors, *texts]
            else:
                self.form_errors.append(" ".join(texts))

    def first_errors(self) -> dict[str, list[str]]:
        return {name: [str(e) for e in errors] for name, errors in self.errors.items()}


def select_choices(labels: Mapping | Iterable[tuple]) -> list[SelectChoice]:
    """The options of a SelectField, RadioField or SelectMultipleField from a {value: label}
    mapping or (value, label) pairs, in their order. WTForms takes SelectChoice objects:
    (value, label) tuples are deprecated since 3.3 and removed in 3.4; {value: label}
    itself only works while every label is a plain str (a lazy_gettext label is not)."""
    pairs = labels.items() if isinstance(labels, Mapping) else labels
    return [SelectChoice(value, label) for value, label in pairs]


def timezone_select_choices() -> list[SelectChoice]:
    """The time-zone options (the network's zones first): a ``choices=`` callable, so the
    labels are translated for each form."""
    return select_choices(timezone_choices())


class TimezoneField(SelectField):
    """An IANA zone picked from the list; ``valid_timezone`` gives the one translated message
    (WTForms' own "Not a valid choice" would come on top of it)."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators=[valid_timezone, *(validators or [])],
                         choices=timezone_select_choices, **kwargs)

    def pre_validate(self, form) -> None:
        """``valid_timezone`` checks the value."""


def valid_timezone(form, field: Field) -> None:
    if not field.data or not is_valid_timezone(field.data):
        raise ValidationError(_l("Choose a valid time zone, such as Asia/Urumqi."))


_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")


def no_markup(form, field: Field) -> None:
    """Plain-text fields refuse HTML tags instead of storing them."""
    if field.data and _TAG.search(field.data):
        raise ValidationError(_l("Please write plain text without HTML tags."))
