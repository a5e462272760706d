"""The text of each kind of notification, rendered in the reader's language."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

REVIEW_REASONS = {
    "incomplete": _l("Incomplete information"),
    "not_in_scope": _l("Not in the scope of the network"),
    "duplicate": _l("Duplicate of another post"),
    "unclear": _l("Unclear description"),
    "confidential": _l("Contains confidential information"),
    "other": _l("Other reason"),
}

ITEM_LABELS = {"project": _l("project"), "need": _l("need")}


def _title(params: dict) -> str:
    from ..i18n import current_lang

    lang = current_lang()
    other = "en" if lang == "zh" else "zh"
    return params.get(f"title_{lang}") or params.get(f"title_{other}") or "—"


def message(notification) -> str:
    """One sentence for the notification, in the current locale."""
    p = notification.params or {}
    title = _title(p)
    kind = notification.kind
    if kind == "review_approved":
        return _("Your %(item)s “%(title)s” was approved and is now public.", item=ITEM_LABELS.get(p.get("item_type"), ""), title=title)
    if kind == "review_rejected":
        reason = str(REVIEW_REASONS.get(p.get("reason_code"), REVIEW_REASONS["other"]))
        if p.get("note"):
            return _("Your %(item)s “%(title)s” was not approved: %(reason)s — %(note)s",
                     item=ITEM_LABELS.get(p.get("item_type"), ""), title=title, reason=reason, note=p["note"])
        return _("Your %(item)s “%(title)s” was not approved: %(reason)s",
                 item=ITEM_LABELS.get(p.get("item_type"), ""), title=title, reason=reason)
    if kind == "need_expired":
        return _("Your need “%(title)s” passed its deadline and has expired.", title=title)
    if kind == "status_changed":
        from ..content.labels import status_label

        return _("An administrator moved your %(item)s “%(title)s” to “%(status)s”.",
                 item=ITEM_LABELS.get(p.get("item_type"), ""), title=title, status=status_label(p.get("to_status", "")))
    if kind.startswith("introduction_"):
        return _introduction_message(kind, p)
    return _("You have a new notification.")


def _introduction_message(kind: str, p: dict) -> str:
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
        from ..matching.introductions import DECLINE_LABELS

        return _("Introduction declined (%(reason)s): “%(need)s” and “%(project)s”.",
                 reason=str(DECLINE_LABELS.get(p.get("reason_code"), DECLINE_LABELS["other"])), need=need, project=project)
    if kind == "introduction_meeting_held":
        return _("Meeting held: “%(need)s” and “%(project)s”.", need=need, project=project)
    if kind == "introduction_agreement_signed":
        return _("Agreement signed (签约): “%(need)s” and “%(project)s”.", need=need, project=project)
    return _("You have a new notification.")


def link(notification, external: bool = False) -> str | None:
    p = notification.params or {}
    if p.get("item_type") == "project" and p.get("item_id"):
        return url_for("projects.detail", project_id=p["item_id"], _external=external)
    if p.get("item_type") == "need" and p.get("item_id"):
        return url_for("needs.detail", need_id=p["item_id"], _external=external)
    if p.get("item_type") == "introduction" and p.get("item_id"):
        return url_for("matching.introduction", intro_id=p["item_id"], _external=external)
    return None
