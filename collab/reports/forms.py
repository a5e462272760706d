"""The forms of the indicator-report pages: the figures of a report (one field per
indicator the organisation reports, money with its unit: 元, 万元 or 亿元), the choice of
a period, and the review decision.

The figures' fields are plain text: the service (services.clean_values) checks them
all at once and its messages are put next to each field, so the page and the API say
the same thing.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from ..forms import BaseForm, no_markup, select_choices
from .indicators import MONEY_SCALE, UNIT_LABELS, is_money

VALUE_PREFIX, UNIT_PREFIX = "value_", "unit_"
MONEY_UNITS = tuple(MONEY_SCALE)
MONEY_UNIT_LABELS = {"cny": _l("元"), "10k_cny": _l("万元 (10,000 CNY)"), "100m_cny": _l("亿元 (100 million CNY)")}
MAX_FIGURE_LENGTH = 40


class ReportFormBase(BaseForm):
    """A report's figures; ``report_form(indicators)`` adds one field per indicator."""

    period = StringField(_l("Period"), validators=[Optional(), Length(max=16)])
    save = SubmitField(_l("Save as draft"))
    submit_report = SubmitField(_l("Save and submit for review"))

    indicators: list = []

    def value_field(self, indicator):
        return self[VALUE_PREFIX + indicator.code]

    def unit_field(self, indicator):
        return self[UNIT_PREFIX + indicator.code] if is_money(indicator.unit) else None

    def raw_values(self) -> dict:
        """What was typed, by indicator code (blank: cleared)."""
        return {i.code: (self.value_field(i).data or "") for i in self.indicators}

    def units(self) -> dict:
        return {i.code: self.unit_field(i).data for i in self.indicators if is_money(i.unit)}

    def wants_submit(self) -> bool:
        return bool(self.submit_report.data)

    def put_errors(self, fields: dict) -> None:
        """A service's ``InvalidFields`` next to each field (codes), the rest on the period."""
        for name, messages in fields.items():
            target = VALUE_PREFIX + name
            field = self._fields.get(target) or self._fields.get(name) or self.period
            field.errors = [*(field.errors or []), *(str(m) for m in messages)]

    def fill(self, values: dict, units: dict | None = None) -> None:
        """Show ``values`` (the indicators' own units) in the fields."""
        from .indicators import plain_number

        for indicator in self.indicators:
            value = values.get(indicator.code)
            self.value_field(indicator).data = "" if value is None else str(plain_number(value))
            unit_field = self.unit_field(indicator)
            if unit_field is not None:
                unit_field.data = (units or {}).get(indicator.code) or indicator.unit


def report_form(indicators, **kwargs) -> ReportFormBase:
    """A form with a text field per indicator and a unit select per money indicator
    (defaulting to the indicator's own unit)."""

    class ReportForm(ReportFormBase):
        pass

    for indicator in indicators:
        setattr(ReportForm, VALUE_PREFIX + indicator.code,
                StringField(_l("Figure"), validators=[Optional(), Length(max=MAX_FIGURE_LENGTH)]))
        if is_money(indicator.unit):
            setattr(ReportForm, UNIT_PREFIX + indicator.code,
                    SelectField(_l("Unit"), choices=select_choices(MONEY_UNIT_LABELS), default=indicator.unit,
                                validate_choice=False))
    form = ReportForm(**kwargs)
    form.indicators = list(indicators)
    for indicator in indicators:
        unit_field = form.unit_field(indicator)
        if unit_field is not None and unit_field.data not in MONEY_UNITS:
            # Anything else is refused by the service, next to the figure.
            unit_field.data = unit_field.data or indicator.unit
    return form


class ReviewForm(BaseForm):
    """Accept, or return with a comment (the service requires it when returning)."""

    comment = TextAreaField(_l("Comment to the filers"), validators=[Length(max=2000), no_markup],
                            description=_l("Required when returning the report: say what needs correcting."))
    accept = SubmitField(_l("Accept"))
    send_back = SubmitField(_l("Return for correction"))

    def decision(self) -> str | None:
        if self.accept.data:
            return "accept"
        if self.send_back.data:
            return "return"
        return None


def unit_label(unit: str) -> str:
    return str(UNIT_LABELS.get(unit, unit))


STATUS_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted, awaiting review"),
    "returned": _l("Returned for correction"),
    "accepted": _l("Accepted"),
}
STATUS_BADGES = {"draft": "secondary", "submitted": "info", "returned": "warning", "accepted": "success"}
HISTORY_LABELS = {
    "draft": _l("Started"),
    "submitted": _l("Submitted"),
    "returned": _l("Returned"),
    "accepted": _l("Accepted"),
}
