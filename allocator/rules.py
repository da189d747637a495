"""The Rules sheet (SPEC §1.3): parsing, validation against the data, and matching customers.

Rules are few (a manager's sheet), customers many: matching loops over rules and evaluates each
rule's criteria as vectorised masks over all customers.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .cells import Collector, type_sheet
from .coerce import to_intent, to_level
from .eligibility import industry_key, place_key
from .errors import Issue, SettingsError
from .headers import RULES
from .identity import name_key
from .model import RawSheet

__all__ = ["Rule", "match_rules", "parse_rules", "rule_candidates"]

_POOL_WORDS = {"pool", "公海", "公海池", "不分配"}
_TEAM = re.compile(r"^\s*(team|团队|小组)\s*[:：]\s*(.+?)\s*$", re.IGNORECASE)
_LEVEL = re.compile(r"^\s*(level|级别)\s*[:：]\s*(.+?)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Rule:
    """One enabled routing rule, validated and normalised."""

    row: int
    """Excel row of the rule (shown in messages)."""
    name: str
    """Label shown in reasons (the ``name`` cell, else ``规则 N`` / ``rule N``)."""
    regions: tuple[str, ...] = ()
    """Place keys; a customer matches when its region, province or city is one of them."""
    industries: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    intents: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    min_value: float | None = None
    """Inclusive lower bound on ``value``."""
    max_value: float | None = None
    """Exclusive upper bound on ``value``."""
    target_kind: str = "pool"
    """``rep``, ``team``, ``level`` or ``pool``."""
    target: str = ""
    """rep_id, normalised team name or level code."""
    target_label: str = ""
    """How reasons name the target: the rep's name, the team or the level as written."""
    method: str | None = None
    """Strategy name for customers routed by this rule (None: the run's default)."""
    cap: int | None = None
    """At most this many customers through this rule in one run."""

    def candidates(self, reps: pd.DataFrame) -> np.ndarray:
        """Reps named by ``assign_to`` (availability, capacity and level are checked later)."""
        return rule_candidates(self, reps)


def rule_candidates(rule: Rule, reps: pd.DataFrame) -> np.ndarray:
    """Boolean mask over ``reps`` rows of the reps a rule assigns to."""
    if rule.target_kind == "rep":
        return (reps["rep_id"] == rule.target).to_numpy()
    if rule.target_kind == "team":
        return reps["team"].map(name_key, na_action="ignore").eq(rule.target).to_numpy()
    if rule.target_kind == "level":
        return reps["level"].eq(rule.target).to_numpy()
    return np.zeros(len(reps), dtype=bool)


def _strategy_name(method: str) -> str:
    from .strategies import get_strategy

    return get_strategy(method).name


def _target(text: str, reps: pd.DataFrame) -> tuple[str, str, str] | None:
    """(kind, key, label) of an ``assign_to`` cell, None when it names nothing known."""
    stripped = text.strip()
    if stripped.casefold() in _POOL_WORDS:
        return "pool", "", stripped
    team = _TEAM.match(stripped)
    if team:
        key = name_key(team.group(2))
        teams = set(reps["team"].dropna().map(name_key))
        return ("team", key, team.group(2)) if key in teams else None
    level = _LEVEL.match(stripped)
    if level:
        code, bad = to_level(pd.Series([level.group(2)]))
        return None if bad.iloc[0] else ("level", str(code.iloc[0]), level.group(2))
    key = name_key(stripped)
    for column in ("rep_id", "name"):
        found = reps.loc[reps[column].map(name_key).eq(key)]
        if len(found):
            return "rep", str(found["rep_id"].iloc[0]), str(found["name"].iloc[0])
    return None


