"""Demo content: twelve mentors across the network with availability and bookings."""
from __future__ import annotations

from sqlalchemy import func, select

from collab.extensions import db
from collab.mentors.models import Booking, MentorProfile

from conftest import count_rows


def test_demo_mentors_with_slots_and_bookings_idempotent(app, client):
    from collab.demo import load_demo

    summary = load_demo()
    db.session.commit()
    assert summary["mentors_created"] == 12 and summary["bookings_created"] > 0
    cities = set(db.session.scalars(select(MentorProfile.city_en)))
    assert cities == {"Shenzhen", "Shanghai", "Dalian", "Guangzhou", "Ürümqi", "Kashgar", "Tashkent"}
    statuses = dict(db.session.execute(select(Booking.status, func.count()).group_by(Booking.status)).all())
    assert statuses.get("completed") and statuses.get("confirmed") and statuses.get("requested")
    before = (count_rows(MentorProfile), count_rows(Booking))
    again = load_demo()
    db.session.commit()
    assert again["mentors_created"] == 0 and again["bookings_created"] == 0
    assert (count_rows(MentorProfile), count_rows(Booking)) == before
    for lang in ("zh", "en"):
        page = client.get(f"/{lang}/mentors/").get_data(as_text=True)
        assert "Dilnoza Karimova" in page and "阿依努尔·吐尔逊" in page
    listing = client.get("/api/v1/mentors?per_page=20").get_json()
    assert listing["total"] == 12
    assert sum(1 for m in listing["items"] if m["next_free_slots"]) >= 10
