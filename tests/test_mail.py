"""E-mail: rendered for its recipient, queued in the outbox, delivered by SMTP exactly once."""
from __future__ import annotations

import smtplib
from datetime import datetime, timezone

import pytest
import time_machine
from flask import g
from flask_babel import force_locale, gettext
from flask_mailman.backends.locmem import EmailBackend as LocmemBackend
from jinja2 import ChoiceLoader, DictLoader

from collab import create_app
from collab.extensions import db
from collab.jobs import run_job
from collab.mail.models import OutboxMessage
from collab.mail.service import deliver_outbox, send_email

from conftest import TEST_CONFIG, count_rows

SESSION_START = datetime(2026, 12, 1, 4, 0, tzinfo=timezone.utc)  # 10:00 Ürümqi, 12:00 Beijing
NOW = datetime(2026, 11, 30, 9, 30, tzinfo=timezone.utc)


def translated(locale: str, message: str) -> str:
    with force_locale(locale):
        return gettext(message)


@pytest.fixture
def probe_template(app):
    """A test-only e-mail template that shows an instant, to see the zone it is rendered in."""
    templates = {
        "email/probe.subject.txt": "{{ _('Hello %(name)s,', name=recipient.display_name) }}",
        "email/probe.txt": "{{ when|datetime('short') }} | {{ url_for('main.home', _external=True) }}",
        "email/probe.html": "<p>{{ when|datetime('short') }}</p>",
    }
    app.jinja_env.loader = ChoiceLoader([DictLoader(templates), app.jinja_env.loader])
    app.jinja_env.cache.clear()
    return "probe"


# --- rendering ---------------------------------------------------------------------

@pytest.mark.parametrize("locale, babel_locale, html_lang", [("zh", "zh_Hans", "zh-Hans"), ("en", "en", "en")])
def test_email_is_written_in_the_recipients_language(app, create_org, create_user, locale, babel_locale, html_lang):
    org = create_org(name_zh="喀什光伏", name_en="Kashgar Solar")
    user = create_user(role="enterprise", org=org, locale=locale, display_name="Aynur")
    message = send_email(user, "membership_decided", approved=True, organisation=org)
    db.session.commit()
    assert (message.recipient, message.locale, message.template) == (user.email, locale, "membership_decided")
    assert message.subject == translated(babel_locale, "Your Collab membership is approved")
    assert translated(babel_locale, "Hello %(name)s,") % {"name": "Aynur"} in message.body_text
    assert ("喀什光伏" if locale == "zh" else "Kashgar Solar") in message.body_text
    assert f"http://localhost/{locale}/" in message.body_text
    assert f'<html lang="{html_lang}">' in message.body_html
    assert count_rows(OutboxMessage) == 1


def test_chinese_and_english_recipients_get_their_own_subjects(app, create_user):
    zh_user = create_user(role="mentor", locale="zh")
    en_user = create_user(role="mentor", locale="en")
    zh_message = send_email(zh_user, "reset_password", token="t", max_age_minutes=60)
    en_message = send_email(en_user, "reset_password", token="t", max_age_minutes=60)
    assert en_message.subject == "Reset your Collab password"
    assert zh_message.subject == translated("zh_Hans", "Reset your Collab password")
    if translated("zh_Hans", "Reset your Collab password") != "Reset your Collab password":
        assert zh_message.subject != en_message.subject


def test_an_unknown_locale_falls_back_to_the_default_language(app, create_user):
    user = create_user(role="mentor", locale="fr")
    assert send_email(user, "reset_password", token="t", max_age_minutes=60).locale == "zh"


@pytest.mark.parametrize("zone, shown", [("Asia/Urumqi", "12/1/26, 10:00\u202fAM"),
                                         ("Asia/Shanghai", "12/1/26, 12:00\u202fPM"),
                                         ("Asia/Tashkent", "12/1/26, 9:00\u202fAM"),
                                         ("UTC", "12/1/26, 4:00\u202fAM")])
def test_email_shows_times_in_the_recipients_zone(app, create_user, probe_template, zone, shown):
    user = create_user(role="mentor", locale="en", timezone=zone)
    message = send_email(user, probe_template, when=SESSION_START)
    assert shown in message.body_text
    assert shown in message.body_html


