"""What-if: the same validated input allocated under several strategies, side by side (pure).

``compare`` runs :func:`~allocator.allocate.allocate` once per strategy (the run's default
strategy replaced; a Rules row's own ``method`` still applies to its customers) and keeps, per
strategy, the figures of :class:`StrategyFigures`, every row's owner and each rep's new
customers and points. Definitions:

- ``assigned`` / ``unassigned``: the run counts (customers handed out this run; customers left
  in the pool), as on the Summary sheet;
- ``expected_won_value``: ``Σ value × the owner's smoothed conversion rate in the customer's
  industry`` over the customers handed out this run — the rates of :mod:`allocator.conversion`,
  the same ``optimal`` and ``performance`` use;
- ``gini_points`` / ``gini_load``: Gini of the points received and of new / capacity over the
  reps who could receive (available, capacity > 0), as in :func:`allocator.fairness.fairness`;
- ``max_min_share_ratio``: the highest over the lowest ``points received / weighted fair
  share`` among those reps; None when one of them received nothing;
- ``owner_changes_vs_first``: rows whose owner differs from the first strategy's (0 for the
  first itself).

:func:`gain_over_points` is the figure the weekly report shows when ``optimal`` ran.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from . import __version__
from .allocate import allocate
from .conversion import ConversionTable, conversion_rates
from .fairness import RECEIVED, fairness
from .model import Allocation, Inputs, RunInfo
from .settings import Settings
from .strategies import get_strategy

__all__ = [
    "FIGURE_KEYS",
    "FRESH_CODES",
    "Comparison",
    "Gain",
    "StrategyFigures",
    "compare",
    "expected_won_value",
    "gain_over_points",
]

FIGURE_KEYS = (
    "strategy",
    "assigned",
    "unassigned",
    "expected_won_value",
    "gini_points",
    "gini_load",
    "max_min_share_ratio",
    "owner_changes_vs_first",
)
"""The keys of :meth:`StrategyFigures.to_dict`, in order (``allocator compare --json``)."""
FRESH_CODES = ("territory", "rule", "referral", "reclaimed", "handover")
"""``reason_code`` of the assigned rows handed out this run (the ``assigned`` count)."""


@dataclass(frozen=True)
class StrategyFigures:
    """One strategy's result on the input (definitions in the module docstring)."""

    strategy: str
    assigned: int
    unassigned: int
    expected_won_value: float
    gini_points: float
    gini_load: float
    max_min_share_ratio: float | None
    owner_changes_vs_first: int

    def to_dict(self) -> dict[str, Any]:
        """Exactly :data:`FIGURE_KEYS`, JSON-ready: money to the cent, ratios to 4 decimals."""
        ratio = self.max_min_share_ratio
        return {
            "strategy": self.strategy,
            "assigned": self.assigned,
            "unassigned": self.unassigned,
            "expected_won_value": round(self.expected_won_value, 2),
            "gini_points": round(self.gini_points, 4),
            "gini_load": round(self.gini_load, 4),
            "max_min_share_ratio": None if ratio is None else round(ratio, 4),
            "owner_changes_vs_first": self.owner_changes_vs_first,
        }


@dataclass(frozen=True)
class Comparison:
    """The figures of each strategy and what the outputs show side by side."""

    figures: tuple[StrategyFigures, ...]
    """One per strategy, in the order asked."""
    owners: pd.DataFrame
    """One row per customer row allocated or left in the pool, by input row: ``source_row``,
    ``customer_id``, ``customer``, one owner column per strategy (its name; None: unassigned)
    and ``differs`` (not every strategy chose the same owner)."""
    reps: pd.DataFrame
    """One row per rep (sheet order): ``rep_id``, ``name``, then per strategy
    ``new:<strategy>`` (customers handed out to it) and ``points:<strategy>`` (points
    received)."""

    @property
    def strategies(self) -> tuple[str, ...]:
        return tuple(f.strategy for f in self.figures)


@dataclass(frozen=True)
class Gain:
    """``optimal`` against ``points`` on the same input."""

    points_value: float
    """Expected won value of the ``points`` allocation."""
    optimal_value: float
    """Expected won value of the ``optimal`` allocation."""

    @property
    def difference(self) -> float:
        return self.optimal_value - self.points_value

    @property
    def ratio(self) -> float | None:
        """``optimal / points − 1`` (0.05 = 5 % more); None when points expects nothing."""
        return self.optimal_value / self.points_value - 1.0 if self.points_value else None


