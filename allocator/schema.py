"""Validation (SPEC §2): typing, pandera schemas in lazy mode, cross-sheet checks → Issues.

Every problem becomes an :class:`Issue` naming sheet, cell, column and value. Rep-sheet problems
are fatal (allocation depends on every rep); customer-row problems send the row to Exceptions and
the rest is allocated; warnings are only reported.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

import pandas as pd
import pandera.pandas as pa

from .cells import (
    Collector,
    bad_cells,
    ge0,
    integral,
    report_overlong_text,
    run_schema,
    type_sheet,
)
from .errors import Issue, ValidationFailed
from .headers import CUSTOMERS, REPS
from .i18n import t
from .identity import derive_customer_ids, name_key
from .model import Inputs, RawSheet, RawWorkbook
from .rules import parse_rules

__all__ = ["validate"]

_CUSTOMER_SCHEMA = pa.DataFrameSchema(
    {
        "customer": pa.Column(object, nullable=False),
        "industry": pa.Column(object, nullable=False),
        "region": pa.Column(object, nullable=False),
        "value": pa.Column("float64", ge0("negative_number"), nullable=False),
        "intent": pa.Column(object, nullable=False),
        "history": pa.Column("float64", ge0("negative_number"), nullable=True),
        "deal_value": pa.Column("float64", ge0("negative_number"), nullable=True),
    },
    strict=False,
)
_REP_SCHEMA = pa.DataFrameSchema(
    {
        "name": pa.Column(object, nullable=False),
        "capacity": pa.Column("float64", integral("not_an_integer"), nullable=False),
        "weight": pa.Column("float64", pa.Check(lambda s: s > 0, name="not_positive")),
        "points_balance": pa.Column("float64", nullable=False),
    },
    strict=False,
)


def _validate_reps(sheet: RawSheet, lang: str) -> tuple[pd.DataFrame, list[Issue]]:
    collect = Collector(sheet, lang, "fatal")
    reps = type_sheet(sheet, REPS, collect)
    reps["weight"] = reps["weight"].fillna(1.0)
    reps["points_balance"] = reps["points_balance"].fillna(0.0)
    run_schema(_REP_SCHEMA, reps, collect, bad_cells(collect.issues))
    blank_territory = reps["territories"].map(len).eq(0) & reps["name"].notna()
    collect.cells("required_blank", blank_territory, "territories")
    reps["rep_id"] = reps["rep_id"].fillna(reps["name"])
    for column in ("name", "rep_id"):
        keys = reps[column].dropna().map(name_key)
        repeated = keys.duplicated(keep="first")
        first_row = keys.groupby(keys).transform(lambda rows: rows.index[0])
        for row in repeated.index[repeated.to_numpy()]:
            collect.add(
                "duplicate_rep",
                int(row),
                column,
                reps.at[row, column],
                first=int(cast(int, first_row.at[row])),
            )
    if reps.empty:
        collect.add("no_reps", None, None, sheet=sheet.name)  # {sheet} in the message
    zero = reps["capacity"].eq(0) & reps["active"]
    for row in zero.index[zero.to_numpy()]:
        collect.add(
            "zero_capacity",
            int(row),
            "capacity",
            reps.at[row, "capacity"],
            severity="warning",
            rep=reps.at[row, "name"],
        )
    reps["capacity"] = reps["capacity"].fillna(0).clip(lower=0).astype("int64")
    return reps, collect.issues


def _owner_keys(reps: pd.DataFrame) -> dict[str, str]:
    table = dict(zip(reps["name"].map(name_key), reps["rep_id"], strict=True))
    table.update(zip(reps["rep_id"].map(name_key), reps["rep_id"], strict=True))
    return table


def _validate_customers(
    sheet: RawSheet, reps: pd.DataFrame, lang: str, as_of: datetime
) -> tuple[pd.DataFrame, list[Issue]]:
    collect = Collector(sheet, lang, "error")
    report_overlong_text(sheet, collect)
    customers = type_sheet(sheet, CUSTOMERS, collect)
    run_schema(_CUSTOMER_SCHEMA, customers, collect, bad_cells(collect.issues))

    owners = customers["owner"]
    resolved = owners.dropna().map(name_key).map(_owner_keys(reps))
    customers["owner_rep"] = resolved.reindex(customers.index)
    collect.cells("unknown_owner", owners.notna() & customers["owner_rep"].isna(), "owner")

    future_limit = pd.Timestamp(as_of) + pd.Timedelta(days=1)
    for column in ("created", "last_contact", "closed"):
        collect.cells("future_date", customers[column] > future_limit, column, severity="warning")

    customers["history"] = customers["history"].fillna(0.0)
    customers["customer_id"] = derive_customer_ids(customers)
    _check_duplicate_ids(customers, sheet, collect)
    return customers, collect.issues


def _check_duplicate_ids(customers: pd.DataFrame, sheet: RawSheet, collect: Collector) -> None:
    ids = customers["customer_id"]
    repeated = ids.duplicated(keep=False)
    if not repeated.any():
        return
    raw = sheet.frame.loc[repeated[repeated].index].drop(columns=["customer_id"], errors="ignore")
    fingerprint = pd.util.hash_pandas_object(raw.astype(str), index=False)
    group = ids[repeated]
    first_row = group.groupby(group).transform(lambda rows: rows.index[0])
    identical = fingerprint.groupby(group).transform("nunique").eq(1)
    for row in group.index:
        if identical.at[row]:
            if row != first_row.at[row]:
                collect.add(
                    "duplicate_row",
                    int(row),
                    "customer_id",
                    ids.at[row],
                    first=int(cast(int, first_row.at[row])),
                )
        else:
            others = group.index[(group == ids.at[row]).to_numpy() & (group.index != row)]
            collect.add("duplicate_id", int(row), "customer_id", ids.at[row], first=int(others[0]))


def _uncovered_regions(
    customers: pd.DataFrame, reps: pd.DataFrame, sheet: RawSheet, lang: str, as_of: datetime
) -> list[Issue]:
    from .eligibility import available_reps, place_key

    present = reps[available_reps(reps, as_of)]
    tokens = {place_key(token) for items in present["territories"] for token in items}
    if "*" in tokens:
        return []
    collect = Collector(sheet, lang, "warning")
    places = customers[["region", "province", "city"]].apply(
        lambda col: col.map(place_key, na_action="ignore")
    )
    covered = places.isin(tokens).any(axis=1)
    uncovered = customers.loc[~covered & customers["region"].notna(), "region"]
    firsts = uncovered.groupby(uncovered, sort=False).head(1)
    for row, region in firsts.items():
        collect.add("uncovered_region", int(row), "region", region)
    return collect.issues


def validate(book: RawWorkbook, *, lang: str, as_of: datetime, strict: bool = False) -> Inputs:
    """Typed, checked inputs and every issue; raises ValidationFailed on fatal problems (or on
    any problem with ``strict``)."""
    reps, rep_issues = _validate_reps(book.reps, lang)
    customers, customer_issues = _validate_customers(book.customers, reps, lang, as_of)
    if book.customers.frame.empty:  # e.g. a fresh `allocator template`: nothing to allocate
        rep_issues, customer_issues = _empty_input(book, rep_issues, customer_issues, lang)
    issues = list(book.issues) + rep_issues + customer_issues
    error_rows = sorted({i.row for i in customer_issues if i.severity == "error" and i.row})
    valid = customers.drop(index=error_rows)
    issues += _uncovered_regions(valid, reps, book.customers, lang, as_of)
    rules, rule_issues = parse_rules(book.rules, reps=reps, customers=valid, lang=lang)
    issues += rule_issues
    ordered = tuple(sorted(issues, key=_issue_order))
    fatal = [i for i in ordered if i.severity == "fatal"]
    if fatal:
        raise ValidationFailed(t(lang, "validation_fatal", count=len(fatal)), ordered)
    if strict and ordered:
        raise ValidationFailed(t(lang, "validation_strict", count=len(ordered)), ordered)
    return Inputs(
        customers=valid,
        reps=reps,
        rules=rules,
        exceptions=_exceptions(book.customers, customers, customer_issues, error_rows),
        issues=ordered,
        customer_extras=book.customers.extras,
        customer_sheet=book.customers.name,
        total_rows=len(customers),
    )


def _empty_input(
    book: RawWorkbook, rep_issues: list[Issue], customer_issues: list[Issue], lang: str
) -> tuple[list[Issue], list[Issue]]:
    """Without customer rows an empty Reps sheet blocks nothing: both are reported as
    warnings, so that an empty input (a fresh template) validates."""
    from dataclasses import replace

    sheet = book.customers.name
    empty = Issue("warning", "no_customers", t(lang, "no_customers", sheet=sheet), sheet=sheet)
    reps = [replace(i, severity="warning") if i.code == "no_reps" else i for i in rep_issues]
    return reps, [*customer_issues, empty]


def _issue_order(issue: Issue) -> tuple[int, str, int, int, str]:
    rank = {"fatal": 0, "error": 1, "warning": 2}.get(issue.severity, 3)
    cell = issue.cell or ""
    letters = cell.rpartition("!")[2].rstrip("0123456789") if "!" in cell else ""
    letters = letters if letters.isalpha() else ""  # column letters of a cell, "" for a row
    return (rank, issue.sheet or "", issue.row or 0, len(letters), letters)


def _exceptions(
    sheet: RawSheet, typed: pd.DataFrame, issues: list[Issue], rows: list[int]
) -> pd.DataFrame:
    frame = sheet.frame.loc[rows].copy()
    if "customer_id" in typed.columns:
        frame["customer_id"] = typed.loc[rows, "customer_id"]
    errors = pd.DataFrame(
        [(i.row, i.code, i.message) for i in issues if i.severity == "error" and i.row],
        columns=["row", "code", "message"],
    )
    grouped = errors.groupby("row", sort=True).agg({"code": "; ".join, "message": "; ".join})
    frame["issue_codes"] = grouped["code"].reindex(frame.index)
    frame["issues"] = grouped["message"].reindex(frame.index)
    frame["source_row"] = frame.index.astype("int64")
    return frame
