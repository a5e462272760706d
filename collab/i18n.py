"""Two languages everywhere: the locale in the URL, Babel selectors, locale-aware
formatting, and bilingual content fields with fallback (docs/DESIGN.md §3)."""
from __future__ import annotations

import zoneinfo
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from urllib.parse import unquote

from babel import dates as babel_dates
from flask import current_app, g, has_app_context, has_request_context, request
from flask_babel import format_currency, format_decimal, get_locale, get_timezone
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from werkzeug.routing import BaseConverter

LANG_COOKIE = "collab_lang"
TZ_COOKIE = "collab_tz"


class LangConverter(BaseConverter):
    """``<lang:lang>`` matches only the languages Collab serves, so /fr/ is a 404."""

    regex = "zh|en"


def lang_to_locale(lang: str) -> str:
    return current_app.config["LANGUAGES"].get(lang, current_app.config["BABEL_DEFAULT_LOCALE"])


def locale_to_lang(locale) -> str:
    return "zh" if str(locale).startswith("zh") else "en"


def current_lang() -> str:
    """The two-letter language: the URL's, else (API, unmatched URLs) the caller's."""
    if has_app_context() and g.get("lang"):
        return g.lang
    if has_request_context():
        prefix = request.path.split("/", 2)[1] if request.path.count("/") >= 2 else ""
        if prefix in current_app.config["LANGUAGES"]:
            return prefix
        if request.path.startswith("/api/"):
            return best_accept_language()
        return preferred_lang()
    return current_app.config["DEFAULT_LANGUAGE"]


def best_accept_language() -> str:
    # docs/STACK.md: best_match(["zh_Hans", ...]) misses zh-CN; offer "zh" and map it.
    return request.accept_languages.best_match(["zh", "en"]) or current_app.config["DEFAULT_LANGUAGE"]


def preferred_lang() -> str:
    """Where ``/`` sends a person: remembered choice, then profile, then browser."""
    remembered = request.cookies.get(LANG_COOKIE)
    if remembered in current_app.config["LANGUAGES"]:
        return remembered
    if current_user.is_authenticated and current_user.locale in current_app.config["LANGUAGES"]:
        return current_user.locale
    return best_accept_language()


def select_locale() -> str:
    return lang_to_locale(current_lang())


def select_timezone() -> str:
    """The viewer's IANA zone as a string (also Flask-Babel's timezone selector)."""
    if has_request_context():
        if current_user and current_user.is_authenticated:
            return current_user.timezone
        # app.js writes the zone with encodeURIComponent ("Asia%2FUrumqi"); cookies are not decoded.
        browser_zone = unquote(request.cookies.get(TZ_COOKIE, ""))
        if browser_zone and is_valid_timezone(browser_zone):
            return browser_zone
    return current_app.config["DEFAULT_TIMEZONE"]


_FORCED_TIMEZONE: ContextVar[str | None] = ContextVar("collab_forced_timezone", default=None)


@contextmanager
def force_timezone(tz: str):
    """Render dates in ``tz`` inside the block (e-mails: the recipient's zone, not the sender's)."""
    token = _FORCED_TIMEZONE.set(tz)
    try:
        yield
    finally:
        _FORCED_TIMEZONE.reset(token)


def current_timezone() -> str:
    """The IANA zone dates are rendered in: the forced one (``force_timezone``), else the viewer's.
    The formatting helpers pass it to Babel as a zoneinfo zone; Flask-Babel's own
    ``get_timezone`` (its own zone object, cached per request) does not see ``force_timezone``."""
    return _FORCED_TIMEZONE.get() or select_timezone()


@lru_cache(maxsize=1)
def all_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_valid_timezone(name: str) -> bool:
    return name in all_timezones()


