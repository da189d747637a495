"""The contract every strategy fulfils: customers in priority order, classes of identical
candidate sets, rep capacities; each customer gets at most one rep, never beyond capacity."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

__all__ = ["AssignmentProblem", "AssignmentResult", "Strategy"]


@dataclass(frozen=True)
class AssignmentProblem:
    """One week's pool, reduced to arrays. Customers and reps are referred to by position."""

    order: np.ndarray
    """Customer positions in allocation order: score descending, ties by customer_id."""
    customer_class: np.ndarray
    """Class index of each customer position; customers of a class share their candidates."""
    score: np.ndarray
    """Score of each customer position (the points a rep is charged under ``points``)."""
    class_candidates: tuple[np.ndarray, ...]
    """Rep positions eligible for each class, in sheet order."""
    class_preferred: tuple[np.ndarray, ...]
    """Per class, aligned with its candidates: True where the rep's industries match
    (tried first under ``industry_match = "preferred"``)."""
    capacity: np.ndarray
    """New customers each rep may still take this run."""
    weight: np.ndarray
    """Rep weights (> 0)."""
    balance: np.ndarray
    """Points carried over from last week."""
    open_load: np.ndarray
    """Open customers each rep already keeps."""
    class_industry: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Column of ``conversion`` for each class's industry (-1: an industry with no history)."""
    conversion: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    """Reps × industries: smoothed conversion rate (won / closed, shrunk toward the rep's and the
    team's rate); used by ``performance`` and ``optimal``."""
    rep_conversion: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Per rep: smoothed overall conversion rate (for industries with no history)."""
    value: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Per customer position: the value it brings (with its duplicates' rows, which follow it;
    NaN counts as 0). ``optimal`` keeps ``Σ value × expected conversion`` — the expected won
    value — at least that of ``points``; empty: no values."""
    fairness_slack: float = 0.25
    """``optimal`` keeps every rep's points within ``(1 + fairness_slack) ×`` its weighted fair
    share, or no further above it than ``points`` puts the rep (``allocator.toml``:
    ``[optimal] fairness_slack``); ``inf`` turns the limit off."""

    def __post_init__(self) -> None:
        if math.isnan(self.fairness_slack) or self.fairness_slack < 0:
            raise ValueError(f"fairness_slack must be >= 0, got {self.fairness_slack!r}")


@dataclass(frozen=True)
class AssignmentResult:
    """What a strategy decided, per customer position."""

    rep: np.ndarray
    """Chosen rep position, -1 when no candidate had capacity left."""
    figure: np.ndarray
    """The number that decided (e.g. the winner's points before the charge); NaN if none."""
    detail: Mapping[str, np.ndarray] = field(default_factory=dict)
    """Further per-customer figures a strategy offers for its reasons (``optimal``: the chosen
    rep's rank among the candidates, the best rate, why the better ones did not take it)."""


class Strategy(Protocol):
    """A deterministic way to hand out the pool."""

    name: str

    def assign(self, problem: AssignmentProblem) -> AssignmentResult: ...
