"""Writing the outputs of a run: the manager workbook, per-rep workbooks and extra files.

Everything is computed by the caller before this package touches the output folder; each file is
then written to a temporary name and renamed into place (SPEC §4).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path, PurePosixPath, PureWindowsPath

from ..errors import OutputError
from ..model import Allocation
from ..settings import OutputSettings
from .apart import Share, discard_rows
from .background import Background, Report, can_fork
from .files import OutputSet, check_out_dir, collect_garbage, write_text_atomic
from .manager import ManagerWorkbook
from .names import safe_file_name, safe_sheet_name
from .rep_books import plan_rep_books, rep_book_cells, write_rep_books

__all__ = ["safe_file_name", "safe_sheet_name", "write_outputs", "write_text_atomic"]

MANAGER_WORKBOOK = "assignments.xlsx"
PARALLEL_MIN_ROWS = 20_000
"""From this many assigned rows on, the per-rep workbooks are written by a second process;
below it, starting one costs more than it saves."""


def _check_extra_names(extra_files: Mapping[str, bytes]) -> None:
    for name in extra_files:
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if (
            not parts
            or PureWindowsPath(name).is_absolute()
            or PurePosixPath(name).is_absolute()
            or ".." in parts
            or name in (MANAGER_WORKBOOK,)
        ):
            raise OutputError(f"invalid output file name {name!r}: must be a plain relative path")


def write_outputs(
    allocation: Allocation,
    out_dir: Path,
    *,
    lang: str,
    settings: OutputSettings,
    extra_files: Mapping[str, bytes] = {},
    force: bool = False,
    parallel: bool | None = None,
    progress: Callable[[float], None] | None = None,
) -> list[Path]:
    """Write ``assignments.xlsx``, ``reps/<rep>.xlsx`` and ``extra_files`` into ``out_dir``.

    ``extra_files`` maps relative names (``report.html``) to their bytes. An existing non-empty
    ``out_dir`` is refused unless ``force``. ``parallel`` writes the per-rep workbooks in a
    second process (None: when there are enough rows and ``fork`` is available), which first
    writes the last rows of the manager workbook's big sheets when that evens out the work
    (:mod:`.apart`). ``progress`` is told the fraction of the manager workbook written.

    Returns the written paths (manager workbook, rep workbooks, extra files). Raises
    :class:`OutputError` when a file cannot be written; files open in Excel are reported
    together at the end, after every other file has been written.
    """
    out_dir = Path(out_dir)
    _check_extra_names(extra_files)
    check_out_dir(out_dir, force=force)
    if parallel is None:
        parallel = len(allocation.assignments) >= PARALLEL_MIN_ROWS
    background = settings.per_rep_workbooks and parallel and can_fork()
    with _frozen_gc():
        outputs = OutputSet(out_dir)
        child: Background | None = None
        manager: ManagerWorkbook | None = None
        try:
            with outputs.target(out_dir / MANAGER_WORKBOOK) as temp:
                # Opened before the fork: the child inherits it to write some of its rows.
                manager = ManagerWorkbook(allocation, temp, lang=lang, settings=settings)
                share = manager.share(rep_book_cells(allocation)) if background else Share()
                if background:
                    # The child plans its books itself: the parent has the bigger share to write.
                    child = Background(
                        lambda report: _second_job(
                            manager, share, report, allocation, out_dir, lang, settings
                        )
                    )
                manager.write(
                    progress=progress,
                    share=share,
                    rows_apart=child.part if child is not None else None,
                )
            collect_garbage()
            if settings.per_rep_workbooks and child is None:
                plan = plan_rep_books(allocation, lang=lang, settings=settings)
                write_rep_books(plan, outputs)
            for name, data in extra_files.items():
                outputs.write_bytes(out_dir / name, data)
        except BaseException:
            if child is not None:
                unclaimed = child.discard()
                if isinstance(unclaimed, dict):
                    discard_rows(unclaimed)
            if manager is not None:
                manager.abandon()
            raise
        if child is not None:
            written, locked = child.result()
            outputs.written += [Path(p) for p in written]
            outputs.locked += [Path(p) for p in locked]
    outputs.raise_if_locked()
    return _in_order(outputs.written, out_dir, extra_files)


def _second_job(
    manager: ManagerWorkbook,
    share: Share,
    report: Report,
    allocation: Allocation,
    out_dir: Path,
    lang: str,
    settings: OutputSettings,
) -> tuple[list[str], list[str]]:
    """In the forked child: the rows ``share`` gives it of the manager workbook (reported to
    the parent, which needs them to finish that workbook), then the per-rep workbooks."""
    if share.tails:
        report(manager.write_apart(share))
    outputs = OutputSet(out_dir)
    if settings.per_rep_workbooks:
        write_rep_books(plan_rep_books(allocation, lang=lang, settings=settings), outputs)
    return [str(p) for p in outputs.written], [str(p) for p in outputs.locked]


@contextlib.contextmanager
def _frozen_gc() -> Iterator[None]:
    """Keep the garbage collector's automatic passes out of the writing.

    The prepared rows are millions of objects that live until the end, and XlsxWriter stores
    every cell as one more: automatic full collections would walk all of them again and again
    (a tenth of the writing time), and in a forked writer the walk would copy every page it
    touches. The prepared data is frozen, automatic collection paused, and each finished
    workbook's own garbage (XlsxWriter objects form cycles) collected explicitly with
    :func:`collect_garbage`. The previous state is restored in any case.
    """
    was_enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.unfreeze()


def _in_order(written: list[Path], out_dir: Path, extra_files: Mapping[str, bytes]) -> list[Path]:
    """Manager workbook, rep workbooks in reps order, extra files: whichever process wrote them."""
    manager = out_dir / MANAGER_WORKBOOK
    extras = {out_dir / name for name in extra_files}
    reps = [p for p in written if p != manager and p not in extras]
    done = set(written)
    return [p for p in [manager, *reps, *(out_dir / n for n in extra_files)] if p in done]
