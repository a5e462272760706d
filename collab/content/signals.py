"""The one signal the content core sends: an item was created, edited, moved to
another status or deleted. Search indexing, match refresh, notifications and the audit
trail subscribe to it (``collab.subscribers`` connects them in one place), so the core
imports none of them.

Receivers are called inside the transaction of the change, after it was flushed, as
``receiver(kind, item=…, event=…, actor=…, change=…, transition=…)``:
- ``event``: "created" | "edited" | "status" | "deleted";
- ``change``: the ``StatusChange`` of a "status" event (``from_status`` None at creation);
- ``transition``: the transition's name when the change went through one ("approve", …);
- ``changed``: for "edited", the names of the fields whose value changed.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

item_changed = _signals.signal("item-changed")


def item_was(kind, item, event: str, actor=None, change=None, transition: str | None = None,
             changed: set[str] | None = None) -> None:
    item_changed.send(kind, item=item, event=event, actor=actor, change=change, transition=transition,
                      changed=changed or set())
