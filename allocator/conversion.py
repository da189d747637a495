"""Smoothed conversion rates per rep and industry (SPEC §3.5 ``performance``), vectorised.

A rep's record is the customers it owns that are closed (``won`` or ``lost``). Raw won / closed
ratios make a star of anyone with two lucky deals, so every rate is shrunk, empirical-Bayes
style, toward a broader one with ``k = prior_strength`` pseudo-deals:

    team_rate       = (won_all + 1) / (closed_all + 2)                 Laplace: 0.5 with no history
    rep_rate[r]     = (won[r] + k · team_rate) / (closed[r] + k)
    rate[r, i]      = (won[r, i] + k · rep_rate[r]) / (closed[r, i] + k)

A rep with no deals in an industry therefore gets its overall rate there, and a rep with no deals
at all gets the team's; each real deal moves the estimate by at most ``1 / (closed + k)``.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .coerce import CLOSED_STAGES

__all__ = ["ConversionTable", "conversion_rates"]


@dataclass(frozen=True)
class ConversionTable:
    """Smoothed conversion rates; rows follow the ``reps`` frame, columns ``industries``."""

    industries: tuple[str, ...]
    """Sorted distinct industry names seen in the customers sheet."""
    rate: np.ndarray
    """Reps × industries: won / closed shrunk toward the rep's overall rate."""
    rep_rate: np.ndarray
    """Per rep: won / closed over all industries, shrunk toward ``team_rate``."""
    team_rate: float
    """(won + 1) / (closed + 2) over every rep: 0.5 when nothing has closed yet."""
    won: np.ndarray
    """Reps × industries: customers won."""
    closed: np.ndarray
    """Reps × industries: customers won or lost."""

    def column(self, industry: str) -> int:
        """The column of ``industry`` in ``rate``, or -1 when no customer has that industry."""
        at = bisect.bisect_left(self.industries, industry)
        return at if at < len(self.industries) and self.industries[at] == industry else -1

    def expected(self, rep: np.ndarray, industry: pd.Series) -> np.ndarray:
        """Per row: the smoothed rate of rep position ``rep`` in the row's ``industry`` — the
        rate ``optimal`` and ``performance`` use — or the rep's overall rate for an industry
        the table does not know; NaN where ``rep`` is -1 (no owner)."""
        rep = np.asarray(rep, dtype=np.int64)
        names = pd.Series(industry, dtype=object)
        column = pd.Index(self.industries, dtype=object).get_indexer(
            pd.Index(names.astype(str).where(names.notna()), dtype=object)
        )
        result = np.full(len(rep), np.nan)
        owned = rep >= 0
        rates = self.rep_rate[rep[owned]]
        listed = column[owned] >= 0
        if listed.any():
            rates[listed] = self.rate[rep[owned][listed], column[owned][listed]]
        result[owned] = rates
        return result


def conversion_rates(
    customers: pd.DataFrame, reps: pd.DataFrame, *, prior_strength: float = 5.0
) -> ConversionTable:
    """Smoothed rates from the closed customers of known reps (formula in the module docstring).

    ``customers`` needs ``owner_rep`` (a ``rep_id`` or NaN), ``stage`` (codes of
    :data:`allocator.coerce.STAGES`) and ``industry``; ``reps`` needs ``rep_id``. Customers whose
    owner is not in ``reps`` and customers still open are ignored. ``prior_strength`` (> 0) is how
    many deals a rep needs before its own record weighs as much as the prior.
    """
    if not prior_strength > 0:
        raise ValueError(f"prior_strength must be positive, got {prior_strength!r}")
    industry = customers["industry"]
    industries = tuple(sorted({str(name) for name in industry.dropna()}))
    n_reps, n_ind = len(reps), len(industries)

    # First position of each rep_id, so a repeated id (reported by validation) cannot crash this.
    rep_ids = reps["rep_id"].to_numpy(dtype=object)
    first = pd.Series(np.arange(n_reps), index=rep_ids)
    first = first[~first.index.duplicated(keep="first")]
    rep_pos = customers["owner_rep"].map(first).fillna(-1).to_numpy(dtype=np.int64)
    names = industry.astype(str).where(industry.notna())
    ind_pos = pd.Index(industries).get_indexer(pd.Index(names))

    stage = customers["stage"]
    closed_row = stage.isin(CLOSED_STAGES).to_numpy() & (rep_pos >= 0)
    won_row = stage.eq("won").to_numpy() & closed_row

    # Rep and team totals also count a closed customer whose industry is blank.
    won_rep = np.bincount(rep_pos[won_row], minlength=n_reps).astype(float)
    closed_rep = np.bincount(rep_pos[closed_row], minlength=n_reps).astype(float)
    cell = rep_pos * n_ind + ind_pos
    in_cell = closed_row & (ind_pos >= 0)
    won = np.bincount(cell[won_row & in_cell], minlength=n_reps * n_ind).reshape(n_reps, n_ind)
    closed = np.bincount(cell[in_cell], minlength=n_reps * n_ind).reshape(n_reps, n_ind)

    k = float(prior_strength)
    team_rate = (won_rep.sum() + 1.0) / (closed_rep.sum() + 2.0)
    rep_rate = (won_rep + k * team_rate) / (closed_rep + k)
    rate = (won + k * rep_rate[:, None]) / (closed + k)
    return ConversionTable(
        industries=industries,
        rate=rate,
        rep_rate=rep_rate,
        team_rate=float(team_rate),
        won=won.astype(np.int64),
        closed=closed.astype(np.int64),
    )
