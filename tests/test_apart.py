"""Manager sheets whose rows the second process writes (export/apart.py): the same bytes as when
the parent writes them, a fair share of the work, and clean failures."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from test_export import make_allocation

from allocator import export
from allocator.errors import InternalError, OutputError
from allocator.export import manager as manager_module
from allocator.export.apart import Share, append_rows, balance, pin_formats, write_rows_apart
from allocator.export.background import can_fork
from allocator.export.manager import ManagerWorkbook
from allocator.export.sheets import Formats, open_workbook, prepare
from allocator.settings import OutputSettings

needs_fork = pytest.mark.skipif(not can_fork(), reason="the second writer needs fork")
# Above one row a sheet streams to disk (constant_memory): the mode where rows go apart.
STREAMED = OutputSettings(table_rows_max=1)


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


EVERYTHING_APART = Share(
    (("Assignments", 5), ("Unassigned", 0), ("Exceptions", 0), ("Conflicts", 0), ("Changes", 0))
)
"""The last 7 of the 12 assignments and every row of the plain sheets (Exceptions has raw
cells of mixed types: datetimes, numbers as text)."""


def _share(monkeypatch: pytest.MonkeyPatch, share: Share, seen: list[Share]) -> None:
    def fixed(manager: ManagerWorkbook, rep_book_cells: int) -> Share:
        seen.append(share)
        return share

    monkeypatch.setattr(ManagerWorkbook, "share", fixed)


@needs_fork
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_rows_written_apart_are_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    allocation = make_allocation(lang)
    alone = export.write_outputs(
        allocation, tmp_path / "alone", lang=lang, settings=STREAMED, parallel=False
    )
    seen: list[Share] = []
    _share(monkeypatch, EVERYTHING_APART, seen)
    shared = export.write_outputs(
        allocation, tmp_path / "shared", lang=lang, settings=STREAMED, parallel=True
    )
    assert seen == [EVERYTHING_APART]
    assert [p.relative_to(tmp_path / "shared") for p in shared] == [
        p.relative_to(tmp_path / "alone") for p in alone
    ]
    for one, two in zip(alone, shared, strict=True):
        assert _parts(one) == _parts(two), one.name
    leftovers = [p for p in (tmp_path / "shared").rglob("*") if p.suffix not in (".xlsx", "")]
    assert not leftovers


def test_tables_are_never_written_apart(tmp_path: Path) -> None:
    """Small sheets are Excel tables, written in memory: no row can go to another process."""
    manager = ManagerWorkbook(
        make_allocation(), tmp_path / "m.xlsx", lang="en", settings=OutputSettings()
    )
    assert manager.share(10**9) == Share() and manager.share(0) == Share()
    manager.write()


def test_a_streamed_workbook_shares_its_biggest_sheet(tmp_path: Path) -> None:
    manager = ManagerWorkbook(make_allocation(), tmp_path / "m.xlsx", lang="en", settings=STREAMED)
    # Tiny sheets: not worth a file each.
    assert manager.share(0) == Share()
    manager.write()


@pytest.mark.parametrize(
    ("here", "there", "sheets", "expected"),
    [
        # The gap closes: whole small sheets first, then the end of the big one. A cell moved
        # saves 1 here and costs 1.09 there: (10M − 200k − 2.218M) / 2.09 / 30 = 120,925 rows.
        (
            10_000_000,
            2_000_000,
            [("Changes", 20_000, 10), ("Assignments", 300_000, 30)],
            (("Changes", 0), ("Assignments", 300_000 - 120_925)),
        ),
        # The other process already has more to do: nothing moves.
        (1_000_000, 3_000_000, [("Unassigned", 10_000, 30)], ()),
        # A sheet too small to be worth a file of its own, or without columns, is skipped,
        # not the next.
        (
            10_000_000,
            0,
            [("Conflicts", 100, 10), ("Changes", 0, 0), ("Assignments", 1_000_000, 10)],
            (("Assignments", 1_000_000 - 478_468),),
        ),
        # Never more rows than the sheet has.
        (10_000_000, 0, [("Assignments", 1_000, 200)], (("Assignments", 0),)),
    ],
)
def test_balance_shares_the_cells(
    here: int,
    there: int,
    sheets: list[tuple[str, int, int]],
    expected: tuple[tuple[str, int], ...],
) -> None:
    assert balance(here, there, sheets) == Share(expected)


@needs_fork
def test_a_failure_before_the_rows_arrive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    _share(monkeypatch, EVERYTHING_APART, [])

    def broken(self: ManagerWorkbook, keys: Any) -> Any:
        raise OutputError("cannot write the rows: disk full")

    monkeypatch.setattr(ManagerWorkbook, "write_apart", broken)
    out = tmp_path / "out"
    with pytest.raises(OutputError, match="disk full"):
        export.write_outputs(make_allocation(), out, lang="en", settings=STREAMED, parallel=True)
    assert not (out / "assignments.xlsx").exists()
    assert not [p for p in out.rglob("*.tmp")]
    assert list(temp.iterdir()) == []


@needs_fork
def test_a_failure_after_the_rows_were_written_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parent fails before it takes the rows the child wrote: those files, and the parent's
    own streamed rows (a gigabyte at a million customers), are deleted all the same."""
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    _share(monkeypatch, EVERYTHING_APART, [])

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OutputError("cannot write the summary")

    monkeypatch.setattr(manager_module, "_summary_sheet", broken)
    with pytest.raises(OutputError, match="summary"):
        export.write_outputs(
            make_allocation(), tmp_path / "out", lang="en", settings=STREAMED, parallel=True
        )
    assert list(temp.iterdir()) == []
    assert not (tmp_path / "out" / "assignments.xlsx").exists()


def _frame_sheet() -> Any:
    frame = pd.DataFrame({"id": ["A", "B"], "value": [1200.0, 3400.5]})
    return prepare({"id": frame["id"], "value": frame["value"]}, ["id", "value"])


def test_a_format_numbered_after_the_fork_is_refused(tmp_path: Path) -> None:
    """Rows written apart with a format the parent never numbered would point at another
    style in the parent's workbook: refused, never written."""
    workbook = open_workbook(tmp_path / "w.xlsx", constant_memory=True)
    formats = Formats(workbook)
    with pytest.raises(InternalError, match="format not numbered"):
        write_rows_apart(workbook, _frame_sheet(), formats, first_row=0)
    pin_formats(workbook, formats)
    rows = write_rows_apart(workbook, _frame_sheet(), formats, first_row=4)
    assert rows.bounds == (5, 6, 0, 1)  # body rows 4 and 5 are the sheet's rows 6 and 7
    assert Path(rows.path).read_text(encoding="utf-8").count("<row ") == 2
    workbook.fileclosed = True  # a scratch workbook, never written


def test_rows_apart_need_a_streamed_workbook_and_come_last(tmp_path: Path) -> None:
    in_memory = open_workbook(tmp_path / "t.xlsx")
    with pytest.raises(InternalError, match="constant_memory"):
        write_rows_apart(in_memory, _frame_sheet(), Formats(in_memory), first_row=0)
    in_memory.fileclosed = True
    workbook = open_workbook(tmp_path / "w.xlsx", constant_memory=True)
    formats = Formats(workbook)
    pin_formats(workbook, formats)
    rows = write_rows_apart(workbook, _frame_sheet(), formats, first_row=0)
    busy = workbook.add_worksheet("busy")
    busy.write_string(1, 0, "mine")
    with pytest.raises(InternalError, match="already has row 2"):
        append_rows(busy, rows)
    workbook.fileclosed = True
