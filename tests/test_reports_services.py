"""Indicator reports through their services: the lifecycle draft → submitted → accepted
(locked) or returned → corrected → resubmitted, versions (a correction of an accepted
report is version 2; version 1 stays readable and counts until version 2 is accepted),
conflicts, who may do what, and bad figures refused all at once with nothing saved."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from collab.errors import InvalidFields, NotAllowed, ServiceError, WrongState
from collab.extensions import db

from conftest import count_rows


@pytest.fixture
def ctx(app, frozen):
    """A request (messages, notifications) at the frozen NOW (1 Dec 2026)."""
    with app.test_request_context("/en/"):
        yield


def _services():
    from collab.reports import services

    return services


def _notifications(user, kind):
    from collab.notifications.models import Notification

    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                              Notification.kind == kind)))


def test_lifecycle_draft_submitted_accepted_locks_the_report(ctx, network, outbox):
    services = _services()
    report = services.create_report(network.incubator, "2025", {"new_jobs": 12, "new_revenue_cny": "1,500"},
                                    network.member, units={"new_revenue_cny": "10k_cny"})
    assert (report.status, report.version, report.year, report.quarter) == ("draft", 1, 2025, None)
    assert report.values["new_jobs"] == 12
    assert report.values["new_revenue_cny"] == 15_000_000  # 1,500 万元 in 元
    assert not report.is_locked
    services.submit_report(report, network.member)
    assert report.status == "submitted" and report.is_locked and report.submitted_by_id == network.member.id
    with pytest.raises(WrongState):
        services.update_report(report, {"new_jobs": 13}, network.member)
    # The parent base's admin and the network's admins are told; the other base's admin is not.
    assert _notifications(network.base_admin, "report_submitted")
    assert _notifications(network.network_admin, "report_submitted")
    assert not _notifications(network.other_base_admin, "report_submitted")
    services.review_report(report, "accept", network.base_admin, "Thanks")
    assert report.status == "accepted" and report.is_locked and report.is_current
    assert report.reviewed_by_id == network.base_admin.id and report.review_comment == "Thanks"
    with pytest.raises(WrongState):
        services.update_report(report, {"new_jobs": 13}, network.member)
    with pytest.raises(WrongState):
        services.submit_report(report, network.member)
    with pytest.raises(WrongState):
        services.review_report(report, "accept", network.base_admin)
    assert [c.to_status for c in services.history(report)] == ["draft", "submitted", "accepted"]
    assert [c.actor_id for c in services.history(report)] == [network.member.id, network.member.id,
                                                              network.base_admin.id]
    told = _notifications(network.member, "report_accepted")
    assert told and told[0].params["item_type"] == "report" and told[0].params["item_id"] == report.id
    assert services.current_values([network.incubator.id], [2025]) == {(network.incubator.id, 2025): report.values}


def test_returned_report_is_edited_and_resubmitted(ctx, network):
    services = _services()
    report = services.create_report(network.incubator, "2026-Q3", {"new_jobs": 5}, network.member)
    services.submit_report(report, network.member)
    with pytest.raises(ServiceError) as refusal:
        services.review_report(report, "return", network.base_admin, "  ")
    assert refusal.value.field == "comment"
    assert report.status == "submitted"
    services.review_report(report, "return", network.base_admin, "Jobs look low")
    assert report.status == "returned" and not report.is_locked and report.review_comment == "Jobs look low"
    notice = _notifications(network.member, "report_returned")
    assert notice and notice[0].params["comment"] == "Jobs look low"
    services.update_report(report, {"new_jobs": 50}, network.member)
    assert report.values["new_jobs"] == 50
    services.submit_report(report, network.member)
    assert report.status == "submitted"
    services.review_report(report, "accept", network.network_admin)
    assert [c.to_status for c in services.history(report)] == ["draft", "submitted", "returned", "submitted",
                                                              "accepted"]
    assert services.history(report)[2].note == "Jobs look low"


def test_correction_makes_version_2_and_keeps_version_1_until_it_is_accepted(ctx, network):
    services = _services()
    v1 = services.create_report(network.incubator, "2025", {"new_jobs": 12}, network.member)
    services.submit_report(v1, network.member)
    services.review_report(v1, "accept", network.base_admin)
    v2 = services.revise_report(v1, network.member)
    assert (v2.version, v2.status, v2.previous_id, v2.values["new_jobs"]) == (2, "draft", v1.id, 12)
    with pytest.raises(WrongState):  # one correction at a time
        services.revise_report(v1, network.member)
    with pytest.raises(WrongState):  # only the accepted version in force is corrected
        services.revise_report(v2, network.member)
    services.update_report(v2, {"new_jobs": 20}, network.member)
    # Version 1 still counts and reads as it was.
    assert v1.is_current and v1.values["new_jobs"] == 12
    assert services.current_values([network.incubator.id], [2025])[(network.incubator.id, 2025)]["new_jobs"] == 12
    services.submit_report(v2, network.member)
    services.review_report(v2, "accept", network.base_admin)
    db.session.flush()
    db.session.expire_all()
    v1 = services.readable_report(v1.id, network.member)
    assert v1 is not None and v1.status == "accepted" and v1.superseded_at is not None and not v1.is_current
    assert v1.values["new_jobs"] == 12
    assert services.readable_report(v2.id, network.member).is_current
    assert services.current_values([network.incubator.id], [2025])[(network.incubator.id, 2025)]["new_jobs"] == 20
    assert [r.version for r in services.versions(v1)] == [2, 1]
    assert services.revise_report(v2, network.member).version == 3


def test_a_second_open_report_for_a_period_is_a_conflict(ctx, network):
    from collab.reports.models import Report

    services = _services()
    first = services.create_report(network.incubator, "2025", {}, network.member)
    before = count_rows(Report)
    with pytest.raises(WrongState) as refusal:
        services.create_report(network.incubator, "2025", {"new_jobs": 1}, network.base_admin)
    assert refusal.value.field == "period"
    assert count_rows(Report) == before
    # A quarter is a period of its own; another organisation's year too.
    assert services.create_report(network.incubator, "2025-Q4", {}, network.member).period == "2025-Q4"
    assert services.create_report(network.other_incubator, "2025", {}, network.other_member).period == "2025"
    services.update_report(first, {"new_jobs": 3}, network.member)
    services.submit_report(first, network.member)
    services.review_report(first, "accept", network.base_admin)
    with pytest.raises(WrongState):  # accepted: correct it instead
        services.create_report(network.incubator, "2025", {}, network.member)


@pytest.mark.parametrize("role, may_file, reviews, may_read", [
    ("member", True, False, True),
    ("other_member", False, False, False),
    ("base_admin", True, True, True),
    ("other_base_admin", False, False, True),
    ("network_admin", True, True, True),
    ("enterprise", False, False, False),
    ("visitor", False, False, False),
])
def test_who_files_reviews_and_reads(ctx, network, role, may_file, reviews, may_read):
    from flask_login import AnonymousUserMixin

    services = _services()
    user = network.people[role] or AnonymousUserMixin()
    assert services.may_file(user, network.incubator) is may_file
    assert services.reviews(user, network.incubator) is reviews
    assert services.may_read(user, network.incubator) is may_read


def test_refusals_change_nothing(ctx, network):
    from collab.content.models import StatusChange
    from collab.reports.models import Report

    services = _services()
    report = services.create_report(network.incubator, "2025", {"new_jobs": 1}, network.member)
    services.submit_report(report, network.member)
    db.session.commit()
    before = (count_rows(Report), count_rows(StatusChange))
    for user in (network.other_member, network.enterprise, network.other_base_admin):
        with pytest.raises(NotAllowed):
            services.create_report(network.incubator, "2024", {}, user)
    for user in (network.member, network.other_base_admin, network.other_member):
        with pytest.raises(NotAllowed):
            services.review_report(report, "accept", user)
        db.session.rollback()
    assert (count_rows(Report), count_rows(StatusChange)) == before
    db.session.expire_all()
    assert db.session.get(Report, report.id).status == "submitted"


def test_a_base_report_is_reviewed_by_the_network_admins_only(ctx, network):
    services = _services()
    report = services.create_report(network.base, "2025", {}, network.base_admin)
    assert services.create_report  # the base's own admin files it
    services.update_report(report, {"tech_contract_value": 1.5}, network.base_admin)
    services.submit_report(report, network.base_admin)
    assert not services.reviews(network.base_admin, network.base)
    with pytest.raises(NotAllowed):
        services.review_report(report, "accept", network.base_admin)
    services.review_report(report, "accept", network.network_admin)
    assert report.is_current


@pytest.mark.parametrize("values, units, field", [
    ({"new_jobs": -1}, None, "new_jobs"),
    ({"new_jobs": "twelve"}, None, "new_jobs"),
    ({"new_jobs": True}, None, "new_jobs"),
    ({"new_jobs": 1.5}, None, "new_jobs"),
    ({"no_such_indicator": 3}, None, "no_such_indicator"),
    ({"policy_events": 3}, None, "policy_events"),  # a base's indicator, not an incubator's
    ({"new_revenue_cny": 100}, {"new_revenue_cny": "dollars"}, "new_revenue_cny"),
    ({"new_jobs": 3}, {"new_jobs": "10k_cny"}, "new_jobs"),
    ({"new_revenue_cny": "1e30"}, None, "new_revenue_cny"),
    ({"new_revenue_cny": "NaN"}, None, "new_revenue_cny"),
    ({"new_profit_cny": 200, "new_revenue_cny": 100}, None, "new_profit_cny"),  # profit ≤ revenue
])
def test_bad_figures_are_refused_field_by_field_and_save_nothing(ctx, network, values, units, field):
    from collab.reports.models import Report

    services = _services()
    before = count_rows(Report)
    with pytest.raises(InvalidFields) as refusal:
        services.create_report(network.incubator, "2025", values, network.member, units=units)
    assert field in refusal.value.fields
    db.session.rollback()
    assert count_rows(Report) == before


def test_several_bad_figures_are_named_at_once(ctx, network):
    services = _services()
    with pytest.raises(InvalidFields) as refusal:
        services.create_report(network.incubator, "2025", {"new_jobs": -1, "mentors": "x", "nope": 1},
                               network.member)
    assert set(refusal.value.fields) == {"new_jobs", "mentors", "nope"}


def test_a_future_period_and_bad_figures_are_named_together(ctx, network):
    services = _services()
    with pytest.raises(InvalidFields) as refusal:
        services.create_report(network.incubator, "2027", {"new_jobs": -1}, network.member)
    assert set(refusal.value.fields) == {"period", "new_jobs"}


@pytest.mark.parametrize("period", ["2027", "2027-Q1", "2026-Q5", "26", "2026Q3", "1999", "", "2026-Q3-x", None])
def test_bad_or_future_periods_are_refused(ctx, network, period):
    from collab.reports.models import Report

    services = _services()
    before = count_rows(Report)
    with pytest.raises(ServiceError) as refusal:
        services.create_report(network.incubator, period, {"new_jobs": 1}, network.member)
    assert refusal.value.field == "period"
    db.session.rollback()
    assert count_rows(Report) == before


def test_the_current_quarter_and_year_may_be_reported(ctx, network):
    services = _services()
    assert services.create_report(network.incubator, "2026-Q4", {}, network.member).quarter == 4  # begun 1 Oct
    assert services.create_report(network.incubator, "2026", {}, network.member).year == 2026


@pytest.mark.parametrize("raw, unit, stored", [
    ("1,500", "10k_cny", 15_000_000),
    ("1500", "10k_cny", 15_000_000),
    (1.5, "100m_cny", 150_000_000),
    ("15000000", "cny", 15_000_000),
    ("15000000", None, 15_000_000),
    ("1，500", "10k_cny", 15_000_000),  # a Chinese comma
])
def test_money_is_converted_from_the_unit_given(ctx, network, raw, unit, stored):
    services = _services()
    report = services.create_report(network.incubator, "2025", {"new_revenue_cny": raw}, network.member,
                                    units={"new_revenue_cny": unit} if unit else None)
    assert report.values["new_revenue_cny"] == stored
    assert isinstance(report.values["new_revenue_cny"], int)


def test_contract_value_of_a_base_is_kept_in_100_million_cny(ctx, network):
    services = _services()
    report = services.create_report(network.base, "2025", {"tech_contract_value": "15000"}, network.base_admin,
                                    units={"tech_contract_value": "10k_cny"})
    assert report.values["tech_contract_value"] == 1.5  # 15,000 万元 = 1.5 亿元


def test_submitting_needs_a_figure(ctx, network, monkeypatch):
    from collab.reports import figures

    services = _services()
    monkeypatch.setattr(figures, "prefill", lambda org, period: {})
    report = services.create_report(network.incubator, "2025", {}, network.member)
    with pytest.raises(ServiceError) as refusal:
        services.submit_report(report, network.member)
    assert refusal.value.field == "values"


def test_prefilled_figures_start_the_values_and_filed_ones_override_them(ctx, network, monkeypatch):
    from collab.reports import figures

    services = _services()
    monkeypatch.setattr(figures, "prefill", lambda org, period: {
        "mentors": {"value": 4, "source": "active_mentors"},
        "events_held": {"value": 2, "source": "held_events"}})
    report = services.create_report(network.incubator, "2025", {"events_held": 3}, network.member)
    assert report.values == {"mentors": 4, "events_held": 3}
    assert report.prefilled["events_held"] == {"value": 2, "source": "held_events"}
