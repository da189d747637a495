"""Run one writing job in a second process, so that both cores write (SPEC §7).

XlsxWriter is pure Python: two workbooks are written twice as fast by two processes, not by two
threads. A forked child inherits the prepared rows without pickling them; where ``fork`` is not
available (Windows, and macOS where it is unsafe) the caller writes sequentially instead.
"""

from __future__ import annotations

import multiprocessing
import sys
import traceback
import warnings
from collections.abc import Callable
from multiprocessing.connection import Connection

from ..errors import AllocatorError, OutputError

__all__ = ["Background", "can_fork"]

Job = Callable[[], tuple[list[str], list[str]]]
"""Writes files; returns (written paths, locked paths)."""


def can_fork() -> bool:
    """Whether a forked writer process is available and safe here."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def _child(job: Job, conn: Connection) -> None:
    try:
        conn.send(("ok", job()))
    except AllocatorError as exc:
        conn.send(("error", (exc.message, exc.hint)))
    except BaseException:
        conn.send(("crash", traceback.format_exc()))
    finally:
        conn.close()


class Background:
    """A job running in a forked child; :meth:`result` waits for it and re-raises its errors."""

    def __init__(self, job: Job) -> None:
        context = multiprocessing.get_context("fork")
        self._conn, child_end = context.Pipe(duplex=False)
        self._process = context.Process(target=_child, args=(job, child_end), daemon=True)
        with warnings.catch_warnings():
            # Python >= 3.12 warns about forking a multi-threaded process (numpy's BLAS pool);
            # the child only runs XlsxWriter and pandas indexing, never BLAS.
            warnings.simplefilter("ignore", DeprecationWarning)
            self._process.start()
        child_end.close()

    def discard(self) -> None:
        """Wait for the child to finish and ignore its outcome (the parent is failing anyway)."""
        self._conn.close()
        self._process.join()

    def result(self) -> tuple[list[str], list[str]]:
        """Wait for the child; its (written, locked) paths, or its error raised here."""
        try:
            status, payload = self._conn.recv()
        except EOFError:
            status, payload = "died", None
        finally:
            self._conn.close()
            self._process.join()
        if status == "ok":
            return payload
        if status == "error":
            message, hint = payload
            raise OutputError(message, hint=hint)
        if status == "crash":
            raise RuntimeError(f"the per-rep workbook writer failed:\n{payload}")
        raise OutputError(
            f"the per-rep workbook writer stopped unexpectedly (exit code "
            f"{self._process.exitcode}); the system may be out of memory"
        )
