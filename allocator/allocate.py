"""The pure core: pool → score → candidates → strategy → deadlines → reasons → invariants.

No I/O and no clock: time comes from ``as_of``. DataFrames in, a new :class:`Allocation` out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from .conversion import ConversionTable, conversion_rates
from .duplicates import follow_units, resolve_duplicates
from .eligibility import Eligibility, available_reps, eligibility
from .errors import InternalError
from .explain import conflict_decisions, explain
from .model import Allocation, Inputs, RunInfo
from .pool import POOL_STATUSES, deadlines, pool_status, sla_hours
from .referrals import referral_owner, take_referrals
from .rules import Rule, match_rules, rule_candidates
from .scoring import score_customers
from .settings import Settings
from .strategies import AssignmentProblem, get_strategy
from .summary import changes_frame, conflicts_frame, rep_summary, run_stats

__all__ = ["OUTPUT_COLUMNS", "allocate"]

# np.where's stubs reject a bare ``None`` branch; numpy turns None into this array anyway.
_NONE = np.array(None, dtype=object)
_PROFILE = ["region", "province", "city", "industry", "tier"]
LEADING_COLUMNS = [
    "customer_id",
    "customer",
    "owner",
    "owner_id",
    "tier",
    "score",
    "reason_code",
    "reason",
    "due_by",
    "escalate_at",
    "overdue",
    "previous_owner",
]
INPUT_COLUMNS = [
    "industry",
    "region",
    "province",
    "city",
    "value",
    "intent",
    "history",
    "source",
    "stage",
    "created",
    "last_contact",
    "closed",
    "deal_value",
    "contact",
    "phone",
    "email",
    "referred_by",
]
OUTPUT_COLUMNS = [*LEADING_COLUMNS, *INPUT_COLUMNS]


def _classes(
    pool: pd.DataFrame, excluded: np.ndarray, rule: np.ndarray
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Profile id and class id per pool row, and the profiles table; ``excluded`` holds the
    comma-separated rep positions a row may not go to (``""``: none), ``rule`` the routing rule
    (-1: territory)."""
    keys = pool[_PROFILE].fillna("").astype(str)
    profile = keys.groupby(_PROFILE, sort=True).ngroup().to_numpy()
    profiles = pool[_PROFILE].iloc[np.unique(profile, return_index=True)[1]].reset_index(drop=True)
    pairs = pd.DataFrame({"profile": profile, "excluded": excluded, "rule": rule})
    cls = pairs.groupby(["profile", "excluded", "rule"], sort=True).ngroup().to_numpy()
    return profile, cls, profiles


@dataclass(frozen=True)
class _ClassInfo:
    """What one class of identical candidates knows before the strategies run."""

    candidates: np.ndarray
    preferred: np.ndarray
    cause: str
    count: int
    knows: int


def _class_info(
    p: int,
    ex: str,
    targets: np.ndarray | None,
    elig: Eligibility,
    allowed: np.ndarray,
    match: str,
) -> _ClassInfo:
    """Candidates of one class and why none could be found. ``targets``: the reps a rule names
    (replacing the territory test), None for territory allocation."""
    keep = np.ones(len(elig.available), dtype=bool)
    if ex:
        keep[[int(pos) for pos in ex.split(",")]] = False
    if targets is None:
        covering = elig.territory[p] & elig.available
        eligible = allowed[p]
    else:
        covering = targets & elig.available
        eligible = covering & elig.level[p] & (elig.industry[p] if match == "required" else True)
    present = covering & keep
    reps_here = np.flatnonzero(eligible & keep)
    knows = elig.industry[p, reps_here]
    if not covering.any():
        cause = "no_territory" if targets is None else "no_rule_rep"
    elif not present.any():
        cause = "no_other_rep" if targets is None else "no_rule_rep"
    elif match == "required" and not (present & elig.industry[p]).any():
        cause = "no_industry"
    elif not len(reps_here):
        cause = "no_level"
    else:
        cause = "no_capacity"
    return _ClassInfo(
        candidates=reps_here,
        preferred=knows if match == "preferred" else np.ones(len(reps_here), dtype=bool),
        cause=cause,
        count=len(reps_here) if len(reps_here) else int(present.sum()),
        knows=int(knows.sum()) if match == "preferred" else 0,
    )


