"""One-to-one meeting scheduler of a matchmaking event (对接会): a pure function.

Participants wish to meet items featured at the event (projects and needs); a meeting
of a participant with an item takes the participant and every owner of the item for one
slot, at one table. :func:`schedule_meetings` places the wishes greedily in priority
order — mutual wishes first, then by descending match score, ties by participant id and
then item id — each in the earliest slot where nobody involved is busy and a table is
free. Slots and tables are 0-based indexes; the caller maps slot ``s`` to the time
``start + s * meeting_minutes`` and numbers tables for display.

What the greedy placement guarantees (it is edge colouring, so it does not always find a
schedule of all mutual wishes when one exists):

* every wish left unmet was blocked, in every slot, by meetings of higher priority: the
  slot was full of them, or one of them involved the participant or an owner of the item;
* every wish met sits in the earliest slot not so blocked;
* hence all mutual wishes are met when, for each mutual wish ``w``,
  ``min(M - 1, c(w) + (M - 1) // tables) < slots``, where ``M`` is the number of
  distinct mutual wishes and ``c(w)`` the number of other mutual wishes sharing a person
  with ``w`` (only mutual meetings are placed before a mutual wish; each of them blocks
  at most one slot by conflict, and they fill at most ``(M - 1) // tables`` slots).
  In particular: when ``slots >= M``, or when nobody is in two mutual wishes and
  ``M <= slots * tables``.

Ids are hashable; ids of one type must be orderable among themselves (ints, strings,
tuples of those), ids of different types are ordered by their type's name.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, replace
from typing import Any

Id = Hashable


@dataclass(frozen=True)
class Item:
    """A project or need featured at the event, with the participants who present it."""

    id: Id
    owners: frozenset[Id]

    def __post_init__(self) -> None:
        # Accept any iterable of owners, so that items stay hashable and compare equal.
        object.__setattr__(self, "owners", frozenset(self.owners))


@dataclass(frozen=True)
class Wish:
    """A participant's wish to meet an item (and so its owners), with a match score in [0, 1]."""

    participant: Id
    item: Id
    score: float
    mutual: bool = False

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0:  # also refuses NaN
            raise ValueError(f"match score {self.score!r} of {self.participant!r} → {self.item!r} is not in [0, 1]")
        # 1 and 1.0 are one score: normalised so that equal inputs give identical schedules.
        object.__setattr__(self, "score", float(self.score))
        object.__setattr__(self, "mutual", bool(self.mutual))


@dataclass(frozen=True)
class Meeting:
    """A participant meeting an item's owners in a slot (0-based) at a table (0-based)."""

    slot: int
    table: int
    participant: Id
    item: Id


@dataclass(frozen=True)
class Schedule:
    """The meetings placed, by slot and table, and the wishes left unmet, in priority order."""

    meetings: tuple[Meeting, ...]
    unmet: tuple[Wish, ...]


def id_order(value: Id) -> tuple[str, Any]:
    """A sort key for ids that keeps ints and strings (or other types) apart."""
    return (type(value).__name__, value)


def priority(wish: Wish) -> tuple[bool, float, tuple[str, Any], tuple[str, Any]]:
    """The order of placement: mutual first, then descending score, then participant and item ids."""
    return (not wish.mutual, -wish.score, id_order(wish.participant), id_order(wish.item))


def _owners_by_item(items: Iterable[Item]) -> dict[Id, frozenset[Id]]:
    owners_of: dict[Id, frozenset[Id]] = {}
    for item in items:
        if not item.owners:
            raise ValueError(f"item {item.id!r} has no owner to meet")
        known = owners_of.setdefault(item.id, item.owners)
        if known != item.owners:
            raise ValueError(f"item {item.id!r} is given twice with different owners")
    return owners_of


def _owners_of_wish(owners_of: dict[Id, frozenset[Id]], wish: Wish) -> frozenset[Id]:
    try:
        return owners_of[wish.item]
    except KeyError:
        raise ValueError(f"wish of {wish.participant!r} for {wish.item!r}, which is not featured") from None


