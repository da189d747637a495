"""Tool policy from ``allocator.toml``: frozen dataclasses, a pure parser and a loader.

Every key is typed and checked; an unknown key is an error with a did-you-mean hint, a wrong type
names the key path (``sla.high_hours``).
"""

from __future__ import annotations

import difflib
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

from .errors import SettingsError

__all__ = [
    "CONFIG_FILENAME",
    "DuplicateSettings",
    "EligibilitySettings",
    "OptimalSettings",
    "OutputSettings",
    "PoolSettings",
    "ScoringSettings",
    "Settings",
    "SlaSettings",
    "load_settings",
    "parse_settings",
]

CONFIG_FILENAME = "allocator.toml"

STRATEGIES = ("round_robin", "weighted", "points", "balanced", "performance", "optimal")
LEVELS = ("junior", "senior", "lead")
TIERS = ("A", "B", "C")


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return types.MappingProxyType(dict(mapping))


def _choice(*allowed: str) -> dict[str, tuple[str, ...]]:
    return {"choices": allowed}


@dataclass(frozen=True)
class ScoringSettings:
    """Weights of the score components (normalised to sum 1) and the tier thresholds."""

    value: float = 0.4
    """Weight of the potential value (log-scaled against the largest value in the input)."""
    intent: float = 0.3
    """Weight of the intent level (high 1.0, medium 0.6, low 0.2)."""
    history: float = 0.2
    """Weight of past revenue (log-scaled); returning customers rank up."""
    source: float = 0.1
    """Weight of the lead source, from ``sources`` (default ``default_source``)."""
    sources: Mapping[str, float] = field(default_factory=lambda: _frozen({}))
    """Points per source in [0, 1], e.g. ``{ "转介绍" = 1.0, "官网注册" = 0.6 }``."""
    default_source: float = 0.5
    """Points of a source not listed in ``sources`` (and of a blank source)."""
    tiers: Mapping[str, float] = field(default_factory=lambda: _frozen({"A": 70.0, "B": 40.0}))
    """Score thresholds: score >= A → tier A, >= B → tier B, else C."""


@dataclass(frozen=True)
class EligibilitySettings:
    """Which reps may take which customers beyond territory."""

    industry_match: str = field(
        default="preferred", metadata=_choice("required", "preferred", "ignore")
    )
    """``required``: only reps listing the industry; ``preferred``: those first; ``ignore``."""
    min_level: Mapping[str, str] = field(default_factory=lambda: _frozen({"A": "senior"}))
    """Lowest rep level per tier, e.g. tier A only to senior or lead reps."""


@dataclass(frozen=True)
class SlaSettings:
    """First follow-up deadlines after the run time, by intent."""

    high_hours: float = 24
    medium_hours: float = 48
    low_hours: float = 72
    escalate_after_days: float = 3
    """After this many days without follow-up the customer escalates to the rep's manager."""


@dataclass(frozen=True)
class PoolSettings:
    """When owned customers return to the pool (公海池)."""

    reclaim_after_days: float = 30
    """An open customer with no contact for this long returns to the pool."""
    exclude_previous_owner: bool = True
    """A reclaimed customer goes to someone else."""


@dataclass(frozen=True)
class DuplicateSettings:
    """Duplicate customers (撞单)."""

    conflict_policy: str = field(
        default="earliest", metadata=_choice("earliest", "latest_contact", "highest_value")
    )
    """Which owner keeps a conflicting duplicate group."""


@dataclass(frozen=True)
class OptimalSettings:
    """The whole-week strategy ``optimal`` (全局最优)."""

    fairness_slack: float = 0.25
    """No rep's points (balance + scores received) above ``(1 + fairness_slack) ×`` its
    weighted fair share; ``inf`` turns the limit off. A rep whom ``points`` itself puts above
    its limit goes no further above it than under ``points``."""


@dataclass(frozen=True)
class OutputSettings:
    """What is written."""

    per_rep_workbooks: bool = True
    mask_contacts: bool = True
    """Mask phone and email in the team-wide workbook (138****5678, z***@x.com)."""
    rep_sheets_max: int = 50
    """One sheet per rep in the manager workbook up to this many reps."""
    table_rows_max: int = 100_000
    """Sheets longer than this get an autofilter instead of an Excel Table."""


@dataclass(frozen=True)
class Settings:
    """The complete policy of one run."""

    strategy: str = field(default="points", metadata=_choice(*STRATEGIES))
    language: str = field(default="auto", metadata=_choice("auto", "zh", "en"))
    scoring: ScoringSettings = field(default_factory=ScoringSettings)
    eligibility: EligibilitySettings = field(default_factory=EligibilitySettings)
    sla: SlaSettings = field(default_factory=SlaSettings)
    pool: PoolSettings = field(default_factory=PoolSettings)
    duplicates: DuplicateSettings = field(default_factory=DuplicateSettings)
    optimal: OptimalSettings = field(default_factory=OptimalSettings)
    output: OutputSettings = field(default_factory=OutputSettings)
    columns: Mapping[str, str] = field(default_factory=lambda: _frozen({}))
    """Your own headers for canonical columns, e.g. ``{ customer = "客户全称" }``: for exports
    whose headers no built-in alias knows."""

    def column_mapping(self) -> dict[str, dict[str, str]]:
        """``columns`` split per input sheet (a name like ``email`` applies to every sheet
        that has it)."""
        from .headers import SHEETS

        return {
            spec.name: {
                k: v for k, v in self.columns.items() if k in {c.name for c in spec.columns}
            }
            for spec in SHEETS
        }

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with top-level fields replaced (used for command-line options)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def to_dict(self) -> dict[str, Any]:
        return _to_dict(self)