def _assign_pool(
    pool: pd.DataFrame,
    value: np.ndarray,
    reps: pd.DataFrame,
    settings: Settings,
    as_of: datetime,
    open_load: np.ndarray,
    rules: tuple[Rule, ...],
    conversion: ConversionTable,
) -> pd.DataFrame:
    """Owner position, deciding figure, strategy, rule, candidate count and unassigned cause per
    pool row; ``value``: what each row brings, with the rows that follow it."""
    excluded = pool["dup_excluded"].to_numpy(dtype=object)
    rule_of = match_rules(pool, rules)
    profile, cls, profiles = _classes(pool, excluded, rule_of)
    elig = eligibility(profiles, reps, settings.eligibility, as_of)
    match = settings.eligibility.industry_match
    allowed = elig.candidates(match)
    targets = [rule_candidates(rule, reps) for rule in rules]

    first = np.unique(cls, return_index=True)[1]
    infos = [
        _ClassInfo(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool), "pool_rule", 0, 0)
        if r >= 0 and rules[r].target_kind == "pool"
        else _class_info(p, ex, targets[r] if r >= 0 else None, elig, allowed, match)
        for p, ex, r in zip(
            profile[first].tolist(), excluded[first].tolist(), rule_of[first].tolist(), strict=True
        )
    ]
    methods = [
        rules[r].method or settings.strategy if r >= 0 else settings.strategy
        for r in rule_of[first].tolist()
    ]
    industries = profiles["industry"].map(conversion.column).fillna(-1).to_numpy(dtype=np.int64)

    order = np.lexsort((pool["customer_id"].astype(str).to_numpy(), -pool["score"].to_numpy()))
    capacity = np.where(elig.available, reps["capacity"].to_numpy(dtype=np.int64), 0)
    start_capacity = capacity.copy()
    balance = reps["points_balance"].to_numpy(dtype=float)
    load = open_load.astype(np.int64)
    figure = np.full(len(pool), np.nan)
    detail: dict[str, np.ndarray] = {}  # strategies' further figures for the reasons
    # Referrals first (§3.2), unless the row may not go back to a rep it was reclaimed from.
    referable = np.where(pool["dup_excluded"].eq("").to_numpy(), pool["ref_pos"].to_numpy(), -1)
    chosen = take_referrals(pool, referable, capacity)
    referred = chosen >= 0
    capacity = capacity - np.bincount(chosen[referred], minlength=len(reps))
    balance = balance + np.bincount(
        chosen[referred], weights=pool["score"].to_numpy()[referred], minlength=len(reps)
    )
    load = load + np.bincount(chosen[referred], minlength=len(reps))
    order = order[~referred[order]]
    class_method = np.asarray(methods, dtype=object)
    # Rules come first, in rule order; each strategy hands out its customers with the capacity,
    # points and load the previous ones left.
    for method in dict.fromkeys([*(r.method for r in rules if r.method), settings.strategy]):
        segment = class_method[cls[order]] == method
        if not segment.any():
            continue
        problem = AssignmentProblem(
            order=order[segment],
            customer_class=cls,
            score=pool["score"].to_numpy(dtype=float),
            class_candidates=tuple(i.candidates for i in infos),
            class_preferred=tuple(i.preferred for i in infos),
            capacity=capacity,
            weight=reps["weight"].to_numpy(dtype=float),
            balance=balance,
            open_load=load,
            class_industry=industries[profile[first]],
            conversion=conversion.rate,
            rep_conversion=conversion.rep_rate,
            value=value,
            fairness_slack=settings.optimal.fairness_slack,
        )
        result = get_strategy(method).assign(problem)
        took = order[segment][result.rep[order[segment]] >= 0]
        chosen[took], figure[took] = result.rep[took], result.figure[took]
        for key, values in result.detail.items():
            detail.setdefault(key, np.full(len(pool), None, dtype=object))[took] = values[took]
        capacity = capacity - np.bincount(chosen[took], minlength=len(reps))
        balance = balance + np.bincount(
            chosen[took], weights=pool["score"].to_numpy()[took], minlength=len(reps)
        )
        load = load + np.bincount(chosen[took], minlength=len(reps))
    if (np.bincount(chosen[chosen >= 0], minlength=len(reps)) > start_capacity).any():
        raise InternalError("a strategy exceeded a rep's capacity")

    min_level = profiles["tier"].map(dict(settings.eligibility.min_level))
    # Under "preferred", say so when industry rather than the strategy decided.
    n_all = np.asarray([i.count for i in infos])[cls]
    n_knows = np.asarray([i.knows for i in infos])[cls]
    given = chosen >= 0
    winner_knows = np.zeros(len(pool), dtype=bool)
    winner_knows[given] = elig.industry[profile[given], chosen[given]]
    mixed = given & winner_knows & (n_knows > 0) & (n_knows < n_all)
    names = np.asarray([r.name for r in rules] + [""], dtype=object)
    labels = np.asarray([r.target_label for r in rules] + [""], dtype=object)
    return pd.DataFrame(
        {
            "rep_pos": chosen,
            "figure": figure,
            "method": np.where(referred, "referral", class_method[cls]),
            "rule_name": np.where(referred, "", names[rule_of]),
            "rule_target": np.where(referred, "", labels[rule_of]),
            "industry_pick": np.where(mixed, np.where(n_knows == 1, "only", "among"), ""),
            "n_preferred": n_knows,
            "n_candidates": n_all,
            "cause": np.asarray([i.cause for i in infos])[cls],
            "min_level": min_level.to_numpy()[profile],
            **{f"detail_{key}": values for key, values in detail.items()},
        },
        index=pool.index,
    )


