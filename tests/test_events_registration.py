"""What registrants are told, in-app and by e-mail, in their own language and zone, with
the event's .ics where a calendar can use it: confirmation, the waiting list, moving up
(once per move), a new time or place (and nothing for other edits), the event's
cancellation, their own cancellation, and the day-before reminder (exactly once, even
when the job runs twice or twice at once). (The acceptance's race — 100 people register
at once for 30 places, then 10 cancel at once — is tests/test_events_race.py.)

The clock is frozen at NOW (Tuesday 1 December 2026, 00:00 UTC); the event starts a
week later at 03:00 UTC: 09:00 in Ürümqi (its zone), 11:00 in Beijing, 08:00 in Tashkent.
"""
from __future__ import annotations

import html
import threading
from datetime import datetime, timedelta, timezone

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from collab.content import services as content
from collab.events import services
from collab.events.models import Event, Registration
from collab.extensions import db
from collab.jobs import run_job
from collab.notifications.models import Notification

START = datetime(2026, 12, 8, 3, 0, tzinfo=timezone.utc)

# The recipients: a Chinese reader in Beijing, an English reader in Tashkent.
READERS = {
    "zh": {"timezone": "Asia/Shanghai", "title": "新疆—大连科技成果对接会", "date": "2026年12月8日",
           "here": "11:00 北京时间", "there": "09:00 新疆时间", "beside": "（09:00 新疆时间）", "babel": "zh_Hans", "html_lang": "zh-Hans"},
    "en": {"timezone": "Asia/Tashkent", "title": "Xinjiang–Dalian technology matching day", "date": "Dec 8, 2026",
           "here": "08:00 Tashkent time", "there": "09:00 Xinjiang time", "beside": "(09:00 Xinjiang time)", "babel": "en", "html_lang": "en"},
}


def translated(locale: str, message: str, **params) -> str:
    with force_locale(locale):
        return gettext(message, **params)


@pytest.fixture
def host(frozen, organiser):
    """An approved staff member of a base, who organises the event."""
    return organiser()


@pytest.fixture
def event_of(host, make_event):
    """event_of(**fields) -> a published event of ``host`` a week ahead (capacity 30)."""

    def make(**fields):
        event = make_event(host, **fields)
        assert event.starts_at == START
        return event

    return make


@pytest.fixture
def reader(create_user):
    """reader(lang) -> a user reading in ``lang`` in that reader's zone."""

    def make(lang: str, **fields):
        fields.setdefault("timezone", READERS[lang]["timezone"])
        return create_user(locale=lang, **fields)

    return make


def notes(user, kind: str | None = None) -> list[Notification]:
    """``user``'s notifications (``user``: a User or its id: run_job detaches ORM objects)."""
    db.session.expire_all()
    user_id = user if isinstance(user, int) else user.id
    statement = select(Notification).where(Notification.user_id == user_id).order_by(Notification.id)
    if kind:
        statement = statement.where(Notification.kind == kind)
    return list(db.session.scalars(statement))


def mails_to(outbox, user) -> list:
    """E-mails to ``user`` (a User or an address), oldest first."""
    address = user if isinstance(user, str) else user.email
    return [m for m in outbox() if m.recipient == address]


def register(event, user):
    registration = services.register(event, user)
    db.session.commit()
    return registration


def assert_written_for(mail, lang: str) -> None:
    """The e-mail is in the reader's language and names the start in their zone, with
    the event's own zone beside it."""
    reader = READERS[lang]
    assert mail.locale == lang
    assert f'<html lang="{reader["html_lang"]}">' in mail.body_html
    text = html.unescape(mail.body_text)
    from collab.auth.models import User

    name = db.session.get(User, mail.user_id).display_name
    assert translated(reader["babel"], "Hello %(name)s,", name=name) in text
    assert reader["title"] in mail.subject and reader["title"] in text
    assert reader["date"] in text
    assert reader["here"] in text and reader["beside"] in text


def assert_calendar(mail, lang: str, *, method: str = "PUBLISH", start: str = "20261208T090000") -> None:
    assert mail.ics is not None and mail.ics.startswith("BEGIN:VCALENDAR")
    assert f"METHOD:{method}" in mail.ics
    assert f"DTSTART;TZID=Asia/Urumqi:{start}" in mail.ics
    assert f"SUMMARY:{READERS[lang]['title']}" in mail.ics


