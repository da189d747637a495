"""The allocation step of ``optimal`` against ``points`` (SPEC §7: at most 2× at both sizes).

Usage::

    python benchmarks/bench_allocate.py --sizes 100000,1000000 --runs 3

For each size it takes the sample workbook of ``bench_run.py`` (generated once and cached in
``benchmarks/.cache``), reads and validates it once and caches the validated ``Inputs`` as a
pickle beside it (delete the pickle after changing reading or validation). Each measurement
then runs in a fresh process that loads the pickle and times
``allocate()`` alone — scoring, pool, candidates, the strategy, deadlines, reasons, invariants;
no reading, validating or writing — and, inside it, the strategy's own ``assign`` step. Runs of
the two strategies alternate, so both see the same load on a shared machine.

It prints the medians of ``--runs`` runs, the ratio optimal / points of each, and what the
strategies achieved: customers placed, expected won value (Σ value × the owner's smoothed
conversion, :func:`allocator.compare.expected_won_value`) and the points received above the
fairness limits of ``optimal`` (:mod:`allocator.strategies.fair_share`; ``optimal`` keeps
every rep no further above its limit than ``points`` puts it, and the same yardstick measures
both).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_run import AS_OF, reps_for, sample_path

STRATEGIES = ("points", "optimal")


def inputs_path(customers: int) -> Path:
    """The validated inputs of the cached sample, pickled once."""
    sample = sample_path(customers)
    cached = sample.with_name(f"inputs_{customers}_{reps_for(customers)}.pkl")
    if not cached.exists():
        from allocator.pipeline import prepare
        from allocator.settings import Settings

        print(f"validating {sample.name} …", file=sys.stderr, flush=True)
        prepared = prepare(sample, settings=Settings(), as_of=datetime.fromisoformat(AS_OF))
        with cached.open("wb") as handle:
            pickle.dump((prepared.inputs, prepared.lang), handle, protocol=pickle.HIGHEST_PROTOCOL)
    return cached


def child(strategy: str, path: Path) -> dict[str, Any]:
    """One ``allocate()`` under ``strategy`` in this process, with its figures."""
    import numpy as np

    from allocator.allocate import allocate
    from allocator.compare import expected_won_value
    from allocator.model import RunInfo
    from allocator.settings import Settings
    from allocator.strategies import REGISTRY
    from allocator.strategies.fair_share import centipoints, fair_limits

    with path.open("rb") as handle:
        inputs, lang = pickle.load(handle)
    settings = Settings(strategy=strategy)
    as_of = datetime.fromisoformat(AS_OF)
    info = RunInfo("", "", as_of, strategy, lang, "bench")
    seen: dict[str, Any] = {}
    kind = type(REGISTRY[strategy])
    assign = kind.assign

    def timed(self: Any, problem: Any) -> Any:
        start = time.perf_counter()
        result = assign(self, problem)
        seen["step"] = seen.get("step", 0.0) + time.perf_counter() - start
        seen["problem"], seen["result"] = problem, result
        return result

    kind.assign = timed  # type: ignore[method-assign]
    start = time.perf_counter()
    allocation = allocate(inputs, settings, as_of=as_of, lang=lang, run=info)
    total = time.perf_counter() - start
    problem, result = seen["problem"], seen["result"]
    limits = fair_limits(problem, problem.order)
    given = result.rep >= 0
    received = np.bincount(
        result.rep[given],
        weights=centipoints(problem.score)[given],
        minlength=len(problem.capacity),
    ).astype(np.int64)
    excess = float(limits.excess(received).sum()) if limits is not None else 0.0
    return {
        "allocate": total,
        "step": seen["step"],
        "assigned": int(allocation.stats["assigned"]),
        "value": expected_won_value(allocation, inputs),
        "excess": excess,
    }


def measure(strategy: str, path: Path) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", strategy, str(path)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    ).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("STRATEGY", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]))))
        return
    if args.runs < 3:
        parser.error("--runs must be at least 3 (medians)")
    print(
        f"{'customers':>10} {'reps':>5} {'strategy':<8} {'allocate s':>10} {'step s':>7} "
        f"{'assigned':>9} {'expected won value':>19} {'over limits':>12}"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        path = inputs_path(size)
        runs: dict[str, list[dict[str, Any]]] = {s: [] for s in STRATEGIES}
        for _ in range(args.runs):
            for strategy in STRATEGIES:
                runs[strategy].append(measure(strategy, path))
        medians = {}
        for strategy in STRATEGIES:
            last = runs[strategy][-1]
            medians[strategy] = {
                key: statistics.median(r[key] for r in runs[strategy])
                for key in ("allocate", "step")
            }
            median = medians[strategy]
            print(
                f"{size:>10} {reps_for(size):>5} {strategy:<8} {median['allocate']:>10.2f} "
                f"{median['step']:>7.2f} {last['assigned']:>9,} {last['value']:>19,.0f} "
                f"{last['excess']:>12,.0f}",
                flush=True,
            )
        ratio = medians["optimal"]["allocate"] / medians["points"]["allocate"]
        step = medians["optimal"]["step"] / medians["points"]["step"]
        verdict = "ok" if ratio <= 2.0 else "ABOVE 2×"
        print(f"{'':>17} optimal / points: allocate {ratio:.2f}× ({verdict}), step {step:.2f}×")


if __name__ == "__main__":
    main()
