"""Rows by rep from one stable sort: per-rep sheets and workbooks slice it, never filter per rep."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["RowGroups", "group_by_owner"]


class RowGroups:
    """A frame's rows ordered by rep (reps-frame order), input order kept within a rep."""

    def __init__(self, order: np.ndarray, codes: np.ndarray, n_reps: int) -> None:
        bounds = np.searchsorted(codes[order], np.arange(n_reps + 1), side="left")
        # Rows without a (kept) rep sort first, with code -1: they belong to no group.
        self.positions = order[bounds[0] :]
        """Row positions of every grouped row, rep after rep."""
        self._bounds = bounds - bounds[0]

    def slice(self, rep: int) -> slice:
        """Where rep number ``rep`` (its position in the reps frame) lies in :attr:`positions`."""
        return slice(int(self._bounds[rep]), int(self._bounds[rep + 1]))

    def sizes(self) -> np.ndarray:
        """Number of rows per rep."""
        return np.diff(self._bounds)


def _rep_codes(frame: pd.DataFrame, reps: pd.DataFrame) -> np.ndarray:
    """For each row, the position of its owner in ``reps`` (-1 when none): by id, else by name."""
    codes = np.full(len(frame), -1, dtype=np.int64)
    pairs = (("owner_id", "rep_id"), ("owner", "name"))
    for row_key, rep_key in pairs:
        if row_key not in frame.columns or rep_key not in reps.columns:
            continue
        keys = pd.Index(reps[rep_key].astype(str))
        if not keys.is_unique:
            continue
        values = frame[row_key]
        found = keys.get_indexer(pd.Index(values.where(values.isna(), values.astype(str))))
        codes = np.where(codes >= 0, codes, found)
    return codes


def group_by_owner(
    frame: pd.DataFrame, reps: pd.DataFrame, keep: np.ndarray | None = None
) -> RowGroups:
    """Group ``frame``'s rows by owner with one stable argsort; ``keep`` drops rows (open only)."""
    codes = _rep_codes(frame, reps)
    if keep is not None:
        codes = np.where(keep, codes, -1)
    order = np.argsort(codes, kind="stable")
    return RowGroups(order, codes, len(reps))