# --- registering, the waiting list, moving up ---------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_registrant_is_told_in_their_language_and_zone_with_the_calendar(app, event_of, reader, outbox, lang):
    event = event_of()
    person = reader(lang)
    register(event, person)
    [note] = notes(person)
    assert note.kind == "event_registered" and note.params["item_id"] == event.id
    [mail] = mails_to(outbox, person)
    assert_written_for(mail, lang)
    assert_calendar(mail, lang)
    assert f"http://localhost/{lang}/events/{event.id}" in mail.body_text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_in_app_notice_reads_in_the_readers_language_and_zone(app, client, login, event_of, reader, lang):
    event = event_of()
    person = reader(lang)
    register(event, person)
    login(person, lang=lang)
    page = html.unescape(client.get(f"/{lang}/notifications").get_data(as_text=True))
    assert READERS[lang]["title"] in page
    assert READERS[lang]["here"] in page and READERS[lang]["there"] in page


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_beyond_capacity_the_waiting_list_notice_gives_the_position_and_no_calendar(app, event_of, reader, outbox,
                                                                                  create_user, lang):
    event = event_of(capacity=1)
    register(event, create_user())
    person = reader(lang)
    registration = register(event, person)
    assert registration.status == "waitlisted"
    [note] = notes(person)
    assert note.kind == "event_waitlisted" and note.params["position"] == 1
    [mail] = mails_to(outbox, person)
    assert mail.locale == lang and READERS[lang]["title"] in mail.body_text
    assert mail.ics is None  # not attending (yet): nothing for the calendar


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_moving_up_is_told_once_per_move_with_the_calendar(app, event_of, reader, create_user, outbox, lang):
    event = event_of(capacity=1)
    first = create_user()
    register(event, first)
    person = reader(lang)
    register(event, person)
    third = create_user()
    register(event, third)
    services.cancel_registration(event, first)
    db.session.commit()
    db.session.refresh(event)
    assert services.registration_of(event, person).status == "registered"
    assert [n.kind for n in notes(person)] == ["event_waitlisted", "event_moved_up"]
    moved = [m for m in mails_to(outbox, person)][-1]
    assert_written_for(moved, lang)
    assert_calendar(moved, lang)
    assert services.waitlist_position(services.registration_of(event, third)) == 1
    assert [n.kind for n in notes(third)] == ["event_waitlisted"]  # still waiting: told nothing more
    # The one who cancelled is told so, without a calendar.
    [cancelled] = notes(first, "event_registration_cancelled")
    assert mails_to(outbox, first)[-1].ics is None
    # Back on the list and up again: a second move, a second notice; never two for one move.
    services.cancel_registration(event, person)
    db.session.commit()
    register(event, person)
    services.cancel_registration(event, third)
    db.session.commit()
    assert len(notes(person, "event_moved_up")) == 2
    assert len(notes(third, "event_moved_up")) == 1


def test_more_places_move_the_waiting_list_up_in_order_each_told_once(app, event_of, create_user, host, outbox):
    event = event_of(capacity=2)
    people = [create_user() for _ in range(5)]
    for person in people:
        register(event, person)
    content.update_item(event, {"capacity": 4}, host)
    db.session.commit()
    statuses = [services.registration_of(event, p).status for p in people]
    assert statuses == ["registered"] * 4 + ["waitlisted"]
    for person in people[2:4]:
        assert [n.kind for n in notes(person)] == ["event_waitlisted", "event_moved_up"]
    assert [n.kind for n in notes(people[4])] == ["event_waitlisted"]
    assert services.waitlist_position(services.registration_of(event, people[4])) == 1
    # The capacity is not a time or a place: nobody hears of the edit itself.
    assert not any(notes(p, "event_changed") for p in people)
    content.update_item(event, {"capacity": 4}, host)  # saved again unchanged: nobody moves, nobody is told
    db.session.commit()
    assert sum(len(notes(p)) for p in people) == 5 + 2


# --- changes and cancellation -----------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_new_time_is_told_to_everyone_registered_or_waiting_in_their_zone(app, event_of, reader, create_user, host,
                                                                          outbox, lang):
    event = event_of(capacity=1)
    person = reader(lang)
    register(event, person)
    waiting = create_user(locale="en", timezone="Asia/Urumqi")
    register(event, waiting)
    gone = create_user()
    register(event, gone)
    services.cancel_registration(event, gone)
    db.session.commit()
    later = START + timedelta(hours=2)  # 11:00 in Ürümqi, 13:00 in Beijing, 10:00 in Tashkent
    content.update_item(event, {"starts_at": later, "ends_at": later + timedelta(hours=6)}, host)
    db.session.commit()
    [note] = notes(person, "event_changed")
    mail = mails_to(outbox, person)[-1]
    here = {"zh": "13:00 北京时间", "en": "10:00 Tashkent time"}[lang]
    there = {"zh": "11:00 新疆时间", "en": "11:00 Xinjiang time"}[lang]
    text = html.unescape(mail.body_text)
    assert here in text and there in text
    assert_calendar(mail, lang, start="20261208T110000")
    assert len(notes(waiting, "event_changed")) == 1  # the waiting list hears too
    assert notes(gone, "event_changed") == []  # who cancelled does not
    place = {"zh": "乌鲁木齐高新区创业大厦", "en": "Ürümqi High-tech Zone Innovation Tower"}[lang]
    assert place in text


