"""The one place that composes reading, the pure core and writing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from . import __version__
from .allocate import allocate
from .errors import SettingsError
from .model import Allocation, Inputs, RawWorkbook, RunInfo
from .schema import validate
from .settings import Settings

__all__ = ["Prepared", "RunResult", "default_out_dir", "prepare", "run"]

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True)
class Prepared:
    """A read and validated input, with the language the run speaks."""

    book: RawWorkbook
    inputs: Inputs
    lang: str


@dataclass(frozen=True)
class RunResult:
    """What ``run`` produced."""

    allocation: Allocation
    lang: str
    out_dir: Path
    written: tuple[Path, ...]
    """Files written (empty for a dry run)."""


def resolve_language(requested: str | None, settings: Settings, detected: str) -> str:
    """``--lang`` wins, then ``language`` in the settings, then the input's headers."""
    for choice in (requested, settings.language):
        if choice and choice != "auto":
            if choice not in ("zh", "en"):
                raise SettingsError(f"unknown language '{choice}' (use zh or en)")
            return choice
    return detected


def prepare(
    path: Path,
    *,
    settings: Settings,
    as_of: datetime,
    lang: str | None = None,
    strict: bool = False,
    progress: Progress = _quiet,
) -> Prepared:
    """Read and validate ``path``; raises on unreadable input or fatal problems."""
    from .workbook import read_workbook

    wanted = resolve_language(lang, settings, "auto")
    progress("read")
    book = read_workbook(path, lang=wanted, column_mapping=settings.column_mapping())
    run_lang = resolve_language(lang, settings, book.language)
    progress("validate")
    inputs = validate(book, lang=run_lang, as_of=as_of, strict=strict)
    return Prepared(book=book, inputs=inputs, lang=run_lang)


def default_out_dir(as_of: datetime, cwd: Path | None = None) -> Path:
    """``./allocation-YYYY-MM-DD`` for the run date."""
    return (cwd or Path.cwd()) / f"allocation-{as_of:%Y-%m-%d}"


def run(
    path: Path,
    *,
    settings: Settings,
    as_of: datetime,
    out_dir: Path | None = None,
    lang: str | None = None,
    force: bool = False,
    strict: bool = False,
    dry_run: bool = False,
    settings_path: Path | None = None,
    progress: Progress = _quiet,
) -> RunResult:
    """Validate → allocate → render → write. Nothing is written until everything is computed."""
    from .email import build_report_email, report_subject
    from .export import write_outputs
    from .report import build_report_context, render_report, render_report_text

    prepared = prepare(
        path, settings=settings, as_of=as_of, lang=lang, strict=strict, progress=progress
    )
    info = RunInfo(
        input_path=str(Path(path).resolve()),
        input_sha256=prepared.book.sha256,
        as_of=as_of,
        strategy=settings.strategy,
        language=prepared.lang,
        version=__version__,
        settings=settings.to_dict(),
        settings_path=str(settings_path) if settings_path else None,
    )
    progress("allocate")
    allocation = allocate(prepared.inputs, settings, as_of=as_of, lang=prepared.lang, run=info)
    progress("report")
    context = build_report_context(allocation, lang=prepared.lang)
    html = render_report(context, lang=prepared.lang)
    eml = build_report_email(
        html,
        render_report_text(context, lang=prepared.lang),
        subject=report_subject(context, as_of=as_of),
        as_of=as_of,
    )
    target = out_dir or default_out_dir(as_of)
    if dry_run:
        return RunResult(allocation=allocation, lang=prepared.lang, out_dir=target, written=())
    progress("write")
    written = write_outputs(
        allocation,
        target,
        lang=prepared.lang,
        settings=settings.output,
        extra_files={"report.html": html.encode("utf-8"), "report.eml": eml},
        force=force,
    )
    return RunResult(
        allocation=allocation, lang=prepared.lang, out_dir=target, written=tuple(written)
    )
