"""Template globals: bilingual fields, the language switcher, unread counts."""
from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import quote

from flask import request, url_for
from markupsafe import Markup

from .i18n import bilingual_html


def switch_language_url(lang: str) -> str:
    """The current page in another language, with its query string kept."""
    if request.endpoint and request.url_rule and "lang" in request.url_rule.arguments:
        # The raw query string, not request.args: repeated filters (?kind=a&kind=b) survive
        # and no query key can override a path argument or url_for's _anchor/_scheme.
        url = url_for(request.endpoint, **dict(request.view_args or {}, lang=lang))
        query = quote(request.query_string, safe="/?:@!$&'()*+,;=%~")
        return f"{url}?{query}" if query else url
    return url_for("main.home", lang=lang)


def link(href: str, text) -> Markup:
    """An <a> element, for placing a link inside a translated sentence."""
    return Markup('<a href="{href}">{text}</a>').format(href=href, text=text)


def sector_name(code: str) -> str:
    """A sector's name in the reader's language (the taxonomy is small and cached per request)."""
    from flask import g

    from .i18n import current_lang
    from .orgs.services import list_sectors

    if "sector_names" not in g:
        g.sector_names = {s.code: (s.zh, s.en) for s in list_sectors()}
    names = g.sector_names.get(code)
    if names is None:
        return code
    return names[0] if current_lang() == "zh" else names[1]


def unread_notifications() -> int:
    """The unread badge: one indexed count for signed-in users."""
    from flask_login import current_user

    from .notifications.services import unread_count

    return unread_count(current_user) if current_user.is_authenticated else 0


def setup_templates(app) -> None:
    from .content import labels as content_labels
    from .matching import labels as matching_labels
    from .matching.introductions import DECLINE_LABELS
    from .content.labels import REVIEW_REASONS
    from .notifications.messages import link as notification_link, message as notification_message
    from .events import labels as event_labels
    from .orgs import labels as org_labels

    app.jinja_env.globals.update(
        bi=bilingual_html, switch_language_url=switch_language_url, link=link,
        labels=SimpleNamespace(
            org_kind=org_labels.ORG_KIND_LABELS, role=org_labels.ROLE_LABELS,
            membership=org_labels.MEMBERSHIP_LABELS, country=org_labels.COUNTRY_LABELS,
            org_status=org_labels.ORG_STATUS_LABELS, fact=org_labels.fact_label,
            status=content_labels.STATUS_LABELS, transition=content_labels.TRANSITION_LABELS,
            stage=content_labels.STAGE_LABELS, direction=content_labels.DIRECTION_LABELS,
            ip=content_labels.IP_LABELS, seeks=content_labels.SEEKS_LABELS,
            need_kind=content_labels.NEED_KIND_LABELS, visibility=content_labels.VISIBILITY_LABELS,
            location=content_labels.LOCATION_LABELS, review_reason=REVIEW_REASONS,
            match_rule=matching_labels.RULE_LABELS, intro_status=matching_labels.INTRO_STATUS_LABELS,
            decline_reason=DECLINE_LABELS, event_type=event_labels.EVENT_TYPE_LABELS,
            registration=event_labels.REGISTRATION_LABELS, when=event_labels.WHEN_LABELS,
        ),
        sector_name=sector_name,
        notification_message=notification_message, notification_link=notification_link,
        unread_notifications=unread_notifications,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