def expected_won_value(
    allocation: Allocation, inputs: Inputs, table: ConversionTable | None = None
) -> float:
    """``Σ value × smoothed conversion(owner, industry)`` over the customers ``allocation``
    handed out this run (module docstring); ``table``: the rates of ``inputs`` when already
    computed."""
    reps = inputs.reps.reset_index(drop=True)
    if table is None:
        table = conversion_rates(inputs.customers, reps)
    rows = allocation.assignments
    fresh = rows[rows["reason_code"].isin(FRESH_CODES)]
    position = pd.Series(np.arange(len(reps)), index=reps["rep_id"].to_numpy())
    position = position[~position.index.duplicated(keep="first")]
    rep = fresh["owner_id"].map(position).fillna(-1).to_numpy(dtype=np.int64)
    rate = table.expected(rep, fresh["industry"])
    value = pd.to_numeric(fresh["value"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    return float(np.nansum(value * rate))


def _run(settings: Settings, strategy: str, as_of: datetime, lang: str) -> RunInfo:
    return RunInfo(
        input_path="",
        input_sha256="",
        as_of=as_of,
        strategy=strategy,
        language=lang,
        version=__version__,
        settings=settings.to_dict(),
    )


def _allocate(
    inputs: Inputs, settings: Settings, strategy: str, as_of: datetime, lang: str
) -> Allocation:
    chosen = settings.with_overrides(strategy=strategy)
    return allocate(inputs, chosen, as_of=as_of, lang=lang, run=_run(chosen, strategy, as_of, lang))


def gain_over_points(
    inputs: Inputs,
    settings: Settings,
    *,
    as_of: datetime,
    optimal: Allocation | None = None,
) -> Gain:
    """Expected won value of ``optimal`` and ``points`` on ``inputs`` (``optimal``: an
    allocation already made under ``optimal`` with these settings, to save recomputing it)."""
    if optimal is None:
        optimal = _allocate(inputs, settings, "optimal", as_of, "en")
    points = _allocate(inputs, settings, "points", as_of, "en")
    return Gain(
        points_value=expected_won_value(points, inputs),
        optimal_value=expected_won_value(optimal, inputs),
    )


def _owners(allocation: Allocation) -> pd.DataFrame:
    rows = pd.concat([allocation.assignments, allocation.unassigned], ignore_index=True)[
        ["source_row", "customer_id", "customer", "owner"]
    ]
    return rows.set_index("source_row").sort_index()


def _figures(
    strategy: str,
    allocation: Allocation,
    inputs: Inputs,
    table: ConversionTable,
    owner: pd.Series,
    first: pd.Series,
) -> StrategyFigures:
    measured = fairness(allocation.reps)
    low, high = measured.share_min, measured.share_max
    changed = owner.fillna("\0").to_numpy() != first.reindex(owner.index).fillna("\0").to_numpy()
    return StrategyFigures(
        strategy=strategy,
        assigned=int(allocation.stats["assigned"]),
        unassigned=int(allocation.stats["unassigned"]),
        expected_won_value=expected_won_value(allocation, inputs, table),
        gini_points=measured.gini_points,
        gini_load=measured.gini_load,
        max_min_share_ratio=high / low if high is not None and low else None,
        owner_changes_vs_first=int(changed.sum()),
    )


def compare(
    inputs: Inputs,
    settings: Settings,
    strategies: Sequence[str],
    *,
    as_of: datetime,
    lang: str,
    progress: Callable[[str], None] | None = None,
) -> Comparison:
    """Allocate ``inputs`` under each of ``strategies`` (English or Chinese names, at least one,
    no repeats) and compare; raises :class:`~allocator.errors.SettingsError` for an unknown
    strategy and ``ValueError`` for an empty or repeated list."""
    names = [get_strategy(s).name for s in strategies]
    if not names:
        raise ValueError("compare needs at least one strategy")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"strategy {', '.join(repeated)} given more than once")
    figures: list[StrategyFigures] = []
    owners: pd.DataFrame | None = None
    reps = inputs.reps.reset_index(drop=True)[["rep_id", "name"]].copy()
    table = conversion_rates(inputs.customers, inputs.reps.reset_index(drop=True))
    for name in names:
        if progress is not None:
            progress(f"allocate ({name})")
        allocation = _allocate(inputs, settings, name, as_of, lang)
        rows = _owners(allocation)
        if owners is None:
            owners = rows[["customer_id", "customer"]].copy()
        owners[name] = rows["owner"].reindex(owners.index)
        first = owners[names[0]]
        figures.append(_figures(name, allocation, inputs, table, owners[name], first))
        summary = allocation.reps
        reps[f"new:{name}"] = summary[list(RECEIVED)].sum(axis=1).astype("int64").to_numpy()
        reps[f"points:{name}"] = summary["points_received"].to_numpy(dtype=float)
    assert owners is not None
    chosen_first = owners[names[0]].fillna("\0").to_numpy()
    differs = np.zeros(len(owners), dtype=bool)
    for name in names[1:]:
        differs |= owners[name].fillna("\0").to_numpy() != chosen_first
    owners["differs"] = differs
    owners = owners.reset_index()
    return Comparison(figures=tuple(figures), owners=owners, reps=reps)
