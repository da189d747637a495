"""The hand-out loop shared by round_robin, weighted, balanced and performance.

Each of them ranks a class's candidates by ``(not preferred, primary, key, position)`` and gives
the customer to the smallest, where ``primary`` is fixed per class and rep and ``key`` is a
per-rep number that only grows when the rep receives a customer. Because state lives per rep,
a rep shared by several classes is treated the same in all of them.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable

import numpy as np

from .base import AssignmentProblem

__all__ = ["received_before", "serve", "served_before"]

Entry = tuple[bool, float, float, int]


def serve(
    problem: AssignmentProblem,
    offset: np.ndarray,
    scale: np.ndarray,
    *,
    recency: bool = False,
    primary: Callable[[int, np.ndarray], np.ndarray] | None = None,
    amount: np.ndarray | None = None,
) -> np.ndarray:
    """Chosen rep per customer position (-1 when no candidate had capacity left).

    ``key`` is ``(offset + received) / scale`` per rep, or with ``recency`` the step at which the
    rep last received a customer (-1 before its first). ``primary(cls, candidates)`` gives the
    fixed first criterion of each candidate (smaller wins); 0 for all without it. ``amount`` is
    what each customer adds to its rep's ``received`` (default 1; ``points`` charges the score).
    """
    n, m = len(problem.customer_class), len(problem.capacity)
    chosen = [-1] * n
    capacity = problem.capacity.astype(np.int64).tolist()
    # A rep whose key cannot be computed (weight 0, NaN) goes last rather than looping forever
    # on NaN != NaN in the staleness check below.
    off_arr = np.asarray(offset, dtype=float)
    div_arr = np.asarray(scale, dtype=float)
    broken = ~(np.isfinite(off_arr) & np.isfinite(div_arr) & (div_arr > 0))
    off = np.where(broken, math.inf, off_arr).tolist()
    div = np.where(broken, 1.0, div_arr).tolist()
    received = [0.0] * m
    # A NaN charge would make the rep's key NaN, which never equals itself: count it as 0.
    charge = (
        [1.0] * n if amount is None else np.nan_to_num(np.asarray(amount, dtype=float)).tolist()
    )
    key = [-1.0] * m if recency else [o / d for o, d in zip(off, div, strict=True)]
    classes = problem.customer_class.tolist()
    # One lazy heap per distinct (candidates, preferred, primary), built when its first customer
    # comes up: classes that differ only in profile share it. Keys only grow, so an entry made
    # stale by a hand-out elsewhere is refreshed only when it surfaces: the top, once fresh, is
    # no larger than every other entry's true key.
    heaps: list[list[Entry] | None] = [None] * len(problem.class_candidates)
    shared: dict[tuple[bytes, ...], list[Entry]] = {}
    for step, customer in enumerate(problem.order.tolist()):
        cls = classes[customer]
        heap = heaps[cls]
        if heap is None:
            reps = problem.class_candidates[cls].astype(np.int64)
            prefs = problem.class_preferred[cls].astype(bool)
            firsts = np.zeros(len(reps)) if primary is None else primary(cls, reps)
            signature = (reps.tobytes(), prefs.tobytes(), firsts.astype(float).tobytes())
            heap = shared.get(signature)
            if heap is None:
                heap = [
                    (not pref, first, key[rep], rep)
                    for rep, pref, first in zip(
                        reps.tolist(), prefs.tolist(), firsts.tolist(), strict=True
                    )
                    if capacity[rep] > 0
                ]
                heapq.heapify(heap)
                shared[signature] = heap
            heaps[cls] = heap
        while heap:
            rank, first, current, rep = heap[0]
            if capacity[rep] <= 0:
                heapq.heappop(heap)
            elif current != key[rep]:
                heapq.heapreplace(heap, (rank, first, key[rep], rep))
            else:
                break
        if not heap:
            continue
        rank, first, _, rep = heap[0]
        chosen[customer] = rep
        capacity[rep] -= 1
        received[rep] += charge[customer]
        key[rep] = float(step) if recency else (off[rep] + received[rep]) / div[rep]
        if capacity[rep] > 0:
            heapq.heapreplace(heap, (rank, first, key[rep], rep))
        else:
            heapq.heappop(heap)
    return np.asarray(chosen, dtype=np.int64)


def served_before(problem: AssignmentProblem, chosen: np.ndarray) -> np.ndarray:
    """Per customer position: how many customers its rep had received earlier in this run
    (NaN when unassigned)."""
    before = np.full(len(chosen), np.nan)
    in_order = problem.order[chosen[problem.order] >= 0]
    reps = chosen[in_order]
    by_rep = np.argsort(reps, kind="stable")
    sorted_reps = reps[by_rep]
    starts = np.searchsorted(sorted_reps, sorted_reps, side="left")
    before[in_order[by_rep]] = np.arange(len(sorted_reps)) - starts
    return before


def received_before(
    problem: AssignmentProblem, chosen: np.ndarray, amount: np.ndarray
) -> np.ndarray:
    """Per customer position: the total ``amount`` its rep had received earlier in this run
    (NaN when unassigned)."""
    before = np.full(len(chosen), np.nan)
    in_order = problem.order[chosen[problem.order] >= 0]
    reps = chosen[in_order]
    by_rep = np.argsort(reps, kind="stable")
    values = np.asarray(amount, dtype=float)[in_order[by_rep]]
    running = np.cumsum(values) - values
    starts = np.searchsorted(reps[by_rep], reps[by_rep], side="left")
    before[in_order[by_rep]] = running - (running[starts] if len(running) else 0.0)
    return before
