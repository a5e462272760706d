"""How the notifications of indicator reports read (registered with
collab.notifications.messages by collab/subscribers.py): submitted (to the reviewers),
accepted and returned (to the filers)."""
from __future__ import annotations

from flask_babel import gettext as _


def _organisation(params: dict) -> str:
    from ..i18n import current_lang

    lang = current_lang()
    other = "en" if lang == "zh" else "zh"
    return params.get(f"title_{lang}") or params.get(f"title_{other}") or "—"


def _period(params: dict) -> str:
    from .indicators import parse_period

    period = parse_period(params.get("period"))
    return period.label if period is not None else (params.get("period") or "—")


def report_message(kind: str, p: dict) -> str:
    """The sentence of a report's notification, in the current locale."""
    names = {"organisation": _organisation(p), "period": _period(p), "version": p.get("version") or 1}
    if kind == "report_submitted":
        return _("%(organisation)s submitted its indicator report for %(period)s (version %(version)s) for review.",
                 **names)
    if kind == "report_accepted":
        if p.get("comment"):
            return _("The indicator report of %(organisation)s for %(period)s (version %(version)s) is accepted: "
                     "%(comment)s", comment=p["comment"], **names)
        return _("The indicator report of %(organisation)s for %(period)s (version %(version)s) is accepted.",
                 **names)
    if kind == "report_returned":
        return _("The indicator report of %(organisation)s for %(period)s (version %(version)s) was returned for "
                 "correction: %(comment)s", comment=p.get("comment") or "—", **names)
    return _("You have a new notification.")
