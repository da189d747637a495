"""The last step of ``optimal`` on large weeks: swaps that bring reps within their allowances.

The steered flows of :mod:`.optimal` may leave a few reps slightly above their fairness
allowance. A *swap* exchanges two customers between an over rep r and a rep s with room: r
gives customer a (of group g) to s and takes customer b (of group h) with a lower score. It is
made only when s may take g's customers and r may take h's on open arcs: arcs of a group with
a preferred rep who has room lead to preferred reps only. Every rep keeps its count and every
group its placed customers, so who is full, who is placed and who has a preferred rep stay
within conditions 1–3 of :mod:`.optimal`; the total score handed out, hence every rep's limit, does
not move; only r's and s's points change, by the difference of the two scores.

Each pass visits the over reps in order and makes up to :data:`SWAPS` swaps for each, with
different customers and receiving reps: the largest differences the receivers can take until
one covers what is left of the rep's overshoot, then the smallest that covers it.
Passes go on until no rep is over or no swap is left (at most :data:`PASSES`); the caller
checks the result like any other candidate.
"""

from __future__ import annotations

import numpy as np

from ._network import Network, group_of_members, rooms
from .fair_share import PPM, FairLimits

__all__ = ["PASSES", "SWAPS", "repair"]

PASSES = 200
"""Most passes of swaps."""
SWAPS = 8
"""Most swaps per over rep and pass (each with its own customer and receiving rep)."""


def _room(
    limits: FairLimits, allowance: np.ndarray, received: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per rep: hundredths it must shed to be within its allowance (0 if within), and
    hundredths it may still receive and stay within (0 if over)."""
    handed_out = int(received.sum())
    slack = limits.factor * (limits.base + handed_out) + allowance
    slack = slack - PPM * (limits.balance + received)
    beyond = limits.scaled_excess(received) > allowance
    need = np.where(beyond, -(slack // PPM), 0)  # ceil(−slack / PPM)
    by_clip = (allowance - PPM * received) // PPM
    take = np.where(beyond, 0, np.maximum(np.maximum(slack // PPM, by_clip), 0))
    return need.astype(np.int64), take.astype(np.int64)


def _open_arcs(net: Network, taken: np.ndarray, n_groups: int) -> np.ndarray:
    """Groups × reps: the rep may take the group's customers (an open arc of :func:`rooms`)."""
    open_arc = rooms(net, taken)[2]
    table = np.zeros((n_groups, len(net.capacity)), dtype=bool)
    table[net.group_of_arc[open_arc], net.group_rep[open_arc]] = True
    return table


def repair(
    net: Network,
    limits: FairLimits,
    allowance: np.ndarray,
    cents: np.ndarray,
    arc_of: np.ndarray,
) -> np.ndarray:
    """``arc_of`` (group arc per customer position) after swaps toward the allowances."""
    m = len(net.capacity)
    members = net.members
    group = group_of_members(net)
    arcs = arc_of[members]
    placed = arcs >= 0
    members, group, arcs = members[placed], group[placed], arcs[placed]
    score = cents[members]
    rep = net.group_rep[arcs]
    n_groups = int(net.group_of_arc.max(initial=-1)) + 1
    usable = _open_arcs(net, np.bincount(rep, minlength=m), n_groups)
    received = np.bincount(rep, weights=score, minlength=m).astype(np.int64)
    swapped = False
    for _ in range(PASSES):
        need, take = _room(limits, allowance, received)
        over = np.flatnonzero(need > 0)
        if not len(over):
            break
        moved = False
        for r in over.tolist():
            for a, b in _best_swaps(r, int(need[r]), take, rep, group, score, usable):
                s, shed = int(rep[b]), int(score[a] - score[b])
                rep[a], rep[b] = s, r
                received[r] -= shed
                received[s] += shed
                need[r] = max(need[r] - shed, 0)
                take[s] -= shed
                moved = swapped = True
        if not moved:
            break
    if not swapped:
        return arc_of
    # The arc of each customer's (group, new rep).
    key = net.group_of_arc * m + net.group_rep
    sorter = np.argsort(key, kind="stable")
    result = arc_of.copy()
    result[members] = sorter[np.searchsorted(key, group * m + rep, sorter=sorter)]
    return result


def _best_swaps(
    r: int,
    need: int,
    take: np.ndarray,
    rep: np.ndarray,
    group: np.ndarray,
    score: np.ndarray,
    usable: np.ndarray,
) -> list[tuple[int, int]]:
    """Customers (a of ``r``, b of a rep with room) of up to :data:`SWAPS` swaps for over rep
    ``r``, each with another customer of ``r`` and another rep with room: the largest
    differences until the next one covers what is left, then the smallest that covers it."""
    mine = np.flatnonzero(rep == r)
    # Per rep with room: its lowest score among the groups r may take.
    theirs = np.flatnonzero((take[rep] > 0) & usable[group, r])
    if not len(mine) or not len(theirs):
        return []
    theirs = theirs[np.lexsort((theirs, score[theirs], rep[theirs]))]
    first = np.r_[True, rep[theirs][1:] != rep[theirs][:-1]]
    low = theirs[first]
    shed = score[mine][:, None] - score[low][None, :]
    ok = (shed > 0) & (shed <= take[rep[low]][None, :]) & usable[group[mine]][:, rep[low]]
    pairs: list[tuple[int, int]] = []
    while need > 0 and len(pairs) < SWAPS and ok.any():
        covers = ok & (shed >= need)
        if covers.any():
            pick = np.where(covers, shed, np.iinfo(np.int64).max)
        else:
            pick = np.where(ok, -shed, 1)
        i, j = np.unravel_index(int(np.argmin(pick)), pick.shape)
        pairs.append((int(mine[i]), int(low[j])))
        need -= int(shed[i, j])
        ok[i, :] = False
        ok[:, j] = False
    return pairs
