"""E-mail: every message is rendered in its recipient's language and time zone, with
links on BASE_URL, and written to the outbox table in the caller's transaction; a
scheduled job hands unsent rows to SMTP when ``MAIL_DELIVERY`` is ``smtp``."""
from __future__ import annotations

import logging
from contextlib import contextmanager
from urllib.parse import quote, urlsplit

from flask import current_app, g, render_template
from flask_babel import force_locale
from flask_mailman import EmailMultiAlternatives
from sqlalchemy import select, update

from ..db import utcnow
from ..extensions import db
from ..unit_of_work import commit
from .models import OutboxMessage

logger = logging.getLogger("collab.mail")


def _recipient_settings(user) -> tuple[str, str]:
    lang = user.locale if user.locale in current_app.config["LANGUAGES"] else current_app.config["DEFAULT_LANGUAGE"]
    return lang, user.timezone


def send_email(user, template: str, **context) -> OutboxMessage:
    """Render ``email/<template>.{subject,txt,html}`` for ``user`` and queue it."""
    lang, tz = _recipient_settings(user)
    return send_email_to(user.email, lang, tz, template, user=user, **context)


def external_url_for(endpoint: str, **values) -> str:
    """An absolute URL on BASE_URL, the ``url_for`` of e-mails (and of anything else built
    outside a request, such as a job): it needs only the app context, and inside a request
    it ignores the request's Host header, which is the sender's to forge (password-reset
    poisoning). ``lang`` defaults to the current language (the recipient's, in e-mails)."""
    from ..i18n import current_lang

    app = current_app
    values = {name: value for name, value in values.items() if name not in ("_external", "_method")}
    anchor, scheme = values.pop("_anchor", None), values.pop("_scheme", None)
    if "lang" not in values and app.url_map.is_endpoint_expecting(endpoint, "lang"):
        values["lang"] = current_lang()
    app.inject_url_defaults(endpoint, values)
    base = urlsplit(app.config["BASE_URL"])
    adapter = app.url_map.bind(base.netloc, script_name=base.path.rstrip("/") or "/",
                               url_scheme=base.scheme or "http")
    url = adapter.build(endpoint, values, url_scheme=scheme, force_external=True)
    if anchor is not None:
        url += "#" + quote(anchor, safe="%!#$&'()*+,/:;=?@")
    return url


def send_email_to(address: str, lang: str, tz: str, template: str, user=None, ics: str | None = None,
                  **context) -> OutboxMessage:
    """Queue a message to an address in the given language and zone (``ics``: a calendar part).

    Rendered in the app context alone: no request is needed (jobs and commands send mail
    too), and links are built on BASE_URL whatever request is sending it."""
    locale = current_app.config["LANGUAGES"][lang]
    previous_lang = g.get("lang")
    # Links and dates inside the message follow the recipient, not the sender.
    g.lang = lang
    try:
        with force_locale(locale), force_timezone(tz):
            ctx = dict(context, recipient=user, lang=lang, url_for=external_url_for)
            subject = render_template(f"email/{template}.subject.txt", **ctx).strip()
            body_text = render_template(f"email/{template}.txt", **ctx)
            body_html = render_template(f"email/{template}.html", **ctx)
    finally:
        if previous_lang is None:
            g.pop("lang", None)
        else:
            g.lang = previous_lang
    message = OutboxMessage(
        recipient=address, user_id=getattr(user, "id", None), locale=lang,
        template=template, subject=" ".join(subject.split()), body_text=body_text, body_html=body_html,
        ics=ics,
    )
    db.session.add(message)
    db.session.flush()
    return message


@contextmanager
def force_timezone(tz: str):
    """Render dates in ``tz``: the zone collab.i18n's formatting helpers use inside the block."""
    from ..i18n import force_timezone as forced

    with forced(tz):
        yield


def deliver_outbox(limit: int = 50) -> int:
    """Send queued messages through SMTP; each row is claimed atomically, so two
    runs never send one message twice. Returns how many were sent."""
    if current_app.config["MAIL_DELIVERY"] != "smtp":
        return 0
    ids = db.session.scalars(
        select(OutboxMessage.id).where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < 5)
        .order_by(OutboxMessage.id).limit(limit)
    ).all()
    commit()  # by design, each message below is claimed and settled in a transaction of its own
    sent = 0
    for message_id in ids:
        claimed = db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None))
            .values(sent_at=utcnow(), attempts=OutboxMessage.attempts + 1)
        ).rowcount
        commit()
        if not claimed:
            continue
        message = db.session.get(OutboxMessage, message_id)
        try:
            email = EmailMultiAlternatives(
                subject=message.subject, body=message.body_text,
                from_email=current_app.config["MAIL_DEFAULT_SENDER"], to=[message.recipient],
            )
            if message.body_html:
                email.attach_alternative(message.body_html, "text/html")
            if message.ics:  # an invitation (docs/STACK.md): a text/calendar part with its iTIP method
                method = "CANCEL" if "METHOD:CANCEL" in message.ics else "REQUEST"
                email.attach_alternative(message.ics, f"text/calendar; method={method}")
                email.attach("invite.ics", message.ics, "application/ics")
            email.send()
            sent += 1
        except Exception as error:  # give the row back for a later attempt
            logger.warning("smtp delivery failed for message %s: %s", message_id, error)
            message.sent_at = None
            message.last_error = str(error)[:1000]
            commit()
    return sent
