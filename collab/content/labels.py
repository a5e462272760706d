"""Translated labels of the codes projects and needs use."""
from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "draft": _l("Draft"),
    "pending_review": _l("Awaiting review"),
    "published": _l("Published"),
    "in_incubation": _l("In incubation"),
    "landed": _l("Landed in Xinjiang"),
    "graduated": _l("Graduated"),
    "rejected": _l("Not approved"),
    "closed": _l("Closed"),
    "open": _l("Open"),
    "in_talks": _l("In talks"),
    "fulfilled": _l("Fulfilled"),
    "withdrawn": _l("Withdrawn"),
    "expired": _l("Expired"),
    "cancelled": _l("Cancelled"),
    "held": _l("Held"),
}

TRANSITION_LABELS = {
    "submit": _l("Submit for review"),
    "withdraw": _l("Withdraw from review"),
    "approve": _l("Approve"),
    "reject": _l("Reject"),
    "in_incubation": _l("Mark as in incubation"),
    "landed": _l("Mark as landed in Xinjiang"),
    "graduated": _l("Mark as graduated"),
    "closed": _l("Close"),
    "in_talks": _l("Mark as in talks"),
    "open": _l("Reopen"),
    "fulfilled": _l("Mark as fulfilled"),
    "withdrawn": _l("Withdraw"),
    "expired": _l("Expire"),
    "publish": _l("Publish"),
    "cancel": _l("Cancel the event"),
    "held": _l("Mark as held"),
}

STAGE_LABELS = {
    "idea": _l("Idea"),
    "prototype": _l("Prototype"),
    "early_revenue": _l("Early revenue"),
    "growth": _l("Growth"),
}

DIRECTION_LABELS = {
    "offshore_to_xinjiang": _l("Incubated offshore → landing in Xinjiang"),
    "xinjiang_to_offshore": _l("Xinjiang project → incubation offshore"),
    "international": _l("International"),
}

IP_LABELS = {
    "none": _l("No IP yet"),
    "pending": _l("Patent pending"),
    "granted": _l("Patent granted"),
    "licensed": _l("Licensed IP"),
}

SEEKS_LABELS = {
    "landing_site": _l("Landing site in Xinjiang"),
    "partners": _l("Partners"),
    "capital": _l("Capital"),
    "talent": _l("Talent"),
    "market": _l("Market access"),
}

NEED_KIND_LABELS = {
    "technology": _l("Technology need"),
    "industry": _l("Industry need"),
    "talent": _l("Talent need"),
    "capital": _l("Capital need"),
}

VISIBILITY_LABELS = {
    "public": _l("Public"),
    "members": _l("Members only"),
    "anonymous": _l("Public, organisation hidden"),
}

LOCATION_LABELS = {
    "urumqi": _l("Ürümqi"),
    "kashgar": _l("Kashgar"),
    "karamay": _l("Karamay"),
    "yili": _l("Ili"),
    "changji": _l("Changji"),
    "hami": _l("Hami"),
    "turpan": _l("Turpan"),
    "aksu": _l("Aksu"),
    "hotan": _l("Hotan"),
    "korla": _l("Korla (Bayingolin)"),
    "shihezi": _l("Shihezi"),
    "bortala": _l("Bortala"),
    "tacheng": _l("Tacheng"),
    "altay": _l("Altay"),
    "kizilsu": _l("Kizilsu"),
}


# Why a review turns an item down (the author reads it in their language).
REVIEW_REASONS = {
    "incomplete": _l("Incomplete information"),
    "not_in_scope": _l("Not in the scope of the network"),
    "duplicate": _l("Duplicate of another post"),
    "unclear": _l("Unclear description"),
    "confidential": _l("Contains confidential information"),
    "other": _l("Other reason"),
}


def status_label(code: str) -> str:
    return str(STATUS_LABELS.get(code, code))
