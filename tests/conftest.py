"""Shared fixtures: a CliRunner and ``make_workbook`` for small inline input workbooks."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from click.testing import CliRunner
from hypothesis import settings

# CI replays the same examples on every run, so a red build always points at a change, never at
# the luck of the draw; on a developer's machine each run explores new examples (and a failure
# prints the blob that reproduces it). .ci/run sets CI=1.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("explore", print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "explore")

AS_OF = datetime(2026, 11, 23, 9, 0)

# Minimal valid rows in canonical English headers; tests override what they care about.
BASE_REP: dict[str, Any] = {
    "rep_id": "S1",
    "name": "Zhang Wei",
    "territories": "East",
    "capacity": 5,
}
BASE_CUSTOMER: dict[str, Any] = {
    "customer_id": "C1",
    "customer": "Acme Co., Ltd.",
    "industry": "Retail",
    "region": "East",
    "value": 10000,
    "intent": "high",
    "history": 0,
}

MakeWorkbook = Callable[..., Path]


def default_customer(row: Mapping[str, Any]) -> str:
    """A company name of its own per customer_id (``C1`` keeps the base name), so that rows a
    test does not name are different customers, not duplicates (撞单) of each other."""
    customer_id = row.get("customer_id", BASE_CUSTOMER["customer_id"])
    if customer_id in (None, BASE_CUSTOMER["customer_id"]):
        return str(BASE_CUSTOMER["customer"])
    return f"Acme {customer_id} Co., Ltd."


def write_workbook(
    path: Path,
    sheets: Mapping[str, Sequence[Mapping[str, Any]] | Sequence[Sequence[Any]]],
    *,
    banners: Mapping[str, str] | None = None,
) -> Path:
    """Write sheets given as lists of dicts (header = union of keys, in first-seen order) or as
    raw lists of rows (written as they are, for odd layouts)."""
    book = xlsxwriter.Workbook(
        str(path),
        {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
    )
    date_format = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        start = 0
        if banners and name in banners:
            sheet.write_string(0, 0, banners[name])
            start = 1
        if rows and isinstance(rows[0], Mapping):
            header: list[str] = []
            for row in rows:
                for key in row:  # type: ignore[union-attr]
                    if key not in header:
                        header.append(key)
            grid: list[Sequence[Any]] = [header] + [
                [row.get(key) for key in header]
                for row in rows  # type: ignore[union-attr]
            ]
        else:
            grid = list(rows)  # type: ignore[arg-type]
        for r, values in enumerate(grid):
            for c, value in enumerate(values):
                if value is None:
                    continue
                if isinstance(value, datetime | date):
                    sheet.write_datetime(start + r, c, value, date_format)
                else:
                    sheet.write(start + r, c, value)
    book.close()
    return path


@pytest.fixture
def make_workbook(tmp_path: Path) -> MakeWorkbook:
    """``make_workbook(customers=[...], reps=[...], name="in.xlsx", sheet_names=..., banners=...)``.

    Customer and rep rows are dicts merged over ``BASE_CUSTOMER``/``BASE_REP`` unless
    ``raw=True``; customers not named get a name of their own (:func:`default_customer`).
    ``sheet_names`` renames the ``Customers``/``Reps`` sheets.
    """
    counter = {"n": 0}

    def make(
        customers: Sequence[Mapping[str, Any]] = (),
        reps: Sequence[Mapping[str, Any]] | None = None,
        *,
        name: str | None = None,
        sheet_names: Mapping[str, str] | None = None,
        banners: Mapping[str, str] | None = None,
        raw: bool = False,
        extra_sheets: Mapping[str, Sequence[Any]] | None = None,
    ) -> Path:
        counter["n"] += 1
        path = tmp_path / (name or f"input{counter['n']}.xlsx")
        names = {"Customers": "Customers", "Reps": "Reps", **(sheet_names or {})}
        if raw:
            customer_rows = list(customers)
            rep_rows = list(reps if reps is not None else [BASE_REP])
        else:
            customer_rows = [
                {**BASE_CUSTOMER, "customer": default_customer(row), **row} for row in customers
            ]
            rep_rows = [{**BASE_REP, **row} for row in (reps if reps is not None else [{}])]
        sheets: dict[str, Any] = {names["Customers"]: customer_rows, names["Reps"]: rep_rows}
        sheets.update(extra_sheets or {})
        return write_workbook(path, sheets, banners=banners)

    return make


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def allocate_file(path: Path, settings: Any = None, *, lang: str = "en") -> Any:
    """read → validate → allocate one workbook at ``AS_OF`` (the core without any writing)."""
    from allocator.allocate import allocate
    from allocator.model import RunInfo
    from allocator.schema import validate
    from allocator.settings import Settings
    from allocator.workbook import read_workbook

    chosen = settings or Settings()
    book = read_workbook(path, lang=lang)
    inputs = validate(book, lang=lang, as_of=AS_OF)
    info = RunInfo(
        input_path=str(path),
        input_sha256=book.sha256,
        as_of=AS_OF,
        strategy=chosen.strategy,
        language=lang,
        version="test",
    )
    return allocate(inputs, chosen, as_of=AS_OF, lang=lang, run=info)
