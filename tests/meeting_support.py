"""A small matchmaking day for the one-to-one meeting tests (pages, services and API):
plain helpers that take the factory fixtures as arguments.

    ann (center)      owns the featured project "Solar"       registered
    bo (enterprise)   owns the featured need "Drip"           registered
    cy (enterprise)   owns the featured need "Film"           not registered (presents anyway)
    dee (enterprise)  owns the need "Dee's water" (not featured)   registered
    eve (center)      owns the project "Eve's sensors" (not featured)   registered

Stored matches (the engine's own are replaced): Solar×Drip 0.8, Solar×Dee 0.6,
Eve×Drip 0.7, Eve×Film 0.5, Solar×Film 0.05 (below the display floor).
"""
from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import delete

from collab.extensions import db


def set_matches(pairs) -> None:
    """Replace every stored match with ``(project, need, score)`` triples."""
    from collab.matching.models import Match

    db.session.execute(delete(Match))
    for project, need, score in pairs:
        db.session.add(Match(project_id=project.id, need_id=need.id, score=score,
                             reasons={"sectors": ["new_energy"]}))
    db.session.commit()


def register_all(event, *users) -> None:
    from collab.events.services import register

    for user in users:
        register(event, user)
    db.session.commit()


def wish(event, user, projects=(), needs=()) -> None:
    from collab.events.meetings import set_wishes

    set_wishes(event, user, [p.id for p in projects], [n.id for n in needs])
    db.session.commit()


def build_day(create_user, organiser, make_project, make_need, make_event, *, register=True, wishes=True,
              **event_fields) -> SimpleNamespace:
    """The day above, published, with the wishes ann→Drip, bo→Solar (mutual), dee→Solar, eve→Drip, eve→Film."""
    host = organiser()
    ann = create_user(role="center", display_name="Ann Solar")
    bo = create_user(role="enterprise", display_name="Bo Drip")
    cy = create_user(role="enterprise", display_name="Cy Film")
    dee = create_user(role="enterprise", display_name="Dee Water")
    eve = create_user(role="center", display_name="Eve Sensors")
    solar = make_project(ann, status="published", title_en="Solar", title_zh="光伏")
    eve_project = make_project(eve, status="published", title_en="Eve's sensors", title_zh="传感器")
    drip = make_need(bo, status="open", title_en="Drip", title_zh="滴灌")
    film = make_need(cy, status="open", title_en="Film", title_zh="地膜")
    dee_need = make_need(dee, status="open", title_en="Dee's water", title_zh="节水")
    fields = {"featured_project_ids": [solar.id], "featured_need_ids": [drip.id, film.id], **event_fields}
    event = make_event(host, **fields)
    set_matches([(solar, drip, 0.8), (solar, dee_need, 0.6), (eve_project, drip, 0.7), (eve_project, film, 0.5),
                 (solar, film, 0.05)])
    day = SimpleNamespace(event=event, host=host, ann=ann, bo=bo, cy=cy, dee=dee, eve=eve, solar=solar,
                          eve_project=eve_project, drip=drip, film=film, dee_need=dee_need)
    if register:
        register_all(event, ann, bo, dee, eve)
        if wishes:
            wish(event, ann, needs=[drip])
            wish(event, bo, projects=[solar])
            wish(event, dee, projects=[solar])
            wish(event, eve, needs=[drip, film])
    return day


def in_english(message) -> str:
    """A lazy message as an English reader sees it (services outside a request speak the
    default language, Chinese)."""
    from flask import current_app
    from flask_babel import force_locale

    with current_app.test_request_context("/en/"), force_locale("en"):
        return str(message)