# Zones of the network, named the way people here say them (docs/STACK.md: let people pick
# Beijing or Xinjiang time explicitly rather than guessing from the browser).
FEATURED_TIMEZONES = (
    ("Asia/Shanghai", _l("Beijing time (UTC+8)")),
    ("Asia/Urumqi", _l("Xinjiang time (UTC+6)")),
    ("Asia/Tashkent", _l("Tashkent time (UTC+5)")),
    ("Asia/Almaty", _l("Almaty time (UTC+5)")),
    ("Asia/Bishkek", _l("Bishkek time (UTC+6)")),
    ("Asia/Dushanbe", _l("Dushanbe time (UTC+5)")),
    ("Asia/Karachi", _l("Pakistan time (UTC+5)")),
    ("UTC", _l("Coordinated Universal Time (UTC)")),
)


# Short names for the zones of the network, as people here say them ("10:00 新疆时间");
# other zones get Babel's "Country (City) Time".
ZONE_LABELS = {
    "Asia/Shanghai": _l("Beijing time"),
    "Asia/Urumqi": _l("Xinjiang time"),
    "Asia/Tashkent": _l("Tashkent time"),
    "Asia/Almaty": _l("Almaty time"),
    "Asia/Bishkek": _l("Bishkek time"),
    "Asia/Dushanbe": _l("Dushanbe time"),
    "Asia/Karachi": _l("Pakistan time"),
    "UTC": _l("UTC"),
}


def zone_label(tz: str) -> str:
    """The short, translated name of a zone (Xinjiang time), for pages and e-mails."""
    if tz in ZONE_LABELS:
        return str(ZONE_LABELS[tz])
    from babel.dates import get_timezone_location

    return get_timezone_location(zoneinfo.ZoneInfo(tz), locale=str(get_locale()))


def timezone_choices() -> list[tuple[str, str]]:
    featured = [(zone, str(label)) for zone, label in FEATURED_TIMEZONES]
    known = {zone for zone, _ in FEATURED_TIMEZONES}
    return featured + [(zone, zone) for zone in sorted(all_timezones() - known)]


LANGUAGE_NAMES = {"zh": "中文", "en": "English"}


# --- bilingual content -------------------------------------------------------

@dataclass(frozen=True)
class LocalizedText:
    text: str
    lang: str  # the language the text is written in
    is_fallback: bool  # True when shown in the other language, as the original


def localized(obj, field: str, lang: str | None = None) -> LocalizedText | None:
    """``obj.<field>_zh`` / ``_en`` in the reader's language, else the other one."""
    lang = lang or current_lang()
    other = "en" if lang == "zh" else "zh"
    own = getattr(obj, f"{field}_{lang}", None)
    if own:
        return LocalizedText(own, lang, False)
    fallback = getattr(obj, f"{field}_{other}", None)
    if fallback:
        return LocalizedText(fallback, other, True)
    return None


def localized_text(obj, field: str, lang: str | None = None) -> str:
    value = localized(obj, field, lang)
    return value.text if value else ""


# --- formatting --------------------------------------------------------------

def fmt_datetime(value: datetime | None, format: str = "medium") -> str:
    """A date and time in ``current_timezone()`` (a naive value is read as UTC)."""
    if not value:
        return ""
    return babel_dates.format_datetime(value, format, tzinfo=zoneinfo.ZoneInfo(current_timezone()),
                                       locale=get_locale())


def fmt_in_zone(value: datetime | None, tz: str, format: str = "medium") -> str:
    """A date and time in the zone ``tz`` (an event's own zone shown beside the viewer's)."""
    with force_timezone(tz):
        return fmt_datetime(value, format)


def fmt_time(value: datetime | None, tz: str | None = None) -> str:
    """The time of day (10:00) in ``tz`` or ``current_timezone()``."""
    if not value:
        return ""
    zone = zoneinfo.ZoneInfo(tz or current_timezone())
    return babel_dates.format_time(value.astimezone(zone), "HH:mm", locale=get_locale())