def test_sending_inside_a_request_follows_the_recipient_not_the_sender(app, client, create_user, login,
                                                                      probe_template):
    """An English admin in Beijing time writes to a Chinese member in Xinjiang time."""
    recipient = create_user(role="enterprise", locale="zh", timezone="Asia/Urumqi")
    admin = create_user(role="admin", locale="en", timezone="Asia/Shanghai")
    login(admin)
    with app.test_request_context("/en/organisations/"):
        app.preprocess_request()
        assert g.lang == "en"
        message = send_email(recipient, probe_template, when=SESSION_START)
        assert g.lang == "en"  # the sender's page language is restored afterwards
        assert "/en/organisations/" in app.url_for("orgs.directory")
    assert message.locale == "zh"
    assert "10:00" in message.body_text and "12:00" not in message.body_text
    assert "http://localhost/zh/" in message.body_text
    assert "2026/12/1" in message.body_text  # Chinese date order


def test_email_can_be_written_outside_a_request(app, create_user):
    """Commands and scripts have no request: links then use BASE_URL."""
    user = create_user(role="mentor", locale="en")
    app.config["BASE_URL"] = "https://collab.example.cn"
    message = send_email(user, "reset_password", token="abc", max_age_minutes=60)
    assert "https://collab.example.cn/en/password/reset/abc" in message.body_text


def test_links_are_built_on_base_url_and_its_path_whatever_request_sends_the_mail(app, create_user):
    """A request on another host (or a forged Host header) never reaches a link, and a
    BASE_URL under a path prefix keeps its prefix."""
    user = create_user(role="mentor", locale="zh")
    app.config["BASE_URL"] = "https://collab.example.cn/platform/"
    with app.test_request_context("/en/organisations/", base_url="http://evil.example:8080"):
        app.preprocess_request()
        message = send_email(user, "reset_password", token="abc", max_age_minutes=60)
        assert app.url_for("orgs.directory", _external=True).startswith("http://evil.example:8080/en/")
    assert "https://collab.example.cn/platform/zh/password/reset/abc" in message.body_text
    assert "https://collab.example.cn/platform/zh/password/reset/abc" in message.body_html
    assert "evil.example" not in message.body_text + message.body_html


def test_a_job_writes_notification_mails_with_links_in_the_recipients_language(app, create_user, monkeypatch):
    """Jobs have no request: a notification e-mailed from one links to BASE_URL in the
    recipient's language."""
    from collab import jobs
    from collab.auth.models import User
    from collab.notifications.services import notify

    user_id = create_user(role="enterprise", locale="en").id
    db.session.commit()

    def job():
        notify(db.session.get(User, user_id), "introduction_proposed", item_type="introduction", item_id=7,
               need_title_en="Cold chain", project_title_en="Drones")

    monkeypatch.setitem(jobs.JOBS, "probe", (job, 60, False))
    run_job(app, "probe")
    message = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.user_id == user_id))
    assert "http://localhost/en/introductions/7" in message.body_text
    assert 'href="http://localhost/en/introductions/7"' in message.body_html


# --- delivery ----------------------------------------------------------------------

def test_outbox_delivery_sends_nothing(app, create_user):
    assert app.config["MAIL_DELIVERY"] == "outbox"
    send_email(create_user(role="mentor"), "reset_password", token="t", max_age_minutes=60)
    db.session.commit()
    assert deliver_outbox() == 0
    assert getattr(app.extensions["mailman"], "outbox", []) == []
    assert count_rows(OutboxMessage) == 1
    assert db.session.scalar(db.select(OutboxMessage.sent_at)) is None


