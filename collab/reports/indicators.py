"""The indicator definitions as reports use them: which organisations report which
indicators, their units (and the conversion between 元, 万元 and 亿元), periods, and the
targets the organisations' own plans publish."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from ..extensions import db
from ..orgs.models import Indicator, IndicatorTarget, Organisation

# Which organisations file reports, and at which level of collab/data/indicators.json.
LEVEL_OF_KIND = {"xinjiang_base": "base", "offshore_incubator": "incubator", "international_partner": "incubator"}
REPORTING_KINDS = tuple(LEVEL_OF_KIND)

UNIT_LABELS = {
    "count": _l("count"),
    "cny": _l("CNY (元)"),
    "10k_cny": _l("10,000 CNY (万元)"),
    "100m_cny": _l("100 million CNY (亿元)"),
    "m2": _l("m²"),
    "percent": _l("%"),
    "per_10k_people": _l("per 10,000 people"),
}
# Money is entered in 元, 万元 or 亿元, as the filer says (never guessed from the size),
# and stored in the indicator's own unit.
MONEY_SCALE = {"cny": 1, "10k_cny": 10_000, "100m_cny": 100_000_000}
WHOLE_UNITS = frozenset({"count"})
MAX_VALUE = 10 ** 15  # beyond any real figure of a base; keeps JSON numbers exact


def is_money(unit: str) -> bool:
    return unit in MONEY_SCALE


def convert(value: Decimal | float | int, from_unit: str, to_unit: str) -> float | int:
    """``value`` in ``from_unit`` expressed in ``to_unit`` (both money units, or equal)."""
    if from_unit == to_unit:
        number = Decimal(str(value))
    else:
        if not (is_money(from_unit) and is_money(to_unit)):
            raise ValueError(f"cannot convert {from_unit} to {to_unit}")
        number = Decimal(str(value)) * MONEY_SCALE[from_unit] / MONEY_SCALE[to_unit]
    return plain_number(number)


def plain_number(number: Decimal | float | int) -> float | int:
    """An int when whole (1500, not 1500.0), else a float rounded to 6 decimals."""
    number = Decimal(str(number))
    if number == number.to_integral_value():
        return int(number)
    return float(round(number, 6))


# --- periods ------------------------------------------------------------------------

PERIOD_PATTERN = re.compile(r"^(\d{4})(?:-Q([1-4]))?$")


@dataclass(frozen=True)
class Period:
    """A report's period: a year ("2026") or one of its quarters ("2026-Q3"), as dates in
    Beijing time, ``[start, end)``."""

    year: int
    quarter: int | None = None

    @property
    def code(self) -> str:
        return f"{self.year}-Q{self.quarter}" if self.quarter else str(self.year)

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.quarter - 2, 1) if self.quarter else date(self.year, 1, 1)

    @property
    def end(self) -> date:
        if not self.quarter or self.quarter == 4:
            return date(self.year + 1, 1, 1)
        return date(self.year, 3 * self.quarter + 1, 1)

    @property
    def label(self) -> str:
        if self.quarter:
            return str(_l("%(year)s, quarter %(quarter)s", year=self.year, quarter=self.quarter))
        return str(_l("Year %(year)s", year=self.year))

    def __str__(self) -> str:
        return self.code


def parse_period(text: str | None) -> Period | None:
    """"2026" or "2026-Q3" as a Period (years 2000–2100), else None."""
    match = PERIOD_PATTERN.match((text or "").strip().upper())
    if not match:
        return None
    year = int(match.group(1))
    if not 2000 <= year <= 2100:
        return None
    return Period(year, int(match.group(2)) if match.group(2) else None)


# --- who reports what -------------------------------------------------------------------

def level_of(org: Organisation) -> str | None:
    return LEVEL_OF_KIND.get(org.kind)


def indicators_for(org: Organisation) -> list[Indicator]:
    """The indicators ``org`` reports: those of its level, and any other one its plan sets
    a target for (Kashgar's table mixes base and carrier indicators)."""
    level = level_of(org)
    if level is None:
        return []
    targeted = select(IndicatorTarget.code).where(IndicatorTarget.organisation_id == org.id)
    return list(db.session.scalars(select(Indicator).where(or_(Indicator.level == level, Indicator.code.in_(targeted)))
                                   .order_by(Indicator.position)))


def all_indicators() -> list[Indicator]:
    return list(db.session.scalars(select(Indicator).order_by(Indicator.position)))


def targets(organisation_ids=None) -> list[IndicatorTarget]:
    """Published targets (of some organisations, or all), by organisation, span and indicator."""
    statement = select(IndicatorTarget)
    if organisation_ids is not None:
        statement = statement.where(IndicatorTarget.organisation_id.in_(list(organisation_ids)))
    return list(db.session.scalars(statement.order_by(IndicatorTarget.organisation_id, IndicatorTarget.start_year,
                                                      IndicatorTarget.code)))
