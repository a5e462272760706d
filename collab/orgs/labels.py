"""Translated labels for the codes organisations, roles and facts use."""
from flask_babel import lazy_gettext as _l

ORG_KIND_LABELS = {
    "xinjiang_base": _l("Xinjiang base"),
    "offshore_incubator": _l("Offshore incubator"),
    "international_partner": _l("International partner"),
    "enterprise": _l("Enterprise"),
    "university": _l("University or institute"),
    "investor": _l("Investor"),
}

ROLE_LABELS = {
    "enterprise": _l("Xinjiang enterprise"),
    "center": _l("Incubation center staff"),
    "mentor": _l("Mentor"),
    "admin": _l("Base administrator"),
}

MEMBERSHIP_LABELS = {
    "none": _l("No organisation"),
    "pending": _l("Awaiting approval"),
    "approved": _l("Approved member"),
    "rejected": _l("Membership declined"),
}

ORG_STATUS_LABELS = {
    "proposed": _l("Proposed, awaiting review"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
}

COUNTRY_LABELS = {
    "CN": _l("China"),
    "PK": _l("Pakistan"),
    "UZ": _l("Uzbekistan"),
    "KZ": _l("Kazakhstan"),
    "KG": _l("Kyrgyzstan"),
    "TJ": _l("Tajikistan"),
    # ISO 3166 "ZZ" (unknown): the country column holds two-letter codes only.
    "ZZ": _l("Other country"),
}

FACT_LABELS = {
    "annual_new_jobs": _l("New jobs per year"),
    "annual_new_profit_cny": _l("New profit per year"),
    "annual_new_revenue_cny": _l("New revenue per year"),
    "annual_new_tax_cny": _l("New tax per year"),
    "companies_in_incubation": _l("Companies in incubation"),
    "companies_incubated_total": _l("Companies incubated in total"),
    "companies_served": _l("Companies served"),
    "floor_area_m2": _l("Floor area"),
    "graduated_companies": _l("Graduated companies"),
    "high_tech_enterprises": _l("High-tech enterprises"),
    "incubation_area_m2": _l("Incubation area"),
    "incubation_carriers": _l("Incubation carriers"),
    "incubator_floor_area_m2": _l("Incubator floor area"),
    "incubators": _l("Incubators"),
    "innovation_platforms": _l("Innovation platforms"),
    "investment_cny": _l("Investment"),
    "jobs": _l("Jobs"),
    "maker_spaces": _l("Maker spaces"),
    "planned_investment_cny": _l("Planned investment"),
    "promotion_events_per_year": _l("Promotion events per year"),
    "registered_capital_cny": _l("Registered capital"),
    "resident_companies": _l("Resident companies"),
    "signed_pending_companies": _l("Companies signed, moving in"),
    "target_companies_mentored": _l("Target: companies mentored"),
    "target_events": _l("Target: events"),
    "target_innovative_companies": _l("Target: innovative companies"),
    "target_ipo_green_channel": _l("Target: IPO green-channel companies"),
    "target_projects_into_shanghai": _l("Target: projects brought to Shanghai"),
    "target_resident_companies": _l("Target: resident companies"),
    "tech_companies": _l("Technology companies"),
}


def fact_label(key: str) -> str:
    return str(FACT_LABELS.get(key, key.replace("_", " ")))