class TestSmtpDelivery:
    """MAIL_DELIVERY=smtp hands rows to Flask-Mailman, here with its locmem backend."""

    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "MAIL_DELIVERY": "smtp", "MAIL_BACKEND": "locmem"}

    @pytest.fixture
    def sent(self, app):
        """The messages Flask-Mailman's locmem backend has received."""
        app.extensions["mailman"].outbox = []
        return app.extensions["mailman"].outbox

    @pytest.fixture
    def queued(self, app, create_user):
        zh_user = create_user(role="mentor", locale="zh", email="zh@example.test")
        en_user = create_user(role="mentor", locale="en", email="en@example.test")
        messages = [send_email(user, "reset_password", token="t", max_age_minutes=60)
                    for user in (zh_user, en_user, zh_user)]
        db.session.commit()
        return [m.id for m in messages]

    def test_each_message_is_sent_exactly_once_even_when_run_twice(self, app, queued, sent):
        with time_machine.travel(NOW, tick=False):
            assert deliver_outbox() == 3
            assert deliver_outbox() == 0
        assert [m.to for m in sent] == [["zh@example.test"], ["en@example.test"], ["zh@example.test"]]
        db.session.expire_all()
        rows = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [m.subject for m in sent] == [row.subject for row in rows]
        assert all(row.sent_at == NOW and row.attempts == 1 and row.last_error is None for row in rows)

    def test_the_scheduled_job_delivers_once(self, app, queued, sent):
        assert run_job(app, "deliver_outbox") == 3
        assert run_job(app, "deliver_outbox") == 0
        assert len(sent) == 3

    def test_messages_carry_text_html_and_an_encoded_chinese_subject(self, app, queued, sent):
        deliver_outbox()
        first = sent[0]
        row = db.session.get(OutboxMessage, queued[0])
        assert first.body == row.body_text
        assert first.alternatives[0][1] == "text/html"
        assert first.from_email == app.config["MAIL_DEFAULT_SENDER"]
        mime = first.message()
        assert str(mime["Subject"]).isascii()  # RFC 2047 encoded for any subject
        from email.header import decode_header, make_header
        assert str(make_header(decode_header(mime["Subject"]))) == row.subject

    def test_a_failed_send_gives_the_row_back_for_retry(self, app, queued, sent, monkeypatch):
        def refuse(self, messages):
            raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")

        monkeypatch.setattr(LocmemBackend, "send_messages", refuse)
        assert deliver_outbox() == 0
        db.session.expire_all()
        rows = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert all(row.sent_at is None and row.attempts == 1 for row in rows)
        assert "connection unexpectedly closed" in rows[0].last_error

        monkeypatch.undo()
        assert deliver_outbox() == 3
        assert deliver_outbox() == 0
        assert len(sent) == 3
        db.session.expire_all()
        assert all(row.sent_at is not None and row.attempts == 2 for row in
                   db.session.scalars(db.select(OutboxMessage)))

    def test_a_message_that_keeps_failing_is_given_up_after_five_attempts(self, app, queued, sent, monkeypatch):
        def refuse(self, messages):
            raise smtplib.SMTPRecipientsRefused({})

        monkeypatch.setattr(LocmemBackend, "send_messages", refuse)
        for _ in range(7):
            deliver_outbox()
        db.session.expire_all()
        assert {row.attempts for row in db.session.scalars(db.select(OutboxMessage))} == {5}
        monkeypatch.undo()
        assert deliver_outbox() == 0
        assert sent == []


# --- configuration ---------------------------------------------------------------------

def make_app(tmp_path, **config):
    return create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path / 'config.db'}", **config})


def test_mail_delivery_defaults_to_the_outbox_and_leaves_flask_mailman_alone(tmp_path):
    app = make_app(tmp_path)
    assert app.config["MAIL_DELIVERY"] == "outbox"
    assert app.extensions["mailman"].backend == "locmem"  # Flask-Mailman's own choice when testing


def test_mail_delivery_and_the_flask_mailman_backend_are_separate_settings(tmp_path):
    app = make_app(tmp_path, MAIL_DELIVERY="smtp", MAIL_BACKEND="console")
    assert app.config["MAIL_DELIVERY"] == "smtp"
    assert app.extensions["mailman"].backend == "console"


def test_mail_delivery_is_read_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("COLLAB_MAIL_DELIVERY", "smtp")
    monkeypatch.setenv("COLLAB_MAIL_SERVER", "smtp.example.cn")
    app = make_app(tmp_path)
    assert app.config["MAIL_DELIVERY"] == "smtp"
    assert app.extensions["mailman"].server == "smtp.example.cn"


@pytest.mark.parametrize("legacy, delivery, mailman_backend", [("outbox", "outbox", "locmem"),
                                                                ("smtp", "smtp", "smtp")])
def test_the_old_collab_mail_backend_variable_still_works(tmp_path, monkeypatch, legacy, delivery, mailman_backend):
    monkeypatch.setenv("COLLAB_MAIL_BACKEND", legacy)
    app = make_app(tmp_path)
    assert app.config["MAIL_DELIVERY"] == delivery
    # "outbox" is no Flask-Mailman backend: it must never reach Flask-Mailman.
    assert app.extensions["mailman"].backend == mailman_backend


def test_an_unknown_mail_delivery_is_refused_at_start(tmp_path):
    with pytest.raises(ValueError, match="MAIL_DELIVERY"):
        make_app(tmp_path, MAIL_DELIVERY="smpt")
