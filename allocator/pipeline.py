"""The one place that composes reading, the pure core and writing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from . import __version__
from .allocate import allocate
from .errors import SettingsError
from .model import Allocation, Inputs, RawWorkbook, RunInfo
from .schema import validate
from .settings import Settings

__all__ = [
    "Prepared",
    "ReportResult",
    "RunResult",
    "default_out_dir",
    "prepare",
    "report_only",
    "report_paths",
    "run",
]

Progress = Callable[..., None]
"""Told ``(stage)`` when a stage starts and ``(stage, fraction)`` within a long one."""


def _quiet(stage: str, fraction: float = 0.0) -> None:
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
    warnings: tuple[str, ...] = ()
    """Run-level warnings for stderr (e.g. what the ``--write-back`` copy leaves out)."""


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
    password: str | None = None,
) -> Prepared:
    """Read and validate ``path``; raises on unreadable input or fatal problems. ``password``
    opens an encrypted workbook."""
    from .workbook import read_workbook

    wanted = resolve_language(lang, settings, "auto")
    progress("read")
    book = read_workbook(
        path, lang=wanted, column_mapping=settings.column_mapping(), password=password
    )
    run_lang = resolve_language(lang, settings, book.language)
    progress("validate")
    inputs = validate(book, lang=run_lang, as_of=as_of, strict=strict)
    return Prepared(book=book, inputs=inputs, lang=run_lang)


def _run_info(
    path: Path, prepared: Prepared, settings: Settings, as_of: datetime, settings_path: Path | None
) -> RunInfo:
    """What identifies a run (the Run sheet, the report's header)."""
    return RunInfo(
        input_path=str(Path(path).resolve()),
        input_sha256=prepared.book.sha256,
        as_of=as_of,
        strategy=settings.strategy,
        language=prepared.lang,
        version=__version__,
        settings=settings.to_dict(),
        settings_path=str(settings_path) if settings_path else None,
    )


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
    write_back: bool = False,
    password: str | None = None,
) -> RunResult:
    """Validate → allocate → render → write. Nothing is written until everything is computed.

    ``write_back`` also writes ``<input stem>.allocated.xlsx`` (:mod:`allocator.writeback`)
    after the other outputs; whether the input can be copied is decided before allocating.
    """
    from .email import build_report_email, report_subject
    from .export import write_outputs
    from .report import build_report_context, render_report, render_report_text
    from .writeback import check_write_back, lost_warning, write_back_copy

    prepared = prepare(
        path,
        settings=settings,
        as_of=as_of,
        lang=lang,
        strict=strict,
        progress=progress,
        password=password,
    )
    warnings: tuple[str, ...] = ()
    if write_back:
        lost = check_write_back(prepared.book, lang=prepared.lang, force=force)
        if lost:
            warnings = (lost_warning(prepared.book, lost, prepared.lang),)
    info = _run_info(path, prepared, settings, as_of, settings_path)
    progress("allocate")
    allocation = allocate(prepared.inputs, settings, as_of=as_of, lang=prepared.lang, run=info)
    if settings.strategy == "optimal":
        # The report shows what solving the week as a whole gained over the default.
        from .compare import gain_over_points

        gain = gain_over_points(prepared.inputs, settings, as_of=as_of, optimal=allocation)
        stats = {
            **allocation.stats,
            "optimal_expected_value": gain.optimal_value,
            "points_expected_value": gain.points_value,
        }
        allocation = replace(allocation, stats=stats)
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
        return RunResult(
            allocation=allocation,
            lang=prepared.lang,
            out_dir=target,
            written=(),
            warnings=warnings,
        )
    progress("write")
    written = write_outputs(
        allocation,
        target,
        lang=prepared.lang,
        settings=settings.output,
        extra_files={"report.html": html.encode("utf-8"), "report.eml": eml},
        force=force,
        progress=lambda fraction: progress("write", fraction),
    )
    if write_back:
        progress("write-back")
        copy = write_back_copy(prepared.book, allocation, target, lang=prepared.lang)
        written.append(copy.path)
        warnings += copy.warnings
    return RunResult(
        allocation=allocation,
        lang=prepared.lang,
        out_dir=target,
        written=tuple(written),
        warnings=warnings,
    )


@dataclass(frozen=True)
class ReportResult:
    """What ``report_only`` produced."""

    allocation: Allocation
    """The book as it stands (:func:`allocator.book.book_state`): nothing allocated."""
    lang: str
    written: tuple[Path, ...]
    """``report.html`` and ``report.eml`` (or the names ``--out`` gave them)."""


REPORT_SUFFIXES = (".html", ".htm")


def report_paths(out: Path | None, as_of: datetime, cwd: Path | None = None) -> tuple[Path, Path]:
    """Where ``allocator report`` writes the HTML report and its email draft.

    ``out`` ending in ``.html``/``.htm`` names the HTML file and the draft goes beside it with
    ``.eml``; any other ``out`` is a folder receiving ``report.html`` and ``report.eml``. The
    default is ``./report-YYYY-MM-DD.html`` (and ``.eml``) for the run date.
    """
    if out is None:
        html = (cwd or Path.cwd()) / f"report-{as_of:%Y-%m-%d}.html"
    elif out.suffix.lower() in REPORT_SUFFIXES:
        html = out
    else:
        html = out / "report.html"
    return html, html.with_suffix(".eml")


def _refuse_existing(paths: tuple[Path, ...], *, force: bool) -> None:
    from .errors import OutputError

    for path in paths:
        if path.is_dir() or (path.parent.exists() and not path.parent.is_dir()):
            raise OutputError(f"cannot write {path}: a folder or file is in the way")
    existing = [str(path) for path in paths if path.exists()]
    if existing and not force:
        raise OutputError(
            f"{' and '.join(existing)} already exist{'s' if len(existing) == 1 else ''}",
            hint="pass --force to overwrite, or choose another --out",
        )


def report_only(
    path: Path,
    *,
    settings: Settings,
    as_of: datetime,
    out: Path | None = None,
    lang: str | None = None,
    force: bool = False,
    strict: bool = False,
    settings_path: Path | None = None,
    progress: Progress = _quiet,
    password: str | None = None,
) -> ReportResult:
    """Validate → the book as it stands → render → write ``report.html`` and ``report.eml``.

    Nothing is allocated and no workbook is written. Existing report files are refused unless
    ``force`` (checked before reading, so a long read is not wasted).
    """
    from .book import book_state
    from .email import build_report_email, report_subject
    from .export import write_text_atomic
    from .report import build_report_context, render_report, render_report_text

    html_path, eml_path = report_paths(out, as_of)
    _refuse_existing((html_path, eml_path), force=force)
    prepared = prepare(
        path,
        settings=settings,
        as_of=as_of,
        lang=lang,
        strict=strict,
        progress=progress,
        password=password,
    )
    info = _run_info(path, prepared, settings, as_of, settings_path)
    progress("report")
    allocation = book_state(prepared.inputs, settings, as_of=as_of, run=info)
    context = build_report_context(allocation, lang=prepared.lang, mode="book")
    html = render_report(context, lang=prepared.lang)
    eml = build_report_email(
        html,
        render_report_text(context, lang=prepared.lang),
        subject=report_subject(context, as_of=as_of),
        as_of=as_of,
    )
    progress("write")
    write_text_atomic(html_path, html.encode("utf-8"))
    write_text_atomic(eml_path, eml)
    return ReportResult(allocation=allocation, lang=prepared.lang, written=(html_path, eml_path))
