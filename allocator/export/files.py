"""Output folder checks and atomic file replacement.

Every output is written to a hidden temporary file next to its target and moved into place with
``os.replace``, so a crash or a workbook held open by Excel never leaves a half-written file. On
Windows, replacing a file that Excel has open fails with ``PermissionError``: that file is
recorded as *locked*, the other files are still written, and one :class:`OutputError` at the end
names every locked file.
"""

from __future__ import annotations

import contextlib
import gc
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..errors import OutputError

__all__ = [
    "OutputSet",
    "atomic_path",
    "check_out_dir",
    "collect_garbage",
    "locked_error",
    "write_text_atomic",
]


def collect_garbage() -> None:
    """Free what a finished workbook left behind (used while automatic collection is paused).

    Only the youngest generation: with automatic collection off nothing is promoted, so it
    holds exactly the objects created since the last call, and the cost stays proportional to
    the workbook just written.
    """
    gc.collect(0)


class _LockedError(Exception):
    """Internal: the target could not be replaced because another program holds it open."""


def check_out_dir(out_dir: Path, *, force: bool) -> None:
    """Refuse an existing non-empty ``out_dir`` unless ``force``.

    Nothing is created here: folders appear with the first file written into them.
    """
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir} exists and is not a folder; choose another --out")
    if out_dir.is_dir() and not force and any(out_dir.iterdir()):
        raise OutputError(
            f"the output folder {out_dir} already exists and is not empty",
            hint="pass --force to overwrite its files, or choose another --out",
        )


def _temp_path(target: Path) -> Path:
    # Hidden, in the target's own folder (same file system, so os.replace is atomic) and short
    # enough that a long rep name cannot push it over the 255-byte file name limit.
    fd, name = tempfile.mkstemp(prefix=f".{target.stem[:20]}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    return Path(name)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _replace(temp: Path, target: Path) -> None:
    # mkstemp creates the file private (0600); an output gets the user's usual permissions.
    os.chmod(temp, 0o666 & ~_umask())
    try:
        os.replace(temp, target)
    except PermissionError:
        raise _LockedError(str(target)) from None


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; move it over ``target`` when the block ends."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = _temp_path(target)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        yield temp
        _replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and an atomic rename.

    Raises :class:`OutputError` when the folder is not writable, the disk is full, or ``path``
    is open in another program (Excel on Windows).
    """
    path = Path(path)
    try:
        with atomic_path(path) as temp:
            temp.write_bytes(data)
    except _LockedError:
        raise locked_error([path], path.parent) from None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


def locked_error(paths: list[Path], base: Path) -> OutputError:
    """The error for outputs held open by another program, naming each file."""
    names = ", ".join(_relative(p, base) for p in paths)
    return OutputError(
        f"cannot replace {names}: the file is open in another program",
        hint=f"close {names} in Excel and run again (with --force)",
    )


def _relative(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return str(path)


class OutputSet:
    """The files of one run: written atomically, locked targets collected instead of fatal."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.written: list[Path] = []
        self.locked: list[Path] = []

    @contextlib.contextmanager
    def target(self, path: Path) -> Iterator[Path]:
        """Yield a temporary path to write ``path`` to; it replaces ``path`` when the block ends.

        A locked ``path`` is recorded (see :meth:`raise_if_locked`) and the run goes on; any
        other I/O failure raises :class:`OutputError` at once.
        """
        try:
            with atomic_path(path) as temp:
                yield temp
        except _LockedError:
            self.locked.append(path)
            return
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
        self.written.append(path)

    def write_bytes(self, path: Path, data: bytes) -> None:
        """Write ``data`` to ``path`` atomically."""
        with self.target(path) as temp:
            temp.write_bytes(data)

    def raise_if_locked(self) -> None:
        """One :class:`OutputError` naming every file that could not be replaced."""
        if self.locked:
            raise locked_error(self.locked, self.out_dir)
