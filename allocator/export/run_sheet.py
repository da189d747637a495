"""The ``Run`` sheet: what identifies a run, as key/value text pairs anyone can quote back."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime

import pandas as pd

from ..model import Allocation
from .display import Columns
from .labels import label

__all__ = ["flatten_settings", "run_columns"]


def _text(value: object) -> str:
    """TOML-like text: ``true``/``false``, numbers as written, lists comma-separated."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(_text(v) for v in value)
    return str(value)


def flatten_settings(settings: Mapping[str, object], prefix: str = "") -> Iterator[tuple[str, str]]:
    """``section.key`` → text for every setting; an empty table still gets its own row."""
    for key, value in settings.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            if value:
                yield from flatten_settings(value, path + ".")
            else:
                yield path, ""
        else:
            yield path, _text(value)


def run_columns(allocation: Allocation, lang: str) -> Columns:
    """The Run sheet's ``key`` and ``value_text`` columns."""
    run = allocation.run
    pairs: list[tuple[str, str]] = [
        (label(lang, "input_file"), run.input_path),
        (label(lang, "input_sha256"), run.input_sha256),
        (label(lang, "strategy"), run.strategy),
        (label(lang, "version"), run.version),
        (label(lang, "language"), run.language),
        (label(lang, "as_of"), _text(run.as_of)),
        (label(lang, "settings_file"), run.settings_path or label(lang, "defaults")),
    ]
    pairs += [(f"stats.{key}", _text(value)) for key, value in allocation.stats.items()]
    pairs += list(flatten_settings(run.settings))
    keys, values = zip(*pairs, strict=True)
    return {"key": pd.Series(keys, dtype=object), "value_text": pd.Series(values, dtype=object)}