def fmt_moment(value: datetime | None, tz: str | None = None) -> str:
    """A date and a time of day without seconds (“10 Dec 2026, 11:00”) in ``tz`` or the viewer's zone."""
    if not value:
        return ""
    from flask_babel import gettext

    local = value.astimezone(zoneinfo.ZoneInfo(tz or current_timezone()))
    return gettext("%(date)s, %(time)s", date=babel_dates.format_date(local, "medium", locale=get_locale()),
                   time=babel_dates.format_time(local, "HH:mm", locale=get_locale()))


def fmt_span(start: datetime | None, end: datetime | None, tz: str | None = None) -> str:
    """From ``start`` to ``end`` in ``tz`` or the viewer's zone, the date once when both fall on
    the same day (“10 Dec 2026, 11:00–19:00”)."""
    if not start or not end:
        return fmt_moment(start or end, tz)
    from flask_babel import gettext

    zone = zoneinfo.ZoneInfo(tz or current_timezone())
    if start.astimezone(zone).date() == end.astimezone(zone).date():
        return gettext("%(date)s, %(start)s–%(end)s",
                       date=babel_dates.format_date(start.astimezone(zone), "medium", locale=get_locale()),
                       start=fmt_time(start, tz), end=fmt_time(end, tz))
    return gettext("%(start)s – %(end)s", start=fmt_moment(start, tz), end=fmt_moment(end, tz))


def fmt_date(value, format: str = "medium") -> str:
    """A date; an instant (naive: UTC) as its date in ``current_timezone()``."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = value.replace(tzinfo=value.tzinfo or timezone.utc).astimezone(zoneinfo.ZoneInfo(current_timezone()))
    return babel_dates.format_date(value, format, locale=get_locale())


def fmt_number(value) -> str:
    # Reported facts may be ranges such as "20-30"; those are shown as written.
    if isinstance(value, str):
        return value
    return "" if value is None else format_decimal(value)


def fmt_money(value, currency: str = "CNY") -> str:
    if isinstance(value, str):
        return value
    return "" if value is None else format_currency(value, currency)


def configure_i18n(app) -> None:
    """Language routing, Babel selectors and template helpers."""
    from .extensions import babel

    app.url_map.converters["lang"] = LangConverter
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)

    @app.url_value_preprocessor
    def pull_lang(endpoint, values):
        if values and "lang" in values:
            g.lang = values.pop("lang")

    @app.url_defaults
    def add_lang(endpoint, values):
        if "lang" in values or not app.url_map.is_endpoint_expecting(endpoint, "lang"):
            return
        values["lang"] = current_lang() if has_request_context() else app.config["DEFAULT_LANGUAGE"]

    @app.after_request
    def remember_lang(response):
        if g.get("lang") and request.cookies.get(LANG_COOKIE) != g.lang:
            response.set_cookie(LANG_COOKIE, g.lang, max_age=365 * 24 * 3600,
                                samesite="Lax", httponly=True,
                                secure=app.config["SESSION_COOKIE_SECURE"])
        return response

    app.jinja_env.globals.update(
        get_locale=get_locale, get_timezone=get_timezone, current_timezone=current_timezone,
        current_lang=current_lang, localized=localized,
        localized_text=localized_text, zone_label=zone_label, in_zone=fmt_in_zone, time_in=fmt_time,
        moment=fmt_moment, span=fmt_span,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
    )
    app.jinja_env.filters.update(
        datetime=fmt_datetime, date=fmt_date, number=fmt_number, money=fmt_money, time=fmt_time,
    )


def bilingual_html(obj, field: str) -> Markup:
    """The field in the reader's language, marked as the original when it falls back."""
    from flask_babel import gettext

    value = localized(obj, field)
    if value is None:
        return Markup("")
    text = escape(value.text)
    if not value.is_fallback:
        return Markup('<span lang="{lang}">{text}</span>').format(lang=_html_lang(value.lang), text=text)
    return Markup('<span lang="{lang}">{text}</span> <span class="badge text-bg-light border original-badge">{label}</span>').format(
        lang=_html_lang(value.lang), text=text, label=gettext("original"))


def _html_lang(lang: str) -> str:
    return "zh-Hans" if lang == "zh" else "en"
