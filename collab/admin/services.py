"""Administration: the outbox reader."""
from __future__ import annotations

from sqlalchemy import select

from ..db import paginate
from ..mail.models import OutboxMessage


def outbox_page(page: int, per_page: int = 25):
    return paginate(select(OutboxMessage).order_by(OutboxMessage.id.desc()), page, per_page)
