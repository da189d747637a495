"""Stage names and a progress bar on stderr, for runs long enough to leave someone waiting.

Shell-side only: the pipeline reports ``(stage, fraction of that stage done)`` and knows nothing
about terminals. Nothing is drawn when stderr is not a terminal, with ``-q``, or before
:data:`DELAY` seconds have passed (a quick run stays silent).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["DELAY", "STAGE_WEIGHTS", "StageBar"]

DELAY = 1.5
"""Seconds before the bar first appears."""
STAGE_WEIGHTS = {"read": 11, "validate": 9, "allocate": 11, "report": 1, "write": 68}
"""Share of a typical run's time per stage (benchmarks/bench_run.py at 100,000 rows), so the
bar moves at a steady pace instead of jumping at the write."""
_WIDTH = 28


class StageBar:
    """Callable progress sink: ``bar(stage)`` at a stage's start, ``bar(stage, 0.4)`` within."""

    def __init__(
        self,
        *,
        enabled: bool,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
        labels: dict[str, str] | None = None,
    ) -> None:
        self._stream = stream or sys.stderr
        self._enabled = enabled
        self._clock = clock
        self._start = clock()
        self._labels = labels or {}
        self._shown = False
        self._last = ""
        self._done = 0.0
        order = list(STAGE_WEIGHTS)
        total = sum(STAGE_WEIGHTS.values())
        self._offset = {
            stage: sum(STAGE_WEIGHTS[s] for s in order[:i]) / total for i, stage in enumerate(order)
        }
        self._share = {stage: weight / total for stage, weight in STAGE_WEIGHTS.items()}

    def __call__(self, stage: str, fraction: float = 0.0) -> None:
        if not self._enabled:
            return
        elapsed = self._clock() - self._start
        if elapsed < DELAY and not self._shown:
            return
        if stage in self._offset:
            within = self._share[stage] * min(max(fraction, 0.0), 1.0)
            self._done = max(self._done, self._offset[stage] + within)
        done = self._done  # a stage outside the table (write-back) holds the bar where it is
        filled = round(done * _WIDTH)
        label = self._labels.get(stage, stage)
        line = (
            f"\r{label:<10} [{'#' * filled}{'.' * (_WIDTH - filled)}] {done:4.0%} {elapsed:5.0f}s"
        )
        if line != self._last:
            self._stream.write(line)
            self._stream.flush()
            self._last = line
            self._shown = True

    def close(self) -> None:
        """End the bar's line (only if one was drawn)."""
        if self._shown:
            self._stream.write("\n")
            self._stream.flush()
            self._shown = False
