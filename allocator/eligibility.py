"""Who may take which customer (SPEC §3.4): territory, industry and level, as matrices.

Customers are reduced to *profiles* (region, province, city, industry, tier); every test is a
boolean matrix profiles × reps built with numpy indexing, so a million customers cost as much as
their few thousand distinct profiles.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from .coerce import LEVEL_RANK
from .identity import name_key
from .settings import EligibilitySettings

__all__ = ["Eligibility", "available_reps", "eligibility", "place_key"]

_PLACE_SUFFIX = re.compile(r"(特别行政区|自治区|大区|地区|区域|省|市|区)$")
_SPACES = re.compile(r"\s+")


def place_key(text: object) -> str:
    """Comparison key of a place: ``华东区`` ≡ ``华东``, ``上海市`` ≡ ``上海``, case-insensitive."""
    value = _SPACES.sub("", unicodedata.normalize("NFKC", str(text)).casefold())
    return _PLACE_SUFFIX.sub("", value) or value


industry_key = name_key
"""Industries and sources compare like names: NFKC, casefold, no whitespace."""


def available_reps(reps: pd.DataFrame, as_of: datetime) -> pd.Series:
    """Active and not away at the run time."""
    away = reps["away_until"].notna() & (reps["away_until"] > pd.Timestamp(as_of))
    return reps["active"].astype(bool) & ~away


@dataclass(frozen=True)
class Eligibility:
    """Boolean matrices over profiles × reps (rows: profiles, columns: reps in sheet order)."""

    territory: np.ndarray
    """A rep's territories name the profile's region, province or city, or are ``*``."""
    industry: np.ndarray
    """The rep lists the profile's industry, or lists none (= any)."""
    level: np.ndarray
    """The rep's level is at least the tier's ``min_level``."""
    available: np.ndarray
    """Per rep: active and present at the run time."""

    def candidates(self, industry_match: str) -> np.ndarray:
        """Reps that may take a profile's customers (capacity aside)."""
        base = self.territory & self.available[None, :] & self.level
        return base & self.industry if industry_match == "required" else base


def _incidence(items: pd.Series, key: object) -> tuple[dict[str, int], np.ndarray, np.ndarray]:
    """Vocabulary of item keys, its (vocab+1) × reps incidence matrix, and reps listing '*'/none."""
    vocab: dict[str, int] = {}
    pairs: list[tuple[int, int]] = []
    wildcard = np.zeros(len(items), dtype=bool)
    for rep, values in enumerate(items):
        keys = [key(v) for v in values]  # type: ignore[operator]
        if not keys or "*" in keys:
            wildcard[rep] = True
        for k in keys:
            pairs.append((vocab.setdefault(k, len(vocab)), rep))
    matrix = np.zeros((len(vocab) + 1, len(items)), dtype=bool)  # last row: unknown key
    if pairs:
        rows, cols = np.array(pairs).T
        matrix[rows, cols] = True
    return vocab, matrix, wildcard


def _lookup(values: pd.Series, vocab: dict[str, int], key: Callable[[object], str]) -> np.ndarray:
    missing = len(vocab)
    codes = values.map(lambda v: vocab.get(key(v), missing), na_action="ignore")
    # An all-blank column maps to object dtype; go through float so fillna never downcasts.
    return codes.astype("float64").fillna(missing).to_numpy(dtype=np.int64)


def eligibility(
    profiles: pd.DataFrame, reps: pd.DataFrame, settings: EligibilitySettings, as_of: datetime
) -> Eligibility:
    """Eligibility matrices for ``profiles`` (columns region, province, city, industry, tier)."""
    places, place_matrix, _ = _incidence(reps["territories"], place_key)
    star = np.array(["*" in items for items in reps["territories"]], dtype=bool)
    territory = star[None, :] | np.zeros((len(profiles), len(reps)), dtype=bool)
    for column in ("region", "province", "city"):
        territory |= place_matrix[_lookup(profiles[column], places, place_key)]

    industries, industry_matrix, any_industry = _incidence(reps["industries"], industry_key)
    industry = (
        any_industry[None, :]
        | industry_matrix[_lookup(profiles["industry"], industries, industry_key)]
    )

    rank = reps["level"].map(LEVEL_RANK).fillna(LEVEL_RANK["senior"]).to_numpy(dtype=np.int64)
    needed = (
        profiles["tier"]
        .map({tier: LEVEL_RANK[level] for tier, level in settings.min_level.items()})
        .fillna(0)
        .to_numpy(dtype=np.int64)
    )
    level = rank[None, :] >= needed[:, None]
    return Eligibility(
        territory=territory,
        industry=industry,
        level=level,
        available=available_reps(reps, as_of).to_numpy(dtype=bool),
    )
