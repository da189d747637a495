"""Priority score (0–100) and tier of each customer (SPEC §3.3), vectorised."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .settings import ScoringSettings

__all__ = ["INTENT_POINTS", "score_customers"]

INTENT_POINTS = {"high": 1.0, "medium": 0.6, "low": 0.2}


def _log_scaled(values: pd.Series) -> pd.Series:
    """log1p(v) / log1p(max v): large values rank higher without one whale flattening the rest."""
    clean = values.fillna(0.0).clip(lower=0.0)
    top = float(np.log1p(clean.max())) if len(clean) else 0.0
    if top <= 0:
        return pd.Series(0.0, index=values.index)
    return np.log1p(clean) / top


def score_customers(customers: pd.DataFrame, scoring: ScoringSettings) -> pd.DataFrame:
    """``score`` (0–100, two decimals) and ``tier`` (A/B/C) for every row of ``customers``.

    Value and history are scaled against the largest in the input, so the same workbook always
    gives the same scores whatever else happens in the run.
    """
    sources = {str(k).strip().casefold(): v for k, v in scoring.sources.items()}
    source_points = (
        customers["source"]
        .astype(object)
        .map(
            lambda s: sources.get(str(s).strip().casefold(), scoring.default_source),
            na_action="ignore",
        )
        .astype("float64")
        .fillna(scoring.default_source)
        if sources
        else pd.Series(scoring.default_source, index=customers.index)
    )
    weights = np.array([scoring.value, scoring.intent, scoring.history, scoring.source])
    components = (
        np.column_stack(
            [
                _log_scaled(customers["value"]).to_numpy(),
                customers["intent"].map(INTENT_POINTS).fillna(0.0).to_numpy(dtype=float),
                _log_scaled(customers["history"]).to_numpy(),
                source_points.to_numpy(dtype=float),
            ]
        )
        if len(customers)
        else np.zeros((0, 4))
    )
    score = np.round(100.0 * components @ weights / weights.sum(), 2)
    a, b = scoring.tiers.get("A", 70.0), scoring.tiers.get("B", 40.0)
    tier = np.where(score >= a, "A", np.where(score >= b, "B", "C"))
    return pd.DataFrame({"score": score, "tier": tier}, index=customers.index)
