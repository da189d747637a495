"""Allocation strategies behind one Protocol, looked up by English or Chinese name."""

from __future__ import annotations

import difflib

from ..errors import SettingsError
from .balanced import BalancedStrategy
from .base import AssignmentProblem, AssignmentResult, Strategy
from .optimal import OptimalStrategy
from .performance import PerformanceStrategy
from .points import PointsStrategy
from .round_robin import RoundRobinStrategy
from .weighted import WeightedStrategy

__all__ = [
    "ALIASES",
    "REGISTRY",
    "AssignmentProblem",
    "AssignmentResult",
    "Strategy",
    "get_strategy",
]

REGISTRY: dict[str, Strategy] = {
    "round_robin": RoundRobinStrategy(),
    "weighted": WeightedStrategy(),
    "points": PointsStrategy(),
    "balanced": BalancedStrategy(),
    "performance": PerformanceStrategy(),
    "optimal": OptimalStrategy(),
}

ALIASES: dict[str, str] = {
    "积分制": "points",
    "积分": "points",
    "轮询": "round_robin",
    "权重轮询": "weighted",
    "加权轮询": "weighted",
    "负载均衡": "balanced",
    "均衡": "balanced",
    "绩效": "performance",
    "按绩效": "performance",
    "全局最优": "optimal",
}


def get_strategy(name: str) -> Strategy:
    """The strategy called ``name`` (English or Chinese); a typo gets a did-you-mean hint."""
    key = name.strip()
    key = ALIASES.get(key, key.casefold().replace("-", "_").replace(" ", "_"))
    if key in REGISTRY:
        return REGISTRY[key]
    available = ", ".join(REGISTRY)
    known = [*REGISTRY, *ALIASES]
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise SettingsError(f"unknown strategy '{name}'{hint}; available: {available}")
