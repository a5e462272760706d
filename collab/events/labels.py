"""Translated labels of the codes events use."""
from flask_babel import lazy_gettext as _l

EVENT_TYPE_LABELS = {
    "matchmaking": _l("Matchmaking day (供需对接会)"),
    "roadshow": _l("Roadshow (路演)"),
    "talent": _l("Talent day (人才对接会)"),
    "training": _l("Training or salon (培训/沙龙)"),
    "competition": _l("Competition (创新创业大赛)"),
}

REGISTRATION_LABELS = {
    "registered": _l("Registered"),
    "waitlisted": _l("On the waiting list"),
    "cancelled": _l("Cancelled"),
}

WHEN_LABELS = {
    "upcoming": _l("Upcoming"),
    "past": _l("Past"),
}
