"""Need expiry: the scheduled job expires open needs whose deadline (a Beijing date)
has passed, once, and tells each owner exactly once, however often it runs."""
from __future__ import annotations

from datetime import date, datetime, timezone
from types import SimpleNamespace

import pytest
import time_machine
from sqlalchemy import select

from collab.content.models import StatusChange
from collab.extensions import db
from collab.jobs import run_job
from collab.mail.models import OutboxMessage
from collab.needs.models import Need
from collab.needs.services import expire_overdue
from collab.notifications.models import Notification

from conftest import count_rows
from content_factories import page

CREATED = datetime(2026, 12, 1, 4, 0, tzinfo=timezone.utc)
DEADLINE = date(2026, 12, 5)
# Beijing is UTC+8: the deadline day ends at 16:00 UTC.
LAST_MINUTE = datetime(2026, 12, 5, 15, 59, tzinfo=timezone.utc)
NEXT_DAY = datetime(2026, 12, 5, 16, 0, tzinfo=timezone.utc)
LATER = datetime(2026, 12, 9, 3, 0, tzinfo=timezone.utc)


def status_of(need_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Need, need_id).status


def notifications_of(user_id: int) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user_id)))


@pytest.fixture
def owners(create_user):
    return {"zh": create_user(role="enterprise", locale="zh", display_name="阿依古丽"),
            "en": create_user(role="enterprise", locale="en", display_name="Ayse")}


@pytest.fixture
def who(owners):
    """(id, e-mail) of each owner, still readable after a job has closed the session."""
    return {lang: SimpleNamespace(id=user.id, email=user.email) for lang, user in owners.items()}


@pytest.fixture
def needs(owners, make_need):
    """Needs in every status, created on 1 December; most are due on 5 December."""
    with time_machine.travel(CREATED, tick=False):
        made = {
            "open": make_need(owners["zh"], "open", deadline=DEADLINE, title_zh="过期需求", title_en="Overdue need"),
            "in_talks": make_need(owners["en"], "in_talks", deadline=DEADLINE, title_en="Overdue talks"),
            "future": make_need(owners["zh"], "open", deadline=date(2026, 12, 20)),
            "draft": make_need(owners["zh"], "draft", deadline=date(2026, 12, 3)),
            "pending": make_need(owners["en"], "pending_review", deadline=date(2026, 12, 3)),
            "fulfilled": make_need(owners["en"], "fulfilled", deadline=date(2026, 12, 3)),
            "withdrawn": make_need(owners["zh"], "withdrawn", deadline=date(2026, 12, 3)),
        }
    return {name: need.id for name, need in made.items()}


def test_the_job_expires_overdue_needs_once_and_tells_each_owner_once(app, who, needs, outbox):
    mails_before = len(outbox())
    with time_machine.travel(LATER, tick=False):
        assert run_job(app, "expire_needs") == 2
        assert run_job(app, "expire_needs") == 0  # twice: nothing more
    statuses = {name: status_of(need_id) for name, need_id in needs.items()}
    assert statuses == {"open": "expired", "in_talks": "expired", "future": "open", "draft": "draft",
                        "pending": "pending_review", "fulfilled": "fulfilled", "withdrawn": "withdrawn"}
    zh_notes = notifications_of(who["zh"].id)
    en_notes = notifications_of(who["en"].id)
    assert [(n.kind, n.params["item_id"]) for n in zh_notes] == [("need_expired", needs["open"])]
    assert [(n.kind, n.params["item_id"]) for n in en_notes] == [("need_expired", needs["in_talks"])]
    mails = outbox()[mails_before:]
    assert sorted((m.recipient, m.locale) for m in mails) == sorted([(who["zh"].email, "zh"), (who["en"].email, "en")])
    zh_mail = next(m for m in mails if m.locale == "zh")
    assert "过期需求" in zh_mail.subject and "已过截止日期" in zh_mail.subject
    en_mail = next(m for m in mails if m.locale == "en")
    assert "“Overdue talks” passed its deadline and has expired." in en_mail.subject


def test_the_expiry_is_recorded_as_automatic(app, client, needs):
    with time_machine.travel(LATER, tick=False):
        run_job(app, "expire_needs")
    last = db.session.scalars(select(StatusChange).where(StatusChange.item_type == "need",
                                                         StatusChange.item_id == needs["open"])
                              .order_by(StatusChange.id.desc())).first()
    assert (last.from_status, last.to_status, last.actor_id) == ("open", "expired", None)
    assert last.created_at == LATER
    text = page(client.get(f"/en/needs/{needs['open']}"))
    assert "Expired" in text and "automatically" in text
    # Expired needs leave the default listing but stay findable by status.
    assert f"/en/needs/{needs['open']}\"" not in page(client.get("/en/needs/"))
    assert f"/en/needs/{needs['open']}\"" in page(client.get("/en/needs/?status=expired"))


def test_deadlines_are_judged_in_beijing_time(app, needs):
    with time_machine.travel(LAST_MINUTE, tick=False):
        assert run_job(app, "expire_needs") == 0
    assert status_of(needs["open"]) == "open"
    with time_machine.travel(NEXT_DAY, tick=False):
        assert run_job(app, "expire_needs") == 2
    assert status_of(needs["open"]) == "expired"


def test_nothing_expires_before_the_deadline_has_passed(app, needs):
    with time_machine.travel(datetime(2026, 12, 5, 4, 0, tzinfo=timezone.utc), tick=False):  # on the deadline day
        assert run_job(app, "expire_needs") == 0
    assert count_rows(Notification) == 0
    assert {status_of(i) for i in needs.values()} == {"open", "in_talks", "draft", "pending_review", "fulfilled",
                                                       "withdrawn"}


def test_the_service_with_an_explicit_clock_is_idempotent_in_one_transaction(app, owners, needs):
    notes_before, mails_before = count_rows(Notification), count_rows(OutboxMessage)
    with app.test_request_context("/", method="POST"):
        assert expire_overdue(LATER) == 2
        assert expire_overdue(LATER) == 0
        db.session.commit()
    assert count_rows(Notification) == notes_before + 2
    assert count_rows(OutboxMessage) == mails_before + 2


def test_a_second_run_does_not_notify_even_if_a_need_is_reopened_by_mistake(app, who, needs):
    """The notification's key is the need: an owner is never told twice about one need."""
    with time_machine.travel(LATER, tick=False):
        run_job(app, "expire_needs")
        need = db.session.get(Need, needs["open"])
        need.status = "open"  # as if an old worker read it before the first run committed
        db.session.commit()
        run_job(app, "expire_needs")
    assert len(notifications_of(who["zh"].id)) == 1


def test_the_owner_reads_the_expiry_in_their_language(app, client, login, who, needs):
    from collab.auth.models import User

    with time_machine.travel(LATER, tick=False):
        run_job(app, "expire_needs")
    login(db.session.get(User, who["zh"].id))
    text = page(client.get("/zh/notifications"))
    assert "您的需求“过期需求”已过截止日期，现已过期。" in text
    assert 'id="unread-badge">1' in text


def test_an_expired_need_is_no_longer_moved_by_its_owner(app, client, login, who, needs):
    from collab.auth.models import User

    with time_machine.travel(LATER, tick=False):
        run_job(app, "expire_needs")
        login(db.session.get(User, who["zh"].id))
        for target in ("open", "in_talks", "fulfilled", "withdrawn"):
            client.post(f"/en/needs/{needs['open']}/transition", data={"to": target})
    assert status_of(needs["open"]) == "expired"
