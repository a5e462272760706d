"""How notifications about introductions (对接) read, in the reader's language
(registered with collab.notifications.messages by collab/subscribers.py)."""
from __future__ import annotations

from flask_babel import gettext as _

from .introductions import DECLINE_LABELS


def introduction_message(kind: str, p: dict) -> str:
    """The sentence of an introduction's notification, in the current locale."""
    from ..i18n import current_lang

    lang = current_lang()
    other = "en" if lang == "zh" else "zh"
    need = p.get(f"need_title_{lang}") or p.get(f"need_title_{other}") or "—"
    project = p.get(f"project_title_{lang}") or p.get(f"project_title_{other}") or "—"
    if kind == "introduction_proposed":
        return _("New interest: “%(need)s” and “%(project)s” could work together. Please answer the introduction.",
                 need=need, project=project)
    if kind == "introduction_accepted":
        return _("Introduction accepted: “%(need)s” and “%(project)s”. You can now see each other's contacts.",
                 need=need, project=project)
    if kind == "introduction_declined":
        return _("Introduction declined (%(reason)s): “%(need)s” and “%(project)s”.",
                 reason=str(DECLINE_LABELS.get(p.get("reason_code"), DECLINE_LABELS["other"])), need=need, project=project)
    if kind == "introduction_meeting_held":
        return _("Meeting held: “%(need)s” and “%(project)s”.", need=need, project=project)
    if kind == "introduction_agreement_signed":
        return _("Agreement signed (签约): “%(need)s” and “%(project)s”.", need=need, project=project)
    return _("You have a new notification.")
