"""The contract form of an introduction's signing (签约). The fields take text;
collab/matching/contracts.py checks every rule (the API uses the same checks) and its
messages come back beside each field."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField
from wtforms.widgets import DateInput, NumberInput

from ..forms import BaseForm, select_choices
from .contracts import CONTRACT_TYPE_LABELS, FIELDS


class ContractForm(BaseForm):
    contract_type = SelectField(_l("Kind of contract"), validate_choice=False,
                                choices=select_choices({"": _l("— choose a kind —"), **CONTRACT_TYPE_LABELS}))
    contract_value_cny = StringField(_l("Contract value (CNY)"), widget=NumberInput(min=0, step=1),
                                     render_kw={"inputmode": "numeric"})
    signed_on = StringField(_l("Date signed"), widget=DateInput())
    submit = SubmitField(_l("Agreement signed (签约)"))

    def contract_data(self) -> dict:
        return {name: self[name].data for name in FIELDS}
