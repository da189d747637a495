"""Allocation strategies behind one Protocol, looked up by English or Chinese name."""

from __future__ import annotations

import difflib

from ..errors import SettingsError
from .base import AssignmentProblem, AssignmentResult, Strategy
from .points import PointsStrategy

__all__ = [
    "ALIASES",
    "REGISTRY",
    "AssignmentProblem",
    "AssignmentResult",
    "Strategy",
    "get_strategy",
]

REGISTRY: dict[str, Strategy] = {
    "points": PointsStrategy(),
}

ALIASES: dict[str, str] = {
    "积分制": "points",
    "积分": "points",
}


def get_strategy(name: str) -> Strategy:
    """The strategy called ``name`` (English or Chinese); a typo gets a did-you-mean hint."""
    key = name.strip()
    key = ALIASES.get(key, key.casefold())
    if key in REGISTRY:
        return REGISTRY[key]
    known = [*REGISTRY, *ALIASES]
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise SettingsError(f"unknown strategy '{name}'{hint}; available: {', '.join(REGISTRY)}")