def mutual_wishes(wishes: Iterable[Wish], items: Iterable[Item],
                  person_wishes: Iterable[tuple[Id, Id]] = ()) -> list[Wish]:
    """The wishes, in their order, with ``mutual`` recomputed from both sides (rule below).

    Say that ``a`` asked to meet ``b`` when ``a`` wished an item that ``b`` owns and ``a``
    does not, or when ``(a, b)`` is in ``person_wishes`` (a wish to meet a person directly).
    Participant ``p``'s wish for item ``i`` is mutual when ``p`` does not own ``i`` and some
    owner ``q`` of ``i`` asked to meet ``p``. The flag given on the input is replaced.
    """
    owners_of = _owners_by_item(items)
    wishes = list(wishes)
    asked: set[tuple[Id, Id]] = {(a, b) for a, b in person_wishes if a != b}
    for wish in wishes:
        owners = _owners_of_wish(owners_of, wish)
        if wish.participant not in owners:
            asked.update((wish.participant, owner) for owner in owners)
    marked = []
    for wish in wishes:
        owners = owners_of[wish.item]
        mutual = wish.participant not in owners and any((owner, wish.participant) in asked for owner in owners)
        marked.append(wish if wish.mutual == mutual else replace(wish, mutual=mutual))
    return marked


def schedule_meetings(participants: Iterable[Id], items: Iterable[Item], wishes: Iterable[Wish], *,
                      slots: int, tables: int) -> Schedule:
    """Place the wishes as one-to-one meetings, greedily in priority order, each in its earliest free slot.

    Wishes of a participant for an item they own are ignored; duplicate wishes (same
    participant and item) count once, as their highest-priority version. Raises
    ValueError for a wish of an unknown participant or for an unknown item, an item
    without owners or with an owner who is not a participant, or negative slots or tables.
    """
    if slots < 0 or tables < 0:
        raise ValueError(f"slots ({slots}) and tables ({tables}) cannot be negative")
    people = frozenset(participants)
    owners_of = _owners_by_item(items)
    for item_id, owners in owners_of.items():
        if not owners <= people:
            raise ValueError(f"owners {sorted(owners - people, key=id_order)!r} of {item_id!r} are not participants")

    best: dict[tuple[Id, Id], Wish] = {}
    for wish in wishes:
        if wish.participant not in people:
            raise ValueError(f"wish of {wish.participant!r}, who is not a participant")
        if wish.participant in _owners_of_wish(owners_of, wish):
            continue  # nobody visits their own item; such a wish is not demand
        key = (wish.participant, wish.item)
        kept = best.get(key)
        if kept is None or priority(wish) < priority(kept):
            best[key] = wish

    # One bit per slot: a person's slots already taken, and the slots whose tables are all
    # used. Finding the earliest free slot is then a few integer ORs per wish instead of a
    # scan of every slot, so the whole run is O(wishes × owners) big-integer operations.
    every = (1 << slots) - 1
    full = every if tables == 0 else 0
    busy: dict[Id, int] = {}
    used = [0] * slots
    meetings: list[Meeting] = []
    unmet: list[Wish] = []
    for wish in sorted(best.values(), key=priority):
        owners = owners_of[wish.item]
        blocked = full | busy.get(wish.participant, 0)
        for owner in owners:
            blocked |= busy.get(owner, 0)
        free = every & ~blocked
        if not free:
            unmet.append(wish)
            continue
        slot = (free & -free).bit_length() - 1  # the lowest set bit: the earliest free slot
        bit = 1 << slot
        busy[wish.participant] = busy.get(wish.participant, 0) | bit
        for owner in owners:
            busy[owner] = busy.get(owner, 0) | bit
        table = used[slot]
        used[slot] = table + 1
        if table + 1 == tables:
            full |= bit
        meetings.append(Meeting(slot, table, wish.participant, wish.item))
    meetings.sort(key=lambda meeting: (meeting.slot, meeting.table))
    return Schedule(tuple(meetings), tuple(unmet))
