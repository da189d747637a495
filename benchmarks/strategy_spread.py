"""Per-rep points and load spread of every strategy on the same sample.

Usage::

    python benchmarks/strategy_spread.py [--customers 10000] [--reps 20] [--seed 42]

Generates the sample in memory (``allocator sample`` data, written once to a cache file), runs the
allocation under each strategy with the same ``as_of``, and prints per strategy: customers
assigned, unassigned, points received per rep (min / median / max), load = new / capacity
(min / max), the Gini of points and of load, and points over the weighted fair share
(lowest–highest) over the reps who could take customers.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from allocator.export.inputs import write_input_workbook  # noqa: E402
from allocator.fairness import RECEIVED, fairness, gini  # noqa: E402
from allocator.pipeline import run  # noqa: E402
from allocator.sample import generate_sample  # noqa: E402
from allocator.settings import Settings  # noqa: E402
from allocator.strategies import REGISTRY  # noqa: E402

AS_OF = datetime(2026, 11, 23, 9, 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    cache = Path(__file__).resolve().parent / ".cache"
    cache.mkdir(exist_ok=True)
    path = cache / f"spread_{args.customers}_{args.reps}_{args.seed}.xlsx"
    if not path.exists():
        book = generate_sample(args.customers, args.reps, seed=args.seed, lang="zh", as_of=AS_OF)
        write_input_workbook(path, book.sheets, book.banners, created=AS_OF)
    print(f"{args.customers} customers × {args.reps} reps, as of {AS_OF:%Y-%m-%d %H:%M}")
    print(
        f"{'strategy':<12} {'assigned':>8} {'pool':>6} {'points min/med/max':>22} "
        f"{'load min/max':>13} {'gini pts':>8} {'gini load':>9} {'share lo–hi':>12}"
    )
    for name in REGISTRY:
        result = run(path, settings=Settings(strategy=name), as_of=AS_OF, dry_run=True)
        reps = result.allocation.reps
        counted = reps[reps["available"] & (reps["capacity"] > 0)]
        points = counted["points_received"].to_numpy()
        load = (counted[list(RECEIVED)].sum(axis=1) / counted["capacity"]).to_numpy()
        figures = fairness(reps)
        stats = result.allocation.stats
        share = (
            f"{figures.share_min:.2f}–{figures.share_max:.2f}"
            if figures.share_max is not None
            else "-"
        )
        print(
            f"{name:<12} {stats['assigned']:>8} {stats['unassigned']:>6} "
            f"{points.min():>7.0f}/{np.median(points):>6.0f}/{points.max():>7.0f} "
            f"{load.min():>6.2f}/{load.max():>5.2f} {gini(points):>8.3f} {gini(load):>9.3f} "
            f"{share:>12}"
        )


if __name__ == "__main__":
    main()
