"""The figures the platform prefills indicator reports with (collab/reports/figures.py),
on a hand-built set: confirmed and unconfirmed landings, completed and cancelled
sessions, held and cancelled events, confirmed and unconfirmed contracts, projects moved
through their statuses on a frozen clock. Every prefilled value and every list behind it
is compared with what was built."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event as sa_event, select
from sqlalchemy.engine import Engine

from collab.events.models import Registration
from collab.extensions import db
from collab.matching.models import Introduction
from collab.mentors.models import Booking
from collab.orgs.models import Organisation
from collab.projects.models import Landing
from collab.reports import figures
from collab.reports.indicators import Period

from mentor_support import NOW

BEIJING = ZoneInfo("Asia/Shanghai")
Q3 = Period(2026, 3)  # 1 July – 1 October 2026, Beijing time: over at NOW (1 December 2026)
YEAR = Period(2026)  # still running at NOW


def bj(*args) -> datetime:
    """A Beijing wall-clock time as an aware UTC instant."""
    return datetime(*args, tzinfo=BEIJING).astimezone(timezone.utc)


@contextmanager
def counted_queries():
    statements = []

    def count(conn, cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    sa_event.listen(Engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa_event.remove(Engine, "before_cursor_execute", count)


class World:
    """What the tests built, by name."""


@pytest.fixture
def world(frozen, create_org, create_user, make_project, make_need, make_event, make_mentor, make_admin):
    from collab.content import services as content

    w = World()
    frozen.move_to(bj(2026, 1, 1, 9))  # the organisations exist before every period tested
    w.base = create_org(kind="xinjiang_base", name_zh="测试基地", name_en="Test Base")
    w.incubator = create_org(kind="offshore_incubator", parent_id=w.base.id, name_zh="大连离岸孵化器",
                             name_en="Dalian Offshore Incubator")
    w.station = create_org(kind="international_partner", parent_id=w.base.id, name_zh="塔什干工作站",
                           name_en="Tashkent Station")
    w.pending_child = create_org(kind="offshore_incubator", parent_id=w.base.id, status="pending")
    w.member_firm = create_org(kind="enterprise", parent_id=w.base.id)  # not an incubator: not counted as one
    w.other = create_org(kind="offshore_incubator", name_zh="另一孵化器", name_en="Another Incubator")
    staff = create_user(role="center", org=w.incubator)
    base_staff = create_user(role="center", org=w.base)
    other_staff = create_user(role="center", org=w.other)
    buyer = create_user(role="enterprise")
    admin = make_admin()

    def project(owner, title, *moves):
        """A published project, then each (status, when) move recorded at that moment."""
        frozen.move_to(bj(2026, 1, 5, 9))
        item = make_project(owner, "published", title_zh=f"{title}项目", title_en=f"{title} project")
        for status, when in moves:
            frozen.move_to(when)
            content.record_change(item, status, admin)
        db.session.commit()
        return item

    # Resident at the end of Q3: in incubation since June; since the last evening of Q3.
    w.p_june = project(staff, "六月", ("in_incubation", bj(2026, 6, 15, 10)))
    w.p_last_evening = project(staff, "月末", ("in_incubation", bj(2026, 9, 30, 23, 30)))
    # In incubation in July, graduated in September: graduated in Q3, no longer resident.
    w.p_graduated = project(staff, "毕业", ("in_incubation", bj(2026, 7, 10, 10)), ("landed", bj(2026, 8, 1, 10)),
                            ("graduated", bj(2026, 9, 1, 10)))
    # Enters incubation after Q3 (resident now, not at the end of Q3).
    w.p_october = project(staff, "十月", ("in_incubation", bj(2026, 10, 1, 0, 0)))
    # In incubation in Q3 but closed before its end.
    w.p_closed = project(staff, "关闭", ("in_incubation", bj(2026, 7, 2, 10)), ("closed", bj(2026, 8, 20, 10)))
    # Graduated on the first Beijing morning after Q3: not in Q3.
    w.p_late_graduate = project(staff, "迟毕业", ("in_incubation", bj(2026, 3, 1, 10)), ("landed", bj(2026, 4, 1, 10)),
                                ("graduated", bj(2026, 10, 1, 0, 30)))
    w.p_published = project(staff, "发布")
    w.p_base = project(base_staff, "基地自有", ("in_incubation", bj(2026, 5, 1, 10)))
    w.p_other = project(other_staff, "别家", ("in_incubation", bj(2026, 5, 1, 10)))
    w.p_other_landed = project(other_staff, "别家落地")
    w.p_land_2, w.p_land_3, w.p_land_4, w.p_land_5 = (project(staff, f"落地{n}") for n in range(2, 6))

    def landing(item, status, landed_on, via, base, investment=0, jobs=0):
        row = Landing(project_id=item.id, city="kashgar", base_id=base.id if base else None,
                      via_id=via.id if via else None, landed_on=landed_on, company_name=f"{item.title_zh}有限公司",
                      investment_cny=investment, jobs=jobs, status=status)
        db.session.add(row)
        db.session.flush()
        return row

    frozen.move_to(NOW)
    w.l_confirmed = landing(w.p_published, "confirmed", date(2026, 8, 1), w.incubator, w.base, 20_000_000, 30)
    w.l_pending = landing(w.p_land_2, "pending", date(2026, 8, 2), w.incubator, w.base, 5_000_000, 5)
    w.l_questioned = landing(w.p_land_3, "questioned", date(2026, 8, 3), w.incubator, w.base, 1, 1)
    w.l_october = landing(w.p_land_4, "confirmed", date(2026, 10, 1), w.incubator, w.base, 7, 7)
    w.l_first_day = landing(w.p_land_5, "confirmed", date(2026, 7, 1), w.incubator, None, 3_000_000, 4)
    # Landed at the base through an incubator outside it: the base's, not the incubator's.
    w.l_received = landing(w.p_other_landed, "confirmed", date(2026, 9, 30), w.other, w.base, 10_000_000, 12)
    db.session.commit()

    # Mentors: two active ones of the incubator, one inactive, one joining after Q3, one elsewhere.
    frozen.move_to(bj(2026, 2, 1, 10))
    w.mentor_a = make_mentor(user=create_user(role="mentor", org=w.incubator, display_name="Mentor Alpha"))
    w.mentor_b = make_mentor(user=create_user(role="mentor", org=w.incubator, display_name="Mentor Beta"))
    w.mentor_inactive = make_mentor(user=create_user(role="mentor", org=w.incubator, display_name="Mentor Gone"))
    w.mentor_inactive.is_active = False
    w.mentor_base = make_mentor(user=create_user(role="mentor", org=w.station, display_name="Mentor Station"))
    w.mentor_other = make_mentor(user=create_user(role="mentor", org=w.other, display_name="Mentor Other"))
    frozen.move_to(bj(2026, 10, 15, 10))
    w.mentor_late = make_mentor(user=create_user(role="mentor", org=w.incubator, display_name="Mentor Late"))
    db.session.commit()

    def booking(mentor, start, minutes, status):
        row = Booking(mentor_id=mentor.id, booker_id=buyer.id, start_at=start,
                      end_at=start + timedelta(minutes=minutes),
                      status=status, topic="Market entry", language="zh", timezone="Asia/Shanghai")
        db.session.add(row)
        db.session.flush()
        return row

    frozen.move_to(NOW)
    w.b_done = booking(w.mentor_a, bj(2026, 7, 15, 10), 60, "completed")
    w.b_done_long = booking(w.mentor_b, bj(2026, 9, 30, 22), 90, "completed")
    w.b_cancelled = booking(w.mentor_a, bj(2026, 8, 15, 10), 60, "cancelled")
    w.b_no_show = booking(w.mentor_a, bj(2026, 8, 16, 10), 60, "no_show")
    w.b_inactive_mentor = booking(w.mentor_inactive, bj(2026, 8, 17, 10), 30, "completed")  # still held: counts
    w.b_after = booking(w.mentor_a, bj(2026, 10, 1, 0, 0), 60, "completed")
    w.b_station = booking(w.mentor_base, bj(2026, 8, 1, 10), 45, "completed")
    w.b_other = booking(w.mentor_other, bj(2026, 8, 1, 10), 60, "completed")
    db.session.commit()

    def event(owner, status, type_, start, title):
        return make_event(owner, status, type=type_, starts_at=start, ends_at=start + timedelta(hours=4),
                          registration_deadline=start - timedelta(days=1), tables=0, title_zh=title,
                          title_en=f"{title} (en)")

    w.e_match = event(staff, "held", "matchmaking", bj(2026, 7, 20, 9), "对接会")
    w.e_roadshow = event(staff, "held", "roadshow", bj(2026, 9, 1, 9), "路演")
    w.e_training = event(staff, "held", "training", bj(2026, 8, 5, 9), "训练营")
    w.e_cancelled = event(staff, "cancelled", "matchmaking", bj(2026, 8, 10, 9), "取消的对接会")
    w.e_after = event(staff, "held", "talent", bj(2026, 10, 1, 0, 0), "十月人才日")
    w.e_competition = event(base_staff, "held", "competition", bj(2026, 9, 10, 9), "创新大赛")
    w.e_station_competition = event(staff, "held", "competition", bj(2026, 8, 8, 9), "孵化器大赛")
    w.e_other = event(other_staff, "held", "matchmaking", bj(2026, 8, 1, 9), "别家对接会")
    people = [create_user(role="enterprise") for _ in range(5)]
    for n, (ev, status) in enumerate([(w.e_competition, "registered"), (w.e_competition, "registered"),
                                      (w.e_competition, "cancelled"), (w.e_station_competition, "registered"),
                                      (w.e_competition, "waitlisted")]):
        db.session.add(Registration(event_id=ev.id, user_id=people[n].id, status=status, sequence=n + 1))
    db.session.commit()

    # Contracts: the project's or the need's organisation in the base's scope.
    frozen.move_to(NOW)
    need_ours = make_need(create_user(role="enterprise", org=w.incubator), "open", title_zh="孵化器需求")
    need_theirs = make_need(buyer, "open", title_zh="买方需求")
    need_theirs_2 = make_need(buyer, "open", title_zh="买方需求二")

    def contract(need, item, value, signed_on, confirmed):
        row = Introduction(need_id=need.id, project_id=item.id, initiator_side="need", message="Let us talk",
                           status="agreement_signed", contract_type="technology_transfer", contract_value_cny=value,
                           signed_on=signed_on, contract_confirmed_at=NOW if confirmed else None)
        db.session.add(row)
        db.session.flush()
        return row

    w.c_confirmed = contract(need_theirs, w.p_june, 3_500_000, date(2026, 8, 15), True)
    w.c_unconfirmed = contract(need_theirs, w.p_graduated, 1_000_000, date(2026, 8, 16), False)
    w.c_need_side = contract(need_ours, w.p_other, 1_500_000, date(2026, 9, 30), True)
    w.c_october = contract(need_theirs, w.p_october, 9_000_000, date(2026, 10, 1), True)
    w.c_outside = contract(need_theirs_2, w.p_other, 4_000_000, date(2026, 8, 1), True)
    db.session.commit()
    frozen.move_to(NOW)
    return w


# --- an offshore incubator --------------------------------------------------------------------

INCUBATOR_FIGURES = {
    "projects_landed_xinjiang": 2,  # confirmed, 1 July and 1 August (pending, questioned, 1 October: no)
    "mentoring_sessions": 3,  # two completed by active mentors, one by the now inactive one
    "mentors": 2,  # active, joined before 1 October
    "events_held": 2,  # matchmaking + roadshow (cancelled, October: no)
    "trainings_held": 1,
    "resident_companies": 2,  # June and 30 September evening
    "graduated_companies": 1,
}


def test_incubator_prefill_equals_what_was_built(world):
    prefilled = figures.prefill(world.incubator, Q3)
    assert {code: entry["value"] for code, entry in prefilled.items()} == INCUBATOR_FIGURES
    assert {code: entry["source"] for code, entry in prefilled.items()} == {
        code: figures.SOURCE_OF[code] for code in INCUBATOR_FIGURES}
    assert set(figures.SOURCE_OF.values()) == set(figures.SOURCE_LABELS) == set(figures.SOURCE_ZH)


def test_unconfirmed_landing_never_counts(world):
    assert figures.prefill(world.incubator, Q3)["projects_landed_xinjiang"]["value"] == 2
    world.l_pending.status = "confirmed"
    db.session.commit()
    assert figures.prefill(world.incubator, Q3)["projects_landed_xinjiang"]["value"] == 3
    world.l_confirmed.status = "questioned"
    db.session.commit()
    assert figures.prefill(world.incubator, Q3)["projects_landed_xinjiang"]["value"] == 2


def ids(rows):
    return [row["id"] for row in rows]


def test_incubator_sources_list_each_figure(world):
    inc = world.incubator

    landings = figures.sources(inc, Q3, "projects_landed_xinjiang", lang="zh")
    assert ids(landings) == [world.l_first_day.id, world.l_confirmed.id]
    first = landings[1]
    assert first["kind"] == "landing" and first["date"] == date(2026, 8, 1)
    assert first["title_zh"] == "发布项目" and first["title_en"] == "发布 project"
    assert first["url"] == f"/zh/projects/{world.p_published.id}"
    assert first["amount"] == 20_000_000 and first["jobs"] == 30 and first["city"] == "kashgar"

    sessions = figures.sources(inc, Q3, "mentoring_sessions", lang="en")
    assert ids(sessions) == [world.b_done.id, world.b_inactive_mentor.id, world.b_done_long.id]
    assert [row["minutes"] for row in sessions] == [60, 30, 90]
    assert sessions[0]["title_en"] == "Mentor Alpha" and sessions[0]["date"] == date(2026, 7, 15)
    assert sessions[0]["url"] == f"/en/mentors/{world.mentor_a.id}"

    mentors = figures.sources(inc, Q3, "mentors", lang="zh")
    assert ids(mentors) == [world.mentor_a.id, world.mentor_b.id]
    assert mentors[0]["date"] == date(2026, 2, 1)

    events = figures.sources(inc, Q3, "events_held", lang="zh")
    assert ids(events) == [world.e_match.id, world.e_roadshow.id]
    assert events[0]["title_zh"] == "对接会" and events[0]["title_en"] == "对接会 (en)"
    assert events[0]["url"] == f"/zh/events/{world.e_match.id}" and events[0]["date"] == date(2026, 7, 20)
    assert ids(figures.sources(inc, Q3, "trainings_held")) == [world.e_training.id]

    resident = figures.sources(inc, Q3, "resident_companies", lang="zh")
    assert ids(resident) == [world.p_june.id, world.p_last_evening.id]
    assert [row["date"] for row in resident] == [date(2026, 6, 15), date(2026, 9, 30)]
    assert resident[0]["url"] == f"/zh/projects/{world.p_june.id}"

    graduated = figures.sources(inc, Q3, "graduated_companies")
    assert ids(graduated) == [world.p_graduated.id] and graduated[0]["date"] == date(2026, 9, 1)

    for code, value in INCUBATOR_FIGURES.items():
        assert len(figures.sources(inc, Q3, code)) == value, code
    assert figures.sources(inc, Q3, "floor_area_m2") == []
    assert figures.sources(inc, Q3, "offshore_incubators") == []  # an incubator has no member incubators


def test_resident_companies_of_a_running_period_are_those_in_incubation_now(world):
    """2026 is still running at NOW: the projects in incubation today."""
    assert figures.prefill(world.incubator, YEAR)["resident_companies"]["value"] == 3
    assert ids(figures.sources(world.incubator, YEAR, "resident_companies")) == [
        world.p_june.id, world.p_last_evening.id, world.p_october.id]
    assert figures.prefill(world.incubator, YEAR)["graduated_companies"]["value"] == 2


def test_resident_companies_at_an_earlier_end(world):
    """At the end of Q2 (1 July): June's project, and the one in incubation since March
    (it landed in April: no longer resident)."""
    assert figures.prefill(world.incubator, Period(2026, 2))["resident_companies"]["value"] == 1
    assert ids(figures.sources(world.incubator, Period(2026, 2), "resident_companies")) == [world.p_june.id]


# --- a base: itself, its members, the landings it received ---------------------------------------

def test_base_prefill_and_sources(world):
    base = world.base
    prefilled = figures.prefill(base, Q3)
    assert {code: entry["value"] for code, entry in prefilled.items()} == {
        "competition_entries": 3,  # two places at the base's competition, one at the incubator's
        "tech_contract_value": 0.05,  # 3.5 m + 1.5 m 元 confirmed and signed in Q3, in 亿元
        "offshore_incubators": 2,  # the approved incubator and partner station (pending, enterprise: no)
    }
    assert prefilled["tech_contract_value"]["source"] == "confirmed_contracts"

    contracts = figures.sources(base, Q3, "tech_contract_value", lang="en")
    assert ids(contracts) == [world.c_confirmed.id, world.c_need_side.id]
    assert [row["amount"] for row in contracts] == [3_500_000, 1_500_000]
    assert contracts[0]["url"] == f"/en/projects/{world.p_june.id}" and contracts[0]["date"] == date(2026, 8, 15)
    assert contracts[0]["contract_type"] == "technology_transfer"

    incubators = figures.sources(base, Q3, "offshore_incubators", lang="zh")
    assert ids(incubators) == [world.incubator.id, world.station.id]
    assert incubators[0]["url"] == f"/zh/organisations/{world.incubator.key}"
    assert incubators[0]["title_en"] == "Dalian Offshore Incubator"

    competitions = figures.sources(base, Q3, "competition_entries")
    assert ids(competitions) == [world.e_station_competition.id, world.e_competition.id]
    assert [row["entries"] for row in competitions] == [1, 2]

    # Indicators outside the base's level are still listed on request, over its scope.
    landings = figures.sources(base, Q3, "projects_landed_xinjiang")
    assert ids(landings) == [world.l_first_day.id, world.l_confirmed.id, world.l_received.id]
    assert ids(figures.sources(base, Q3, "mentoring_sessions")) == [
        world.b_done.id, world.b_station.id, world.b_inactive_mentor.id, world.b_done_long.id]
    assert ids(figures.sources(base, Q3, "resident_companies")) == [world.p_base.id, world.p_june.id,
                                                                   world.p_last_evening.id]


def test_a_base_with_targets_gets_the_figures_its_table_names(world):
    """Kashgar's table mixes base and carrier indicators: its prefill has both."""
    kashgar = db.session.scalar(select(Organisation).where(Organisation.key == "kashgar-edz"))
    prefilled = figures.prefill(kashgar, Q3)
    assert {"resident_companies", "graduated_companies", "events_held", "competition_entries",
            "tech_contract_value", "offshore_incubators"} <= set(prefilled)
    assert "mentoring_sessions" not in prefilled  # not in its table, not of its level


