"""Translated labels of the matching feature."""
from flask_babel import lazy_gettext as _l

RULE_LABELS = {
    "kind_fit": _l("the kind of offer fits the kind of need"),
    "direction_fit": _l("the project's direction leads to Xinjiang"),
    "location_fit": _l("same place in Xinjiang"),
    "stage_fit": _l("the project's stage fits"),
    "budget_fit": _l("funding and budget fit"),
    "freshness": _l("both are recent"),
    "region_fit": _l("the project works in the need's region"),
}

INTRO_STATUS_LABELS = {
    "proposed": _l("interest expressed, awaiting an answer"),
    "accepted": _l("accepted"),
    "declined": _l("declined"),
    "meeting_held": _l("meeting held"),
    "agreement_signed": _l("agreement signed (签约)"),
}
