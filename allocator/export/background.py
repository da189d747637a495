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
from typing import Any, NoReturn

from ..errors import AllocatorError, InternalError, OutputError

__all__ = ["Background", "can_fork"]

Report = Callable[[Any], None]
"""Sends the parent a result it needs before the job ends (:meth:`Background.part`)."""
Job = Callable[[Report], tuple[list[str], list[str]]]
"""Writes files, reporting one part on the way; returns (written paths, locked paths)."""


def can_fork() -> bool:
    """Whether a forked writer process is available and safe here."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def _child(job: Job, conn: Connection) -> None:
    try:
        conn.send(("ok", job(lambda part: conn.send(("part", part)))))
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

    def discard(self) -> Any:
        """Wait for the child to finish and ignore its outcome (the parent is failing anyway);
        the part it reported that nobody took, if any, for the caller to clean up."""
        part = None
        try:
            while True:
                status, payload = self._conn.recv()
                if status == "part":
                    part = payload
        except (EOFError, OSError):  # the child is gone, or part() already closed the pipe
            pass
        finally:
            self._conn.close()
            self._process.join()
        return part

    def _receive(self) -> tuple[str, Any]:
        try:
            status, payload = self._conn.recv()
        except EOFError:
            return "died", None
        return status, payload

    def part(self) -> Any:
        """Wait for the part the child reports on the way; its error raised here if it failed
        first."""
        status, payload = self._receive()
        if status == "part":
            return payload
        self._conn.close()
        self._process.join()
        if status == "ok":
            raise InternalError("the second writer process ended without its part")
        self._raise(status, payload)

    def result(self) -> tuple[list[str], list[str]]:
        """Wait for the child; its (written, locked) paths, or its error raised here."""
        try:
            status, payload = self._receive()
            if status == "part":  # a part nobody asked for
                status, payload = self._receive()
        finally:
            self._conn.close()
            self._process.join()
        if status == "ok":
            return payload
        self._raise(status, payload)

    def _raise(self, status: str, payload: Any) -> NoReturn:
        if status == "error":
            message, hint = payload
            raise OutputError(message, hint=hint)
        if status == "crash":
            raise RuntimeError(f"the second writer process failed:\n{payload}")
        raise OutputError(
            f"the second writer process stopped unexpectedly (exit code "
            f"{self._process.exitcode}); the system may be out of memory"
        )
