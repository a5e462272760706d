"""The text of each kind of notification, rendered in the reader's language."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..content.labels import REVIEW_REASONS, status_label


ITEM_LABELS = {"project": _l("project"), "need": _l("need"), "event": _l("event")}

# Other features' kinds of notification, by the prefix of their kind ("introduction_"):
# prefix -> render(kind, params). collab/subscribers.py registers them, so this module
# imports none of those features.
RENDERERS: dict = {}


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
        return _("An administrator moved your %(item)s “%(title)s” to “%(status)s”.",
                 item=ITEM_LABELS.get(p.get("item_type"), ""), title=title, status=status_label(p.get("to_status", "")))
    for prefix, render in RENDERERS.items():
        if kind.startswith(prefix):
            return render(kind, p)
    return _("You have a new notification.")


def link(notification, external: bool = False) -> str | None:
    """Where the notification leads: a path for pages, an absolute URL on BASE_URL for
    e-mails (``external``; built without a request, so jobs can send them)."""
    from ..mail.service import external_url_for

    build = external_url_for if external else url_for
    p = notification.params or {}
    if p.get("item_type") == "project" and p.get("item_id"):
        return build("projects.detail", project_id=p["item_id"])
    if p.get("item_type") == "need" and p.get("item_id"):
        return build("needs.detail", need_id=p["item_id"])
    if p.get("item_type") == "event" and p.get("item_id"):
        return build("events.agenda" if notification.kind == "event_agenda" else "events.detail", event_id=p["item_id"])
    if p.get("item_type") == "introduction" and p.get("item_id"):
        return build("matching.introduction", intro_id=p["item_id"])
    if p.get("item_type") == "report" and p.get("item_id"):
        return build("reports.report", report_id=p["item_id"])
    return None