def test_activity_beside_the_indicators(world):
    assert figures.activity(world.incubator, Q3) == {
        "contracts": 2, "contract_value_cny": 5_000_000,
        "landings": 2, "landing_investment_cny": 23_000_000, "landing_jobs": 34,
        "mentoring_sessions": 3, "mentoring_hours": 3.0,
    }
    base = figures.activity(world.base, Q3)
    assert (base["landings"], base["landing_investment_cny"], base["landing_jobs"]) == (3, 33_000_000, 46)
    assert (base["mentoring_sessions"], base["mentoring_hours"]) == (4, 3.75)


def test_fixed_number_of_queries(world, make_project, create_user):
    with counted_queries() as before:
        figures.prefill(world.base, Q3)
        figures.prefill(world.incubator, Q3)
        for code in figures.KNOWN_CODES:
            figures.sources(world.base, Q3, code)
        figures.activity(world.base, Q3)
    staff = create_user(role="center", org=world.incubator)
    for n in range(4):
        make_project(staff, "in_incubation", title_zh=f"更多{n}")
    db.session.add(Organisation(key="more-child", kind="offshore_incubator", parent_id=world.base.id,
                                name_zh="更多", name_en="More", country="CN", facts={}))
    db.session.commit()
    with counted_queries() as after:
        figures.prefill(world.base, Q3)
        figures.prefill(world.incubator, Q3)
        for code in figures.KNOWN_CODES:
            figures.sources(world.base, Q3, code)
        figures.activity(world.base, Q3)
    assert len(after) == len(before)
    assert len(before) <= 2 * 12 + 2 * len(figures.KNOWN_CODES) + 4