def test_a_new_place_or_link_is_told_and_nothing_else_is(app, event_of, create_user, host, outbox):
    event = event_of()
    person = create_user()
    register(event, person)
    content.update_item(event, {"place_en": "Kashgar Expo Centre, Hall 2", "place_zh": "喀什会展中心二号厅"}, host)
    db.session.commit()
    [moved] = notes(person, "event_changed")
    assert "Kashgar Expo Centre, Hall 2" in mails_to(outbox, person)[-1].body_text
    content.update_item(event, {"online_url": "https://meet.example.test/day"}, host)
    db.session.commit()
    assert len(notes(person, "event_changed")) == 2
    assert "https://meet.example.test/day" in mails_to(outbox, person)[-1].body_text
    # Title, description, sectors, tables: not a time or a place.
    content.update_item(event, {"title_en": "Xinjiang–Dalian matching day", "description_en": "New programme.",
                                "tables": 12, "meeting_minutes": 30}, host)
    # The same zone given again, and another zone with the same instants: nobody's times move.
    content.update_item(event, {"timezone": "Asia/Urumqi", "starts_at": event.starts_at}, host)
    content.update_item(event, {"timezone": "Asia/Shanghai"}, host)
    db.session.commit()
    assert len(notes(person, "event_changed")) == 2


def test_saving_the_edit_form_without_a_new_time_or_place_tells_nobody(app, client, login, event_of, create_user,
                                                                      host, outbox):
    event = event_of()
    person = create_user()
    register(event, person)
    before = len(outbox())
    login(host)
    form = {"type": "matchmaking", "title_zh": event.title_zh, "title_en": event.title_en,
            "description_zh": event.description_zh, "description_en": "A fuller programme, same time and place.",
            "organisation_id": str(event.organisation_id), "timezone": "Asia/Urumqi",
            "starts_at": "2026-12-08T09:00", "ends_at": "2026-12-08T17:00", "registration_deadline": "2026-12-07T21:00",
            "place_zh": event.place_zh, "place_en": event.place_en, "online_url": "", "capacity": "30",
            "meeting_minutes": "20", "tables": "10", "save": "1"}
    response = client.post(f"/en/events/{event.id}/edit", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert db.session.get(Event, event.id).description_en == "A fuller programme, same time and place."
    assert notes(person, "event_changed") == [] and len(outbox()) == before
    # The same form with the start an hour later: now they are told.
    response = client.post(f"/en/events/{event.id}/edit", data={**form, "starts_at": "2026-12-08T10:00"})
    assert response.status_code == 302
    assert len(notes(person, "event_changed")) == 1


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_cancelled_event_is_told_to_each_registrant_once_with_the_calendars_cancel(app, event_of, reader,
                                                                                   create_user, host, outbox, lang):
    event = event_of(capacity=1)
    person = reader(lang)
    register(event, person)
    waiting = create_user()
    register(event, waiting)
    gone = create_user()
    register(event, gone)
    services.cancel_registration(event, gone)
    db.session.commit()
    content.transition_item(event, "cancel", host)
    db.session.commit()
    [note] = notes(person, "event_cancelled")
    mail = mails_to(outbox, person)[-1]
    assert_written_for(mail, lang)
    assert_calendar(mail, lang, method="CANCEL")
    assert "STATUS:CANCELLED" in mail.ics
    assert len(notes(waiting, "event_cancelled")) == 1
    assert notes(gone, "event_cancelled") == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_ones_own_cancellation_is_confirmed_in_ones_language(app, event_of, reader, outbox, lang):
    event = event_of()
    person = reader(lang)
    register(event, person)
    services.cancel_registration(event, person)
    db.session.commit()
    [note] = notes(person, "event_registration_cancelled")
    mail = mails_to(outbox, person)[-1]
    assert mail.locale == lang and READERS[lang]["title"] in mail.body_text
    assert mail.ics is None


# --- the day-before reminder -------------------------------------------------------------------

def reminder_notes() -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(Notification.kind == "event_reminder")
                                   .order_by(Notification.id)))


