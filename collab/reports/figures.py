"""What the platform knows of an organisation's indicators for a period (placeholder
until the figures land: see the issue 11 brief)."""
from __future__ import annotations


def prefill(org, period) -> dict[str, dict]:
    return {}