def _to_dict(obj: Any) -> Any:
    if is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _to_dict(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, Mapping):
        return {k: _to_dict(v) for k, v in obj.items()}
    return obj


_TYPE_NAMES = {bool: "true/false", int: "an integer", float: "a number", str: "text"}


def _check_scalar(value: Any, expected: type, path: str, problems: list[str]) -> Any:
    if expected is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if expected is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if expected in (bool, str) and isinstance(value, expected):
        return value
    problems.append(f"{path}: expected {_TYPE_NAMES[expected]}, got {value!r}")
    return MISSING


def _parse_dataclass(cls: type, data: Any, path: str, problems: list[str]) -> Any:
    if not isinstance(data, Mapping):
        problems.append(f"{path or 'settings'}: expected a table, got {data!r}")
        return cls()
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in fields(cls)}
    for key in data:
        if key not in known:
            where = f"{path}.{key}" if path else key
            close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(f"{where}: unknown setting{hint}")
    values: dict[str, Any] = {}
    for name, spec in known.items():
        if name not in data:
            continue
        where = f"{path}.{name}" if path else name
        expected = hints[name]
        raw = data[name]
        if isinstance(expected, type) and is_dataclass(expected):
            values[name] = _parse_dataclass(expected, raw, where, problems)
            continue
        origin = typing.get_origin(expected)
        if origin is not None and origin in (Mapping, dict):
            value_type = typing.get_args(expected)[1]
            if not isinstance(raw, Mapping):
                problems.append(f"{where}: expected a table like {{ key = value }}, got {raw!r}")
                continue
            parsed = {
                str(k): _check_scalar(v, value_type, f"{where}.{k}", problems)
                for k, v in raw.items()
            }
            values[name] = _frozen(parsed)
            continue
        checked = _check_scalar(raw, expected, where, problems)
        if checked is MISSING:
            continue
        choices = spec.metadata.get("choices")
        if choices and checked not in choices:
            close = difflib.get_close_matches(str(checked), list(choices), n=1, cutoff=0.5)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(f"{where}: {checked!r} is not one of {', '.join(choices)}{hint}")
            continue
        values[name] = checked
    return cls(**values)


def _check_semantics(settings: Settings, problems: list[str]) -> None:
    scoring = settings.scoring
    weights = {
        "value": scoring.value,
        "intent": scoring.intent,
        "history": scoring.history,
        "source": scoring.source,
    }
    for name, weight in weights.items():
        if weight < 0:
            problems.append(f"scoring.{name}: must be >= 0, got {weight}")
    if sum(weights.values()) <= 0:
        problems.append("scoring: at least one of value, intent, history, source must be > 0")
    for source, points in scoring.sources.items():
        if not 0 <= points <= 1:
            problems.append(f"scoring.sources.{source}: must be between 0 and 1, got {points}")
    for tier in scoring.tiers:
        if tier not in ("A", "B"):
            problems.append(f"scoring.tiers.{tier}: only A and B have thresholds (C is the rest)")
    a, b = scoring.tiers.get("A", 70.0), scoring.tiers.get("B", 40.0)
    if not 0 <= b <= a <= 100:
        problems.append(f"scoring.tiers: need 0 <= B <= A <= 100, got A = {a}, B = {b}")
    for tier, level in settings.eligibility.min_level.items():
        if tier not in TIERS:
            problems.append(f"eligibility.min_level.{tier}: tier must be one of A, B, C")
        if level not in LEVELS:
            problems.append(
                f"eligibility.min_level.{tier}: {level!r} is not one of {', '.join(LEVELS)}"
            )
    sla = settings.sla
    for name in ("high_hours", "medium_hours", "low_hours", "escalate_after_days"):
        if getattr(sla, name) <= 0:
            problems.append(f"sla.{name}: must be > 0, got {getattr(sla, name)}")
    if settings.pool.reclaim_after_days <= 0:
        problems.append(
            f"pool.reclaim_after_days: must be > 0, got {settings.pool.reclaim_after_days}"
        )
    slack = settings.optimal.fairness_slack
    if not slack >= 0:  # also refuses nan
        problems.append(
            f"optimal.fairness_slack: must be >= 0 (inf turns the limit off), got {slack}"
        )
    if settings.output.rep_sheets_max < 0:
        problems.append("output.rep_sheets_max: must be >= 0")
    if settings.output.table_rows_max < 1:
        problems.append("output.table_rows_max: must be >= 1")
    from .headers import SHEETS

    canonical = sorted({c.name for spec in SHEETS for c in spec.columns})
    for name in settings.columns:
        if name not in canonical:
            close = difflib.get_close_matches(name, canonical, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(f"columns.{name}: not a column of the input{hint}")


def parse_settings(data: Mapping[str, Any], *, source: str = CONFIG_FILENAME) -> Settings:
    """Settings from an already-parsed TOML document; raises SettingsError listing every problem."""
    problems: list[str] = []
    settings = _parse_dataclass(Settings, data, "", problems)
    if not problems:
        _check_semantics(settings, problems)
    if problems:
        listing = "\n".join(f"  - {p}" for p in problems)
        raise SettingsError(f"{source} has {len(problems)} problem(s):\n{listing}")
    return typing.cast(Settings, settings)


def load_settings(
    path: Path | None = None, *, cwd: Path | None = None
) -> tuple[Settings, Path | None]:
    """Settings from ``path``, else ``./allocator.toml`` when present, else the defaults.

    Returns the settings and the file they came from (None for defaults).
    """
    if path is None:
        candidate = (cwd or Path.cwd()) / CONFIG_FILENAME
        if not candidate.is_file():
            return Settings(), None
        path = candidate
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SettingsError(f"settings file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"cannot read settings file {path}: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path} is not valid TOML: {exc}") from None
    return parse_settings(data, source=str(path)), path
