"""Benchmark of the one-to-one meeting scheduler of matchmaking events (对接会).

    .venv/bin/python -m bench.schedule [--participants 300] [--items 150] [--wishes 1000]
                                       [--pairs 180] [--slots 16] [--tables 30] [--runs 7] [--seed 7]

Builds a seeded synthetic event: ``--items`` featured projects and needs with 1–2 owners
each, ``--wishes`` distinct wishes of which ``--pairs`` pairs are reciprocal (two owners
wishing each other's items; the two-sided rule may find a few more), popular items wished
more often, scores in hundredths (so ties happen). A day of 09:00–17:00 in 30-minute
meetings is the default 16 slots. Times the marking of mutual wishes plus the scheduling
— target < 2 s — checks the schedule's constraints, and prints the medians of ``--runs``
runs and the meetings placed and unmet. Prints one JSON line last; exits 1 when the
target is missed or the schedule breaks a constraint.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path

if not __package__:  # run as ``python bench/schedule.py``: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import timed  # noqa: E402
from collab.events.schedule import Item, Schedule, Wish, mutual_wishes, schedule_meetings  # noqa: E402

TARGET_MS = 2000.0


def build(n_participants: int, n_items: int, n_wishes: int, n_pairs: int,
          seed: int) -> tuple[list[int], list[Item], list[Wish]]:
    """Participants, items with 1–2 owners, and distinct wishes, some of them reciprocal."""
    rnd = random.Random(seed)
    participants = list(range(1, n_participants + 1))
    items = []
    for k in range(n_items):
        kind = "project" if k % 5 < 3 else "need"
        owners = frozenset(rnd.sample(participants, 1 if rnd.random() < 0.7 else 2))
        items.append(Item(f"{kind}-{k + 1}", owners))
    # A few items draw most of the interest, as at a real event.
    popularity = [1.0 / (rank + 1) ** 0.8 for rank in range(n_items)]
    rnd.shuffle(popularity)
    owned = {}
    for item in items:
        for owner in item.owners:
            owned.setdefault(owner, []).append(item)
    owners = sorted(owned)
    pairs: dict[tuple[int, str], Wish] = {}

    def add(participant: int, item: Item) -> None:
        if participant not in item.owners and (participant, item.id) not in pairs and len(pairs) < n_wishes:
            score = round(min(1.0, max(0.0, rnd.gauss(0.55, 0.2))), 2)
            pairs[(participant, item.id)] = Wish(participant, item.id, score)

    while len(pairs) < 2 * n_pairs:  # reciprocal wishes between two owners
        p, q = rnd.sample(owners, 2)
        add(p, rnd.choice(owned[q]))
        add(q, rnd.choice(owned[p]))
    while len(pairs) < n_wishes:
        add(rnd.choice(participants), rnd.choices(items, popularity)[0])
    wishes = list(pairs.values())
    rnd.shuffle(wishes)
    return participants, items, wishes


def violations(items: list[Item], schedule: Schedule, slots: int, tables: int) -> list[str]:
    """The constraints the schedule breaks (none expected)."""
    owners = {item.id: item.owners for item in items}
    problems = []
    per_slot = Counter(m.slot for m in schedule.meetings)
    if any(count > tables for count in per_slot.values()):
        problems.append("more meetings than tables in a slot")
    if len({(m.slot, m.table) for m in schedule.meetings}) != len(schedule.meetings):
        problems.append("a table used twice in a slot")
    seen = Counter((m.slot, person) for m in schedule.meetings for person in {m.participant} | owners[m.item])
    if any(count > 1 for count in seen.values()):
        problems.append("someone in two meetings in one slot")
    if any(not (0 <= m.slot < slots) for m in schedule.meetings):
        problems.append("a meeting outside the day")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument("--items", type=int, default=150)
    parser.add_argument("--wishes", type=int, default=1000)
    parser.add_argument("--pairs", type=int, default=180)
    parser.add_argument("--slots", type=int, default=16)
    parser.add_argument("--tables", type=int, default=30)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    participants, items, wishes = build(args.participants, args.items, args.wishes, args.pairs, args.seed)

    def mark():
        return mutual_wishes(wishes, items)

    marked = mark()

    def schedule():
        return schedule_meetings(participants, items, marked, slots=args.slots, tables=args.tables)

    def both():
        return schedule_meetings(participants, items, mark(), slots=args.slots, tables=args.tables)

    mark_ms, _ = timed(mark, args.runs)
    schedule_ms, result = timed(schedule, args.runs)
    total_ms, _ = timed(both, args.runs)
    problems = violations(items, result, args.slots, args.tables)
    mutual = sum(w.mutual for w in marked)
    mutual_unmet = sum(w.mutual for w in result.unmet)
    summary = {
        "participants": args.participants, "items": args.items, "wishes": len(wishes), "mutual_wishes": mutual,
        "slots": args.slots, "tables": args.tables, "runs": args.runs,
        "mark_mutual_ms": round(mark_ms, 2), "schedule_ms": round(schedule_ms, 2),
        "mark_and_schedule_ms": round(total_ms, 2), "target_ms": TARGET_MS,
        "meetings": len(result.meetings), "unmet": len(result.unmet), "mutual_unmet": mutual_unmet,
        "capacity": args.slots * args.tables, "violations": problems,
    }
    print(f"event: {args.participants} participants, {args.items} items, {len(wishes)} wishes "
          f"({mutual} mutual), {args.slots} slots × {args.tables} tables")
    print(f"mark mutual wishes: {mark_ms:.1f} ms; schedule: {schedule_ms:.1f} ms; "
          f"both: {total_ms:.1f} ms (target < {TARGET_MS:.0f} ms)")
    print(f"placed {len(result.meetings)} meetings, {len(result.unmet)} wishes unmet "
          f"({mutual_unmet} of them mutual)")
    if problems:
        print(f"constraints broken: {', '.join(problems)}")
    print(json.dumps(summary))
    return 0 if total_ms < TARGET_MS and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
