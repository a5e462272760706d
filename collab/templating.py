"""Template globals: bilingual fields, the language switcher, unread counts."""
from __future__ import annotations

from types import SimpleNamespace

from flask import request, url_for
from markupsafe import Markup

from .i18n import bilingual_html


def switch_language_url(lang: str) -> str:
    """The current page in another language, with its query string kept."""
    if request.endpoint and request.url_rule and "lang" in request.url_rule.arguments:
        args = dict(request.view_args or {})
        args.update(request.args.to_dict(flat=True))
        args["lang"] = lang
        return url_for(request.endpoint, **args)
    return url_for("main.home", lang=lang)


def link(href: str, text) -> Markup:
    """An <a> element, for placing a link inside a translated sentence."""
    return Markup('<a href="{href}">{text}</a>').format(href=href, text=text)


def setup_templates(app) -> None:
    from .orgs import labels as org_labels

    app.jinja_env.globals.update(
        bi=bilingual_html, switch_language_url=switch_language_url, link=link,
        labels=SimpleNamespace(
            org_kind=org_labels.ORG_KIND_LABELS, role=org_labels.ROLE_LABELS,
            membership=org_labels.MEMBERSHIP_LABELS, country=org_labels.COUNTRY_LABELS,
            org_status=org_labels.ORG_STATUS_LABELS, fact=org_labels.fact_label,
        ),
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
