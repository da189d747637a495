"""End-to-end benchmark of ``allocator run`` against the floor F of SPEC §7.

Usage::

    python benchmarks/bench_run.py --sizes 10000,100000,1000000 --runs 3

For each size it generates (once, cached in ``benchmarks/.cache``) a sample workbook with
``allocator sample``, then measures in fresh processes:

- the floor F: read the customer sheet with python-calamine into pandas, and write the same rows
  once with XlsxWriter in constant_memory mode, row by row;
- ``run``: the whole pipeline, with per-stage times (read, validate, allocate, report, the manager
  workbook, then the wait for the per-rep workbooks written meanwhile by a second process), the
  busy time of that second process (``writer_manager_rows``: the manager rows it writes apart;
  ``writer_rep_books``: the per-rep workbooks, planning included), and the peak RSS of the
  main process and of that writer process.

It prints the median of ``--runs`` runs of each and the ratio run / F.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

CACHE = Path(__file__).resolve().parent / ".cache"
AS_OF = "2026-11-23T09:00"


def reps_for(customers: int) -> int:
    """200 reps at 100k, 1,000 at 1M (SPEC §7); proportionally fewer below."""
    return max(12, min(1000, customers // 500)) if customers < 1_000_000 else 1000


def sample_path(customers: int) -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"sample_{customers}_{reps_for(customers)}.xlsx"
    if not path.exists():
        print(f"generating {path.name} …", file=sys.stderr, flush=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "allocator",
                "sample",
                str(path),
                "--customers",
                str(customers),
                "--reps",
                str(reps_for(customers)),
                "--seed",
                "42",
                "--lang",
                "zh",
                "--as-of",
                AS_OF,
                "-q",
            ],
            check=True,
        )
    return path


def child_floor(path: Path) -> dict[str, float]:
    """The floor F in this process: calamine → pandas, then XlsxWriter constant_memory."""
    import pandas as pd
    import python_calamine
    import xlsxwriter

    start = time.perf_counter()
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    rows = book.get_sheet_by_name(book.sheet_names[0]).to_python(skip_empty_area=False)
    frame = pd.DataFrame(rows[2:], columns=rows[1])
    read = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        out = xlsxwriter.Workbook(str(Path(tmp) / "floor.xlsx"), {"constant_memory": True})
        sheet = out.add_worksheet()
        sheet.write_row(0, 0, [str(c) for c in frame.columns])
        values = frame.astype(object).where(frame.notna(), None).itertuples(index=False)
        for r, row in enumerate(values, start=1):
            sheet.write_row(r, 0, row)
        out.close()
        write = time.perf_counter() - start
    return {"read": read, "write": write, "total": read + write}


def _time_second_process(log: Path) -> None:
    """Record, from inside the forked writer, how long it spends on the manager rows it writes
    apart and on the per-rep workbooks (perf_counter is the same monotonic clock in both
    processes)."""
    import allocator.export as export
    from allocator.export.manager import ManagerWorkbook

    def timed(owner: object, name: str, stage: str) -> None:
        original = getattr(owner, name)

        def wrapper(*args: object, **kwargs: object) -> object:
            start = time.perf_counter()
            result = original(*args, **kwargs)
            with log.open("a") as handle:
                handle.write(json.dumps([stage, time.perf_counter() - start]) + "\n")
            return result

        setattr(owner, name, wrapper)

    timed(ManagerWorkbook, "write_apart", "writer_manager_rows")
    timed(export, "plan_rep_books", "writer_rep_books")
    timed(export, "write_rep_books", "writer_rep_books")


def child_run(path: Path) -> dict[str, float]:
    """One whole ``run`` in this process, timing each stage through the progress callback."""
    from allocator.pipeline import run
    from allocator.settings import Settings

    marks: list[tuple[str, float]] = []

    def progress(stage: str, fraction: float = 0.0) -> None:
        now = time.perf_counter()
        if stage == "write" and fraction >= 1.0:
            # The manager workbook is done; what is left is waiting for the rep workbooks.
            marks.append(("rep_wait", now))
        elif not marks or marks[-1][0] != (stage if stage != "write" else "manager"):
            marks.append((stage if stage != "write" else "manager", now))

    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "writer.jsonl"
        _time_second_process(log)
        start = time.perf_counter()
        run(
            path,
            settings=Settings(),
            as_of=datetime.fromisoformat(AS_OF),
            out_dir=Path(tmp) / "out",
            progress=progress,
        )
        end = time.perf_counter()
        writer = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    result: dict[str, float] = {"total": end - start}
    bounds = [*marks, ("end", end)]
    for (stage, at), (_, until) in itertools.pairwise(bounds):
        result[stage] = result.get(stage, 0.0) + until - at
    # Busy time of the second process (or of this one, below the parallel threshold), which
    # overlaps the manager workbook.
    result["writer_manager_rows"] = 0.0
    result["writer_rep_books"] = 0.0
    for stage, seconds in writer:
        result[stage] += seconds
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The forked writer of the per-rep workbooks: the largest child's peak.
    result["child_rss_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return result


def measure(kind: str, path: Path) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(r[key] for r in runs) for key in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, file = args.child
        figures = child_floor(Path(file)) if kind == "floor" else child_run(Path(file))
        print(json.dumps(figures))
        return
    print(
        f"{'customers':>10} {'reps':>5} {'F (s)':>8} {'run (s)':>8} {'run/F':>6} "
        f"{'peak MiB':>9} {'writer MiB':>10}  stages (median s)"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        path = sample_path(size)
        floors = [measure("floor", path) for _ in range(args.runs)]
        runs = [measure("run", path) for _ in range(args.runs)]
        floor, run = median_of(floors), median_of(runs)
        stages = " ".join(
            f"{k}={v:.2f}"
            for k, v in run.items()
            if k not in ("total", "peak_rss_mib", "child_rss_mib")
        )
        print(
            f"{size:>10} {reps_for(size):>5} {floor['total']:>8.2f} {run['total']:>8.2f} "
            f"{run['total'] / floor['total']:>6.2f} {run['peak_rss_mib']:>9.0f} "
            f"{run['child_rss_mib']:>10.0f}  {stages}",
            flush=True,
        )


if __name__ == "__main__":
    main()
