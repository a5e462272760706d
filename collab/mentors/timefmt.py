"""Times shown right (docs/DESIGN.md §4): in the viewer's zone, named the way people here
say it, with Beijing time beside it whenever the viewer's clock is not at UTC+8.

``10:00 Tashkent time (15:00 Beijing time)`` / ``10:00 新疆时间（北京时间 12:00）``.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from babel import Locale
from babel.dates import format_skeleton
from flask import has_request_context, request
from flask_babel import get_locale, gettext as _

from ..i18n import ZONE_LABELS, current_timezone, is_valid_timezone, zone_label  # noqa: F401  (re-exported for mentors)
from .slots import zone

BEIJING = "Asia/Shanghai"
UTC_PLUS_8 = timedelta(hours=8)

def viewer_timezone() -> str:
    """The zone pages and e-mails are rendered in (e-mails force the recipient's)."""
    name = current_timezone()
    return name if is_valid_timezone(name) else BEIJING


def requested_timezone(default: str | None = None) -> tuple[str, bool]:
    """``?tz=`` when given and valid, else the viewer's zone; and whether ``tz`` was bad."""
    given = request.args.get("tz", "").strip() if has_request_context() else ""
    if given and is_valid_timezone(given):
        return given, False
    return default or viewer_timezone(), bool(given)


def _clock(value: datetime, with_date: bool, date_skeleton: str = "yMMMEd") -> str:
    """ "09:00", or with the date in the locale's own order ("Wed, Dec 2, 2026, 09:00")."""
    locale = Locale.parse(str(get_locale()))
    clock = format_skeleton("Hm", value, locale=locale)
    if not with_date:
        return clock
    day = format_skeleton(date_skeleton, value, locale=locale)
    return str(locale.datetime_formats["medium"]).replace("{1}", day).replace("{0}", clock)


def _beside(local_start: datetime, local_end: datetime | None, with_date: bool) -> str | None:
    """The Beijing clock when the viewer's offset at that instant is not +8."""
    if local_start.utcoffset() == UTC_PLUS_8:
        return None
    bj_start = local_start.astimezone(zone(BEIJING))
    # Name the Beijing date only when it differs from the viewer's (late evening in Tashkent).
    show_date = with_date and bj_start.date() != local_start.date()
    text = _clock(bj_start, show_date, "MMMd")
    if local_end is not None:
        text = _("%(start)s–%(end)s", start=text, end=_clock(local_end.astimezone(zone(BEIJING)), False))
    return text


def format_when(value: datetime | None, tz: str | None = None, with_date: bool = True,
                end: datetime | None = None) -> str:
    """An instant (or a range with ``end``) in ``tz`` (default: the viewer's), with Beijing time."""
    if value is None:
        return ""
    tz = tz or viewer_timezone()
    local = value.astimezone(zone(tz))
    local_end = end.astimezone(zone(tz)) if end is not None else None
    clock = _clock(local, with_date)
    if local_end is not None:
        clock = _("%(start)s–%(end)s", start=clock, end=_clock(local_end, False))
    beijing = _beside(local, local_end, with_date)
    if beijing is None:
        return _("%(time)s %(zone)s", time=clock, zone=zone_label(tz))
    return _("%(time)s %(zone)s (%(beijing)s Beijing time)", time=clock, zone=zone_label(tz), beijing=beijing)


def format_range(start: datetime, end: datetime, tz: str | None = None, with_date: bool = True) -> str:
    return format_when(start, tz, with_date, end=end)


def format_day(value: datetime, tz: str | None = None) -> str:
    """The local date of an instant, e.g. "Tue, Dec 1" / "12月1日周二"."""
    return format_skeleton("MMMEd", value.astimezone(zone(tz or viewer_timezone())), locale=str(get_locale()))


def format_date_only(day) -> str:
    """A calendar date (already local), e.g. "Tue, Dec 1" / "12月1日周二"."""
    return format_skeleton("MMMEd", datetime.combine(day, datetime.min.time()), locale=str(get_locale()))


def iso_in(value: datetime, tz: str) -> str:
    """ISO 8601 with the offset of ``tz`` (the API's slots are shown in the asked zone)."""
    return value.astimezone(zone(tz)).isoformat()