def test_the_reminder_goes_out_the_day_before_exactly_once_in_each_readers_language(app, event_of, reader,
                                                                                   create_user, frozen, outbox):
    event = event_of(capacity=2)
    zh, en = reader("zh"), reader("en")
    register(event, zh)
    register(event, en)
    waiting = create_user()
    register(event, waiting)
    gone = create_user()
    register(event, gone)  # waiting, then gone
    services.cancel_registration(event, gone)
    db.session.commit()
    # run_job ends its session, which detaches ORM objects: the test keeps plain values.
    readers = {"zh": (zh.id, zh.email), "en": (en.id, en.email)}
    others = (waiting.id, gone.id)
    frozen.move_to(START - timedelta(hours=24, minutes=1))
    assert run_job(app, "event_reminders") == 0
    frozen.move_to(START - timedelta(hours=24))
    assert run_job(app, "event_reminders") == 2
    assert run_job(app, "event_reminders") == 0  # the job runs again: nothing twice
    frozen.move_to(START - timedelta(hours=1))
    assert run_job(app, "event_reminders") == 0
    sent = reminder_notes()
    assert sorted(n.user_id for n in sent) == sorted(user_id for user_id, _email in readers.values())
    for lang, (user_id, email) in readers.items():
        mail = mails_to(outbox, email)[-1]
        assert_written_for(mail, lang)
        assert_calendar(mail, lang)
        assert translated(READERS[lang]["babel"], "Reminder: “%(title)s” starts %(when)s.", title="T",
                          when="W").split("“")[0] in mail.body_text
    assert all(notes(user_id, "event_reminder") == [] for user_id in others)
    frozen.move_to(START + timedelta(minutes=5))
    assert run_job(app, "event_reminders") == 0
    assert len(reminder_notes()) == 2


def test_the_reminder_calls_twice_with_the_same_clock_send_once(app, event_of, create_user, frozen, outbox):
    event = event_of()
    people = [create_user() for _ in range(3)]
    for person in people:
        register(event, person)
    moment = START - timedelta(hours=20)
    frozen.move_to(moment)
    assert services.send_due_reminders(moment) == 3
    assert services.send_due_reminders(moment) == 0
    db.session.commit()
    assert len(reminder_notes()) == 3
    assert len(outbox()) == 3 + 3


def test_no_reminder_for_a_cancelled_event_nor_after_the_start(app, event_of, create_user, host, frozen):
    cancelled = event_of()
    register(cancelled, create_user())
    content.transition_item(cancelled, "cancel", host)
    db.session.commit()
    frozen.move_to(START - timedelta(hours=12))
    assert run_job(app, "event_reminders") == 0
    assert reminder_notes() == []


def test_registering_or_moving_up_on_the_eve_is_its_own_reminder(app, event_of, create_user, frozen, outbox):
    event = event_of(capacity=1, registration_deadline=START - timedelta(hours=1))
    first = create_user()
    register(event, first)
    frozen.move_to(START - timedelta(hours=10))
    late = create_user()
    register(event, late)  # waiting
    services.cancel_registration(event, first)
    db.session.commit()  # ``late`` moves up ten hours before the start: the move-up notice says when
    late_id = late.id
    assert [n.kind for n in notes(late)] == ["event_waitlisted", "event_moved_up"]
    assert run_job(app, "event_reminders") == 0
    assert notes(late_id, "event_reminder") == []


def test_a_new_day_brings_a_new_reminder_before_it(app, event_of, create_user, host, frozen, outbox):
    event = event_of()
    person = create_user()
    register(event, person)
    event_id, person_id, host_id = event.id, person.id, host.id
    frozen.move_to(START - timedelta(hours=20))
    assert run_job(app, "event_reminders") == 1
    from collab.auth.models import User

    later = START + timedelta(days=3)
    content.update_item(db.session.get(Event, event_id), {"starts_at": later, "ends_at": later + timedelta(hours=8)},
                        db.session.get(User, host_id))
    db.session.commit()
    assert run_job(app, "event_reminders") == 0
    frozen.move_to(later - timedelta(hours=23))
    assert run_job(app, "event_reminders") == 1
    assert run_job(app, "event_reminders") == 0
    assert len(notes(person_id, "event_reminder")) == 2
    assert len(notes(person_id, "event_changed")) == 1


@pytest.mark.committed  # two threads, each its own connection
def test_two_concurrent_reminder_runs_send_each_reminder_once(app, event_of, create_user, frozen, outbox):
    event = event_of()
    for _ in range(6):
        register(event, create_user())
    db.session.commit()
    db.session.remove()
    frozen.move_to(START - timedelta(hours=12))
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(run_job(app, "event_reminders"))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(results) == [0, 6] or sum(results) == 6
    assert len(reminder_notes()) == 6
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Registration)
                             .where(Registration.reminder_sent_at.is_(None))) == 0
