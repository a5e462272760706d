"""Booking a mentor through the pages: request, confirm, decline, cancel, reschedule,
close, feedback and notes; every refusal changes nothing; e-mails go to the right
people in their own language, with the .ics attached."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from flask_babel import force_locale

from collab.extensions import db
from collab.mentors.models import Booking

from conftest import count_rows
from mentor_support import NOW, book, utc

# Ürümqi 10:00 on Wednesday 2 December 2026 = 04:00 UTC = 09:00 Tashkent = 12:00 Beijing.
SLOT = utc(2026, 12, 2, 4, 0)


@pytest.fixture
def people(app, frozen, make_mentor, create_user):
    """A mentor in Ürümqi who reads Chinese and a founder in Tashkent who reads English."""
    mentor = make_mentor(tz="Asia/Urumqi", locale="zh")
    founder = create_user(role="enterprise", timezone="Asia/Tashkent", locale="en")
    return mentor, founder


def client_for(app, user, lang="en"):
    client = app.test_client()
    response = client.post(f"/{lang}/login", data={"email": user.email, "password": "secret-pass-1"})
    assert response.status_code == 302
    return client


def fresh(booking_id: int) -> Booking:
    db.session.expire_all()
    return db.session.get(Booking, booking_id)


def test_a_founder_books_and_the_mentor_confirms(app, people, outbox):
    mentor, founder = people
    founder_client = client_for(app, founder)
    picker = founder_client.get(f"/en/mentors/{mentor.id}").get_data(as_text=True)
    assert "Times are shown in Tashkent time (Asia/Tashkent)." in picker
    assert "09:00–10:00 Tashkent time (12:00–13:00 Beijing time)" in picker
    form = founder_client.get(f"/en/mentors/{mentor.id}/book?start={SLOT.isoformat()}").get_data(as_text=True)
    assert "Wed, Dec 2, 2026, 09:00–10:00 Tashkent time (12:00–13:00 Beijing time)" in form
    response = founder_client.post(f"/en/mentors/{mentor.id}/book?start={SLOT.isoformat()}",
                                   data={"start": SLOT.isoformat(), "topic": "Cold-chain logistics to Almaty",
                                         "language": "en", "mode": "online"})
    assert response.status_code == 302
    booking = db.session.scalar(select(Booking))
    assert (booking.status, booking.start_at, booking.end_at) == ("requested", SLOT, SLOT + timedelta(hours=1))
    assert booking.timezone == "Asia/Urumqi" and booking.booker_id == founder.id
    request_mail = outbox()[-1]
    assert request_mail.recipient == mentor.user.email and request_mail.locale == "zh"
    assert request_mail.template == "booking_requested" and request_mail.ics is None

    mentor_client = client_for(app, mentor.user, "zh")
    page = mentor_client.get(f"/zh/bookings/{booking.id}").get_data(as_text=True)
    assert "Cold-chain logistics to Almaty" in page
    assert mentor_client.post(f"/zh/bookings/{booking.id}/confirm").status_code == 302
    booking = fresh(booking.id)
    assert booking.status == "confirmed" and booking.confirmed_at == NOW
    confirmed = [m for m in outbox() if m.template == "booking_confirmed"]
    assert {m.recipient for m in confirmed} == {mentor.user.email, founder.email}
    to_founder = next(m for m in confirmed if m.recipient == founder.email)
    assert to_founder.locale == "en"
    assert "09:00–10:00 Tashkent time (12:00–13:00 Beijing time)" in to_founder.body_text
    assert "METHOD:REQUEST" in to_founder.ics and f"UID:{booking.uid}" in to_founder.ics
    to_mentor = next(m for m in confirmed if m.recipient == mentor.user.email)
    assert to_mentor.locale == "zh" and "10:00–11:00" in to_mentor.body_text and "12:00–13:00" in to_mentor.body_text
    ics = founder_client.get(f"/en/bookings/{booking.id}.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    assert "attachment" in ics.headers["Content-Disposition"]


def test_auto_confirm_books_at_once(app, frozen, make_mentor, create_user, outbox):
    mentor = make_mentor(auto_confirm=True)
    founder = create_user()
    booking = book(mentor, founder, SLOT)
    assert booking.status == "confirmed"
    assert {m.template for m in outbox()} == {"booking_confirmed"}


def test_a_taken_slot_is_a_form_error_with_409(app, people, create_user):
    mentor, founder = people
    book(mentor, create_user(), SLOT)
    client = client_for(app, founder)
    response = client.post(f"/en/mentors/{mentor.id}/book", data={
        "start": SLOT.isoformat(), "topic": "Anything", "language": "en", "mode": "online"})
    assert response.status_code == 409
    assert "This time is no longer free; please pick another slot." in response.get_data(as_text=True)
    assert count_rows(Booking) == 1


@pytest.mark.parametrize("start, minutes, message", [
    (utc(2026, 11, 30, 4, 0), None, "This time has already passed."),
    (utc(2026, 12, 1, 4, 30), None, "outside the mentor&#39;s availability"),
    (utc(2026, 12, 1, 7, 0), None, "outside the mentor&#39;s availability"),  # 13:00 Ürümqi
    (utc(2027, 1, 5, 4, 0), None, "This mentor takes bookings up to 30 days ahead."),
    (SLOT, "90", "Choose a session length of at most 60 minutes."),
])
def test_bad_times_get_a_clear_error_and_create_nothing(app, people, start, minutes, message):
    mentor, founder = people
    client = client_for(app, founder)
    data = {"start": start.isoformat(), "topic": "Anything", "language": "en", "mode": "online"}
    if minutes:
        data["minutes"] = minutes
    response = client.post(f"/en/mentors/{mentor.id}/book", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count_rows(Booking) == 0


def test_minimum_notice(app, frozen, make_mentor, create_user):
    mentor = make_mentor(min_notice_hours=24)
    client = client_for(app, create_user())
    response = client.post(f"/en/mentors/{mentor.id}/book", data={
        "start": utc(2026, 12, 1, 4, 0).isoformat(), "topic": "Soon", "language": "en", "mode": "online"})
    assert "This mentor needs at least 24 hours&#39; notice." in response.get_data(as_text=True)
    assert count_rows(Booking) == 0


def test_the_cap_per_booker_counts_months_in_the_mentors_zone(app, frozen, make_mentor, create_user):
    from collab.errors import ServiceError

    mentor = make_mentor(monthly_cap=2, tz="Asia/Urumqi", horizon_days=60)
    founder = create_user()
    book(mentor, founder, utc(2026, 12, 2, 4, 0))
    book(mentor, founder, utc(2026, 12, 3, 4, 0))
    with force_locale("en"), pytest.raises(ServiceError, match="already have 2 sessions with this mentor in "
                                                                  "December 2026") as refused:
        book(mentor, founder, utc(2026, 12, 4, 4, 0))
    assert refused.value.field == "start"
    db.session.rollback()
    assert count_rows(Booking) == 2
    another = create_user()
    book(mentor, another, utc(2026, 12, 5, 4, 0))  # another booker is not capped
    assert count_rows(Booking) == 3
    # A cancelled booking no longer counts.
    from collab.mentors import bookings as services

    first = db.session.scalar(select(Booking).where(Booking.booker_id == founder.id).order_by(Booking.id))
    services.cancel(first, founder, "Plans changed")
    db.session.commit()
    book(mentor, founder, utc(2026, 12, 4, 4, 0))
    assert count_rows(Booking) == 4


def test_month_bounds_follow_the_mentors_zone():
    from collab.mentors.bookings import month_bounds

    start, end = month_bounds(utc(2026, 12, 31, 19, 0), "Asia/Urumqi")  # 1 January 01:00 in Ürümqi
    assert (start, end) == (utc(2026, 12, 31, 18, 0), utc(2027, 1, 31, 18, 0))


def test_a_mentor_cannot_book_themself(app, people):
    mentor, _founder = people
    client = client_for(app, mentor.user)
    assert client.get(f"/en/mentors/{mentor.id}/book?start={SLOT.isoformat()}").status_code == 403
    response = client.post(f"/en/mentors/{mentor.id}/book", data={
        "start": SLOT.isoformat(), "topic": "Me", "language": "en", "mode": "online"})
    assert response.status_code == 403
    assert count_rows(Booking) == 0


def test_visitors_are_sent_to_log_in(app, people):
    mentor, _founder = people
    client = app.test_client()
    response = client.post(f"/en/mentors/{mentor.id}/book", data={"start": SLOT.isoformat(), "topic": "x",
                                                                  "language": "en", "mode": "online"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert count_rows(Booking) == 0


def test_unknown_language_is_refused(app, people):
    mentor, founder = people
    client = client_for(app, founder)
    response = client.post(f"/en/mentors/{mentor.id}/book", data={
        "start": SLOT.isoformat(), "topic": "x", "language": "ru", "mode": "online"})
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)
    assert count_rows(Booking) == 0


# --- who may do what -------------------------------------------------------------

ACTIONS = {
    "confirm": {},
    "decline": {"note": "Busy"},
    "cancel": {"reason": "Plans changed"},
    "complete": {},
    "no-show": {},
    "feedback": {"rating": "5", "feedback": "Great"},
    "notes": {"mentor_notes": "secret", "follow_up": "Call again"},
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("who", ["stranger", "admin"])
def test_outsiders_can_do_nothing_to_a_booking(app, people, create_user, action, who):
    mentor, founder = people
    booking = book(mentor, founder, SLOT)
    before = (booking.status, booking.updated_at)
    client = client_for(app, create_user(role="admin" if who == "admin" else "enterprise"))
    response = client.post(f"/en/bookings/{booking.id}/{action}", data=ACTIONS[action])
    # Strangers do not learn the booking exists; admins see it but may not act.
    assert response.status_code == (404 if who == "stranger" else 403)
    booking = fresh(booking.id)
    assert (booking.status, booking.updated_at) == before
    assert booking.mentor_notes is None and booking.rating is None


def test_strangers_cannot_see_a_booking_or_its_calendar(app, people, create_user):
    mentor, founder = people
    booking = book(mentor, founder, SLOT)
    client = client_for(app, create_user())
    assert client.get(f"/en/bookings/{booking.id}").status_code == 404
    assert client.get(f"/en/bookings/{booking.id}.ics").status_code == 404
    admin = client_for(app, create_user(role="admin"))
    assert admin.get(f"/en/bookings/{booking.id}").status_code == 200


def test_only_the_mentor_confirms_or_declines(app, people):
    mentor, founder = people
    booking = book(mentor, founder, SLOT)
    client = client_for(app, founder)
    assert client.post(f"/en/bookings/{booking.id}/confirm").status_code == 403
    assert client.post(f"/en/bookings/{booking.id}/decline", data={"note": "x"}).status_code == 403
    assert fresh(booking.id).status == "requested"


def test_the_mentor_declines_and_the_founder_hears_it_in_english(app, people, outbox):
    mentor, founder = people
    booking = book(mentor, founder, SLOT)
    client = client_for(app, mentor.user, "zh")
    client.post(f"/zh/bookings/{booking.id}/decline", data={"note": "Travelling that week"})
    assert fresh(booking.id).status == "declined"
    mail = outbox()[-1]
    assert (mail.recipient, mail.locale, mail.template) == (founder.email, "en", "booking_declined")
    assert "Travelling that week" in mail.body_text
    # The slot is free again.
    assert book(mentor, founder, SLOT).status == "requested"


def test_either_side_cancels_with_a_reason_and_the_other_gets_a_cancel_ics(app, people, outbox):
    mentor, founder = people
    booking = book(mentor, founder, SLOT)
    mentor_client = client_for(app, mentor.user)
    mentor_client.post(f"/en/bookings/{booking.id}/confirm")
    founder_client = client_for(app, founder)
    response = founder_client.post(f"/en/bookings/{booking.id}/cancel", data={"reason": ""})
    assert fresh(booking.id).status == "confirmed"  # no reason, nothing happens
    response = founder_client.post(f"/en/bookings/{booking.id}/cancel", data={"reason": "Visa delayed"},
                                   follow_redirects=True)
    assert "The session is cancelled." in response.get_data(as_text=True)
    booking = fresh(booking.id)
    assert (booking.status, booking.cancelled_by_id, booking.cancel_reason) == ("cancelled", founder.id,
                                                                                "Visa delayed")
    assert booking.sequence == 1
    mail = outbox()[-1]
    assert mail.recipient == mentor.user.email and mail.template == "booking_cancelled"
    assert "METHOD:CANCEL" in mail.ics and "SEQUENCE:1" in mail.ics and f"UID:{booking.uid}" in mail.ics
    assert "Visa delayed" in mail.body_text


def test_a_past_session_cannot_be_cancelled(app, people, frozen):
    mentor, founder = people
    booking = book(mentor, founder, SLOT)
    frozen.move_to(SLOT + timedelta(minutes=5))
    client = client_for(app, founder)
    client.post(f"/en/bookings/{booking.id}/cancel", data={"reason": "Late"})
    assert fresh(booking.id).status == "requested"


def test_reschedule_cancels_and_links_a_new_booking(app, people, outbox):
    mentor, founder = people
    old = book(mentor, founder, SLOT)
    client = client_for(app, founder)
    new_start = SLOT + timedelta(days=1)
    page = client.get(f"/en/mentors/{mentor.id}?reschedule={old.id}").get_data(as_text=True)
    assert f"/en/bookings/{old.id}/reschedule?start=" in page
    response = client.post(f"/en/bookings/{old.id}/reschedule?start={new_start.isoformat()}",
                           data={"start": new_start.isoformat(), "reason": "Clash with a board meeting"})
    assert response.status_code == 302
    old = fresh(old.id)
    new = db.session.scalar(select(Booking).where(Booking.rescheduled_from_id == old.id))
    assert old.status == "cancelled" and old.cancel_reason == "Clash with a board meeting"
    assert (new.status, new.start_at, new.topic, new.booker_id) == ("requested", new_start, old.topic, founder.id)
    # Rescheduling onto a taken slot changes nothing at all.
    other = book(mentor, founder, SLOT + timedelta(days=2))
    response = client.post(f"/en/bookings/{new.id}/reschedule", data={"start": other.start_at.isoformat()})
    assert response.status_code == 409
    assert fresh(new.id).status == "requested" and count_rows(Booking) == 3


def test_mentor_reschedule_needs_no_second_confirmation(app, people):
    from collab.mentors import bookings as services

    mentor, founder = people
    old = book(mentor, founder, SLOT)
    new = services.reschedule(old, mentor.user, SLOT + timedelta(hours=1))
    db.session.commit()
    assert new.status == "confirmed" and new.rescheduled_from_id == old.id


def test_sessions_close_after_their_end_then_feedback_and_notes(app, people, frozen):
    mentor, founder = people
    booking = book(mentor, founder, SLOT)
    mentor_client, founder_client = client_for(app, mentor.user), client_for(app, founder)
    mentor_client.post(f"/en/bookings/{booking.id}/confirm")
    mentor_client.post(f"/en/bookings/{booking.id}/complete")
    assert fresh(booking.id).status == "confirmed"  # not over yet
    frozen.move_to(SLOT + timedelta(minutes=61))
    assert founder_client.post(f"/en/bookings/{booking.id}/no-show").status_code == 403  # the mentor's call
    founder_client.post(f"/en/bookings/{booking.id}/complete")
    assert fresh(booking.id).status == "completed"
    assert mentor_client.post(f"/en/bookings/{booking.id}/feedback", data={"rating": "1"}).status_code == 403
    founder_client.post(f"/en/bookings/{booking.id}/feedback", data={"rating": "7"})
    assert fresh(booking.id).rating is None
    founder_client.post(f"/en/bookings/{booking.id}/feedback", data={"rating": "4", "feedback": "Very useful"})
    assert (fresh(booking.id).rating, fresh(booking.id).feedback) == (4, "Very useful")
    assert founder_client.post(f"/en/bookings/{booking.id}/notes", data={"mentor_notes": "x"}).status_code == 403
    mentor_client.post(f"/en/bookings/{booking.id}/notes",
                       data={"mentor_notes": "Needs a CFO", "follow_up": "Meet again in January"})
    founder_page = founder_client.get(f"/en/bookings/{booking.id}").get_data(as_text=True)
    assert "Meet again in January" in founder_page and "Needs a CFO" not in founder_page
    assert "Needs a CFO" in mentor_client.get(f"/en/bookings/{booking.id}").get_data(as_text=True)


def test_no_show_by_the_mentor(app, people, frozen):
    mentor, founder = people
    booking = book(mentor, founder, SLOT)
    client = client_for(app, mentor.user)
    client.post(f"/en/bookings/{booking.id}/confirm")
    frozen.move_to(SLOT + timedelta(hours=2))
    client.post(f"/en/bookings/{booking.id}/no-show")
    assert fresh(booking.id).status == "no_show"


def test_dashboard_hours_and_rating(app, people, frozen, create_user):
    from collab.mentors import bookings as services

    mentor, founder = people
    first = book(mentor, founder, SLOT)
    second = book(mentor, create_user(), SLOT + timedelta(hours=1))
    upcoming = book(mentor, create_user(), SLOT + timedelta(days=3))
    for b in (first, second):
        services.confirm(b, mentor.user)
    db.session.commit()
    frozen.move_to(SLOT + timedelta(hours=3))
    for b, rating in ((first, 5), (second, 4)):
        services.close(b, mentor.user, "completed")
        services.give_feedback(b, b.booker, rating)
    db.session.commit()
    page = client_for(app, mentor.user).get("/en/mentors/me/dashboard").get_data(as_text=True)
    assert 'data-stat="hours">2<' in page
    assert 'data-stat="rating">4.5<' in page
    assert 'data-stat="requests">1<' in page
    assert f"/en/bookings/{upcoming.id}" in page


def test_admin_sessions_page_per_base_and_mentor(app, people, create_user, create_org):
    mentor, founder = people
    mentor.organisation = create_org(kind="offshore_incubator", name_en="Dalian Base")
    db.session.commit()
    book(mentor, founder, SLOT)
    admin = client_for(app, create_user(role="admin"))
    page = admin.get("/en/admin/sessions").get_data(as_text=True)
    assert "Dalian Base" in page and mentor.display_name in page
    for role in ("enterprise", "mentor", "center"):
        assert client_for(app, create_user(role=role)).get("/en/admin/sessions").status_code == 403
    assert app.test_client().get("/en/admin/sessions").status_code == 302


def test_my_bookings_lists_both_sides(app, people, create_user):
    mentor, founder = people
    booking = book(mentor, founder, SLOT)
    for user in (founder, mentor.user):
        page = client_for(app, user).get("/en/bookings/").get_data(as_text=True)
        assert f"/en/bookings/{booking.id}" in page
    assert f"/en/bookings/{booking.id}" not in client_for(app, create_user()).get("/en/bookings/").get_data(
        as_text=True)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_renders_in_both_languages(app, people, create_user, lang):
    mentor, founder = people
    booking = book(mentor, founder, SLOT)
    mentor_client = client_for(app, mentor.user, lang)
    paths = [f"/{lang}/mentors/", f"/{lang}/mentors/{mentor.id}", f"/{lang}/mentors/me",
             f"/{lang}/mentors/me/availability", f"/{lang}/mentors/me/dashboard", f"/{lang}/bookings/",
             f"/{lang}/bookings/?when=past", f"/{lang}/bookings/{booking.id}"]
    for path in paths:
        response = mentor_client.get(path)
        assert response.status_code == 200, path
        assert f'<html lang="{"zh-Hans" if lang == "zh" else "en"}">' in response.get_data(as_text=True)
    founder_client = client_for(app, founder, lang)
    for path in (f"/{lang}/mentors/{mentor.id}/book?start={SLOT.isoformat()}", f"/{lang}/bookings/{booking.id}",
                 f"/{lang}/mentors/me", f"/{lang}/mentors/{mentor.id}?reschedule={booking.id}"):
        assert founder_client.get(path).status_code == 200, path
    assert client_for(app, create_user(role="admin"), lang).get(f"/{lang}/admin/sessions").status_code == 200
    zh_page = mentor_client.get(f"/zh/bookings/{booking.id}").get_data(as_text=True)
    assert "新疆时间" in zh_page
