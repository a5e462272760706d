"""E-mail: every message is rendered in its recipient's language and time zone and
written to the outbox table in the caller's transaction; a scheduled job hands
unsent rows to SMTP when ``MAIL_DELIVERY`` is ``smtp``."""
from __future__ import annotations

import logging
from contextlib import contextmanager

from flask import current_app, render_template
from flask_babel import force_locale
from flask_mailman import EmailMultiAlternatives
from sqlalchemy import select, update

from ..db import utcnow
from ..extensions import db
from .models import OutboxMessage

logger = logging.getLogger("collab.mail")


def _recipient_settings(user) -> tuple[str, str]:
    lang = user.locale if user.locale in current_app.config["LANGUAGES"] else current_app.config["DEFAULT_LANGUAGE"]
    return lang, user.timezone


def send_email(user, template: str, **context) -> OutboxMessage:
    """Render ``email/<template>.{subject,txt,html}`` for ``user`` and queue it."""
    lang, tz = _recipient_settings(user)
    return send_email_to(user.email, lang, tz, template, user=user, **context)


def send_email_to(address: str, lang: str, tz: str, template: str, user=None, ics: str | None = None,
                  **context) -> OutboxMessage:
    """Queue a message to an address in the given language and zone (``ics``: a calendar part)."""
    from flask import g, has_request_context, request

    base_url = current_app.config["BASE_URL"]
    if not has_request_context() or request.url_root.rstrip("/") != base_url.rstrip("/"):
        # Links in the message point at BASE_URL: outside a request there is no host, and
        # inside one the Host header is the sender's to forge (password-reset poisoning).
        # POST marks it a write path for SQLite's BEGIN IMMEDIATE.
        with current_app.test_request_context(base_url=base_url, method="POST"):
            return send_email_to(address, lang, tz, template, user=user, ics=ics, **context)
    locale = current_app.config["LANGUAGES"][lang]
    previous_lang = g.get("lang")
    # Links and dates inside the message follow the recipient, not the sender.
    g.lang = lang
    try:
        with force_locale(locale), force_timezone(tz):
            ctx = dict(context, recipient=user, lang=lang)
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
    """Render dates in ``tz`` (Flask-Babel caches the zone in its context, as pytz)."""
    import pytz
    from flask_babel import _get_current_context

    ctx = _get_current_context()
    saved = getattr(ctx, "babel_tzinfo", None)
    ctx.babel_tzinfo = pytz.timezone(tz)
    try:
        yield
    finally:
        ctx.babel_tzinfo = saved


def deliver_outbox(limit: int = 50) -> int:
    """Send queued messages through SMTP; each row is claimed atomically, so two
    runs never send one message twice. Returns how many were sent."""
    if current_app.config["MAIL_DELIVERY"] != "smtp":
        return 0
    ids = db.session.scalars(
        select(OutboxMessage.id).where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < 5)
        .order_by(OutboxMessage.id).limit(limit)
    ).all()
    db.session.commit()
    sent = 0
    for message_id in ids:
        claimed = db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None))
            .values(sent_at=utcnow(), attempts=OutboxMessage.attempts + 1)
        ).rowcount
        db.session.commit()
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
            if message.ics:  # an invitation (STACK.md): a text/calendar part with its iTIP method
                method = "CANCEL" if "METHOD:CANCEL" in message.ics else "REQUEST"
                email.attach_alternative(message.ics, f"text/calendar; method={method}")
                email.attach("invite.ics", message.ics, "application/ics")
            email.send()
            sent += 1
        except Exception as error:  # give the row back for a later attempt
            logger.warning("smtp delivery failed for message %s: %s", message_id, error)
            message.sent_at = None
            message.last_error = str(error)[:1000]
            db.session.commit()
    return sent