def parse_rules(
    sheet: RawSheet | None, *, reps: pd.DataFrame, customers: pd.DataFrame, lang: str
) -> tuple[tuple[Rule, ...], list[Issue]]:
    """Enabled rules in evaluation order and every problem found (all fatal: a wrong rule would
    misroute the whole week)."""
    if sheet is None or sheet.frame.empty:
        return (), []
    collect = Collector(sheet, lang, "fatal")
    typed = type_sheet(sheet, RULES, collect)
    known_places = {
        place_key(v)
        for column in ("region", "province", "city")
        for v in customers[column].dropna().unique()
    } | {place_key(v) for items in reps["territories"] for v in items}
    teams = ", ".join(sorted(reps["team"].dropna().unique())) or "-"
    rules: list[tuple[float, int, Rule]] = []
    for row, rule in typed.iterrows():  # a manager's handful of rules, not data rows
        line = int(row)  # type: ignore[call-overload]
        if not rule["enabled"]:
            continue
        target = rule["assign_to"]
        parsed = _target(str(target), reps) if pd.notna(target) else None
        if parsed is None:
            code = (
                "unknown_rule_team"
                if target and _TEAM.match(str(target))
                else "unknown_rule_target"
            )
            collect.add(code, line, "assign_to", target, teams=teams)
            continue
        method = None
        if pd.notna(rule["method"]) and str(rule["method"]).strip():
            try:
                method = _strategy_name(str(rule["method"]))
            except SettingsError as exc:
                collect.add("unknown_rule_method", line, "method", rule["method"], why=str(exc))
                continue
        for place in rule["region"]:
            if place_key(place) not in known_places and place != "*":
                close = difflib.get_close_matches(place, sorted(known_places), n=1)
                collect.add(
                    "unknown_rule_region", line, "region", place, hint=close[0] if close else "-"
                )
        intents, bad_intent = to_intent(pd.Series(list(rule["intent"]), dtype=object))
        for value in pd.Series(list(rule["intent"]))[bad_intent.to_numpy()]:
            collect.add("unknown_rule_intent", line, "intent", value)
        tiers = tuple(str(v).strip().upper() for v in rule["tier"])
        for value in tiers:
            if value not in ("A", "B", "C"):
                collect.add("unknown_rule_tier", line, "tier", value)
        low, high = rule["min_value"], rule["max_value"]
        if pd.notna(low) and pd.notna(high) and low >= high:
            collect.add("rule_value_range", line, "max_value", high, low=low)
        cap = rule["cap"]
        if pd.notna(cap) and (cap < 0 or cap != int(cap)):
            collect.add("not_an_integer", line, "cap", cap)
            continue
        label = str(rule["name"]) if pd.notna(rule["name"]) else None
        rules.append(
            (
                float(rule["order"]) if pd.notna(rule["order"]) else float(line),
                line,
                Rule(
                    row=line,
                    name=label or (f"规则 {line}" if lang == "zh" else f"rule {line}"),
                    regions=tuple(place_key(v) for v in rule["region"]),
                    industries=tuple(industry_key(v) for v in rule["industry"]),
                    sources=tuple(industry_key(v) for v in rule["source"]),
                    intents=tuple(str(v) for v in intents.dropna()),
                    tiers=tiers,
                    min_value=float(low) if pd.notna(low) else None,
                    max_value=float(high) if pd.notna(high) else None,
                    target_kind=parsed[0],
                    target=parsed[1],
                    target_label=parsed[2],
                    method=method,
                    cap=int(cap) if pd.notna(cap) else None,
                ),
            )
        )
    ordered = tuple(rule for _, _, rule in sorted(rules, key=lambda item: item[:2]))
    return ordered, collect.issues


def _keys(series: pd.Series, key: Callable[[object], str]) -> pd.Series:
    return series.map(key, na_action="ignore")


def rule_mask(rule: Rule, customers: pd.DataFrame) -> np.ndarray:
    """Customers matching every criterion of ``rule`` (blank criteria match everything)."""
    mask = np.ones(len(customers), dtype=bool)
    if rule.regions and "*" not in rule.regions:
        places = np.zeros(len(customers), dtype=bool)
        for column in ("region", "province", "city"):
            places |= _keys(customers[column], place_key).isin(rule.regions).to_numpy()
        mask &= places
    if rule.industries:
        mask &= _keys(customers["industry"], industry_key).isin(rule.industries).to_numpy()
    if rule.sources:
        mask &= _keys(customers["source"], industry_key).isin(rule.sources).to_numpy()
    if rule.intents:
        mask &= customers["intent"].isin(rule.intents).to_numpy()
    if rule.tiers:
        mask &= customers["tier"].isin(rule.tiers).to_numpy()
    if rule.min_value is not None:
        mask &= (customers["value"] >= rule.min_value).to_numpy()
    if rule.max_value is not None:
        mask &= (customers["value"] < rule.max_value).to_numpy()
    return mask


def match_rules(customers: pd.DataFrame, rules: tuple[Rule, ...]) -> np.ndarray:
    """Index of the rule that routes each customer (-1: default territory allocation).

    The first matching rule wins. A rule with a ``cap`` takes its best-scoring matches up to the
    cap; the rest fall through to the next matching rule, as if the capped rule were not there.
    ``customers`` needs ``score`` and ``tier``.
    """
    chosen = np.full(len(customers), -1, dtype=np.int64)
    if not rules:
        return chosen
    masks = [rule_mask(rule, customers) for rule in rules]
    priority = np.lexsort(
        (customers["customer_id"].astype(str).to_numpy(), -customers["score"].to_numpy())
    )
    rank = np.empty(len(customers), dtype=np.int64)
    rank[priority] = np.arange(len(customers))
    for index, (rule, mask) in enumerate(zip(rules, masks, strict=True)):
        takes = (chosen == -1) & mask
        if rule.cap is not None and takes.sum() > rule.cap:
            positions = np.flatnonzero(takes)
            keep = positions[np.argsort(rank[positions], kind="stable")[: rule.cap]]
            takes = np.zeros(len(customers), dtype=bool)
            takes[keep] = True
        chosen[takes] = index
    return chosen