def _join(rows: pd.DataFrame, extra: pd.DataFrame) -> None:
    """``rows.join(extra)`` in place: ``extra``'s columns added, aligned on the index (rows it
    lacks get NaN). A join would copy every column of the wide frame, each time."""
    overlap = rows.columns.intersection(extra.columns)
    if len(overlap) or not extra.index.is_unique:
        raise InternalError(f"cannot join columns {list(overlap)} (or a repeated index)")
    for name in extra.columns:
        rows[name] = extra[name]


def allocate(
    inputs: Inputs, settings: Settings, *, as_of: datetime, lang: str, run: RunInfo
) -> Allocation:
    """Allocate the valid customers of ``inputs`` to reps under ``settings``."""
    customers, reps = inputs.customers, inputs.reps.reset_index(drop=True)
    names = reps["name"].to_numpy(dtype=object)
    rep_ids = reps["rep_id"].to_numpy(dtype=object)

    rows = customers.copy()
    rows[["score", "tier"]] = score_customers(customers, settings.scoring)
    _join(rows, pool_status(customers, reps, settings, as_of))
    owner_pos = rows["owner_pos"].to_numpy()
    rows["previous_owner"] = np.where(owner_pos >= 0, names[owner_pos], _NONE)
    available = available_reps(reps, as_of).to_numpy(dtype=bool)
    policy = settings.duplicates.conflict_policy
    duplicates = resolve_duplicates(
        rows,
        names,
        available,
        policy=policy,
        exclude_previous_owner=settings.pool.exclude_previous_owner,
    )
    for column, values in duplicates.items():  # new columns, no copy of the wide frame
        rows[column] = values.to_numpy()

    # Rows a claim places (撞单) skip the pool; of an unclaimed group only one row is dealt.
    held = rows["dup_code"].ne("").to_numpy()
    in_pool = rows["status"].isin(POOL_STATUSES) & ~held
    dealt = in_pool & (rows["dup_unit"].to_numpy() == rows.index.to_numpy())
    rep_pos = np.where(held, rows["dup_pos"], owner_pos)
    keeping = rows["status"].eq("kept").to_numpy() | held
    open_load = np.bincount(rep_pos[keeping], minlength=len(reps))
    for column, values in referral_owner(rows, available).items():
        rows[column] = values.to_numpy()
    conversion = conversion_rates(customers, reps)
    # A dealt row brings its own value and that of the rows that follow it.
    worth = pd.to_numeric(rows.loc[in_pool, "value"], errors="coerce").fillna(0.0)
    unit_value = worth.groupby(rows.loc[in_pool, "dup_unit"].to_numpy()).sum()
    decided = _assign_pool(
        rows[dealt],
        unit_value.reindex(rows.index[dealt]).fillna(0.0).to_numpy(dtype=float),
        reps,
        settings,
        as_of,
        open_load,
        inputs.rules,
        conversion,
    )
    decided = follow_units(decided, rows.loc[in_pool, "dup_unit"])
    rep_pos[in_pool.to_numpy()] = decided["rep_pos"].to_numpy()
    _join(rows, decided.drop(columns="rep_pos"))
    has_rep = rep_pos >= 0
    rows["slot"] = dealt.to_numpy() & has_rep
    closed_no_owner = rows["status"].eq("closed") & ~has_rep
    rows["owner"] = np.where(has_rep, names[np.maximum(rep_pos, 0)], _NONE)
    rows["owner_id"] = np.where(has_rep, rep_ids[np.maximum(rep_pos, 0)], _NONE)

    code = pd.Series(
        rows["status"].map(
            {
                "new": "territory",
                "reclaimed": "reclaimed",
                "handover": "handover",
                "kept": "kept",
                "closed": "closed",
            }
        ),
        index=rows.index,
    )
    routed = rows["rule_name"].fillna("").ne("") & rows["status"].eq("new")
    code = code.where(~routed, "rule")
    code = code.where(~(rows["method"].eq("referral") & rows["status"].eq("new")), "referral")
    code = code.where(has_rep | closed_no_owner, rows["cause"]).where(~held, rows["dup_code"])
    follower = in_pool & ~dealt
    code[follower] = code.reindex(rows.loc[follower, "dup_unit"]).to_numpy()
    rows["reason_code"] = code
    _join(rows, deadlines(rows, settings, as_of))
    rows["away_until"] = reps["away_until"].to_numpy()[np.maximum(rows["owner_pos"], 0)]
    hours = sla_hours(rows["intent"], settings)
    rows["reason"] = explain(rows, lang=lang, sla_hours=hours, policy=policy)
    rows["decision"] = conflict_decisions(rows, lang=lang, policy=policy)

    extras = [c for c in inputs.customer_extras if c in rows.columns]
    rows["source_row"] = rows.index.astype("int64")
    ordered = rows.sort_values(
        ["owner_id", "score", "customer_id"],
        ascending=[True, False, True],
        kind="stable",
        na_position="last",
    )
    columns = [*OUTPUT_COLUMNS, *extras, "source_row"]
    placed = ordered["owner"].notna() | ordered["status"].eq("closed")
    assignments = ordered.loc[placed, columns].reset_index(drop=True)
    unassigned = ordered.loc[~placed].sort_values(
        ["score", "customer_id"], ascending=[False, True], kind="stable"
    )[columns]

    reps_out = rep_summary(reps, rows, rep_pos, available)
    allocation = Allocation(
        assignments=assignments,
        unassigned=unassigned.reset_index(drop=True),
        exceptions=inputs.exceptions.reset_index(drop=True),
        conflicts=conflicts_frame(rows),
        changes=changes_frame(ordered),
        reps=reps_out,
        stats=run_stats(inputs, rows, reps, as_of),
        issues=inputs.issues,
        run=run,
    )
    check_conservation(allocation, inputs.total_rows)
    return allocation


def check_conservation(allocation: Allocation, total_rows: int) -> None:
    """Every input row exactly once across Assignments, Unassigned and Exceptions (SPEC §2)."""
    rows = np.concatenate(
        [
            allocation.assignments["source_row"].to_numpy(dtype=np.int64),
            allocation.unassigned["source_row"].to_numpy(dtype=np.int64),
            allocation.exceptions["source_row"].to_numpy(dtype=np.int64),
        ]
    )
    if len(rows) != total_rows or len(np.unique(rows)) != total_rows:
        raise InternalError(
            f"conservation broken: {total_rows} input rows, {len(rows)} output rows, "
            f"{len(np.unique(rows))} distinct; please report this bug"
        )
