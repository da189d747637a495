"""The command line: option parsing, progress, one error boundary. No business logic.

Exit codes: 0 ok, 1 runtime error, 2 usage, 3 input invalid.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .errors import AllocatorError, ExitCode, Issue, ValidationFailed

F = TypeVar("F", bound=Callable[..., Any])

_SEVERITY_ORDER = {"fatal": 0, "error": 1, "warning": 2}


def _parse_as_of(value: str | None) -> datetime:
    if value is None:
        return datetime.now().replace(microsecond=0)
    text = value.strip().replace("/", "-")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"'{value}' is not a date or date-time; use e.g. 2026-11-23 or 2026-11-23T09:00",
            param_hint="--as-of",
        ) from None
    return parsed.replace(tzinfo=None, microsecond=0)


class _Group(click.Group):
    """Renders every AllocatorError as a clean message with its exit code (the one boundary)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            try:
                return super().invoke(ctx)
            finally:
                _end_progress(ctx)  # messages below start on a line of their own
        except ValidationFailed as exc:
            _print_issues(exc.issues)
            click.echo(f"error: {exc.message}", err=True)
            ctx.exit(int(exc.exit_code))
        except AllocatorError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(int(exc.exit_code))
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(int(ExitCode.RUNTIME))
        except Exception as exc:  # a bug: say so, show the traceback only with -v
            if ctx.meta.get("allocator.verbose"):
                traceback.print_exc()
            click.echo(
                f"internal error: {type(exc).__name__}: {exc}\n"
                "This is a bug in allocator; rerun with -v and report the traceback.",
                err=True,
            )
            ctx.exit(int(ExitCode.RUNTIME))


def _verbosity(func: F) -> F:
    def remember(ctx: click.Context, _: click.Parameter, value: int) -> int:
        ctx.meta["allocator.verbose"] = ctx.meta.get("allocator.verbose", 0) or value
        return value

    def quiet(ctx: click.Context, _: click.Parameter, value: bool) -> bool:
        ctx.meta["allocator.quiet"] = value
        return value

    func = click.option(
        "-v",
        "--verbose",
        count=True,
        expose_value=False,
        callback=remember,
        help="More detail; -v also shows tracebacks of internal errors.",
    )(func)
    func = click.option(
        "-q", "--quiet", is_flag=True, expose_value=False, callback=quiet, help="Print only errors."
    )(func)
    return func


def _common(func: F) -> F:
    func = click.option(
        "--config",
        "config",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Settings file (default: ./allocator.toml when present).",
    )(func)
    func = click.option(
        "--lang",
        type=click.Choice(["zh", "en"]),
        help="Language of outputs and messages (default: from the input).",
    )(func)
    func = click.option(
        "--as-of",
        "as_of",
        metavar="DATETIME",
        help="Run time for deadlines and reclaiming (default: now).",
    )(func)
    func = click.option(
        "--strict", is_flag=True, help="Treat every problem, even a warning, as fatal (exit 3)."
    )(func)
    func = _password_option(func)
    return _verbosity(func)


def _password_option(func: F) -> F:
    from .decrypt import PASSWORD_ENV as WORKBOOK_PASSWORD_ENV

    def remember(ctx: click.Context, _: click.Parameter, value: str | None) -> str | None:
        ctx.meta["allocator.password"] = value
        return value

    return click.option(
        "--password",
        metavar="PASSWORD",
        envvar=WORKBOOK_PASSWORD_ENV,
        expose_value=False,
        callback=remember,
        help=f"Password of an encrypted workbook (better: set ${WORKBOOK_PASSWORD_ENV}); "
        "Excel's default password is tried first.",
    )(func)


def _password() -> str | None:
    value = click.get_current_context().meta.get("allocator.password")
    return str(value) if value else None


def _quiet() -> bool:
    return bool(click.get_current_context().meta.get("allocator.quiet"))


def _progress(stage: str, fraction: float = 0.0) -> None:
    """Stage names and a bar on stderr (see :mod:`allocator.progress`): only on a terminal,
    never with ``-q``, and only once a run has taken long enough to wait for."""
    from .progress import StageBar

    ctx = click.get_current_context()
    bar = ctx.meta.get("allocator.progress")
    if bar is None:
        bar = StageBar(enabled=not _quiet() and sys.stderr.isatty())
        ctx.meta["allocator.progress"] = bar
    bar(stage, fraction)


def _end_progress(ctx: click.Context | None = None) -> None:
    ctx = ctx or click.get_current_context()
    bar = ctx.meta.pop("allocator.progress", None)
    if bar is not None:
        bar.close()


def _print_issues(issues: Sequence[Issue], limit: int | None = None) -> None:
    """A table of issues on stderr: severity, cell, code, message."""
    ordered = sorted(
        issues, key=lambda i: (_SEVERITY_ORDER.get(i.severity, 9), i.sheet or "", i.row or 0)
    )
    shown = ordered if limit is None else ordered[:limit]
    for issue in shown:
        where = issue.cell or issue.sheet or "-"
        click.echo(f"{issue.severity:<8} {where:<14} {issue.code:<18} {issue.message}", err=True)
    if limit is not None and len(ordered) > limit:
        click.echo(
            f"… and {len(ordered) - limit} more (see the Exceptions sheet or `allocator validate`)",
            err=True,
        )


def _load_settings(config: Path | None) -> tuple[Any, Path | None]:
    from .settings import load_settings

    return load_settings(config)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="allocator")
def cli() -> None:
    """Allocate this week's customers to sales reps, from Excel to Excel.

    \b
    Example:
        allocator run 客户分配.xlsx --out allocation --as-of 2026-11-23
    """


@cli.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=True))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Output directory (default: ./allocation-YYYY-MM-DD).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Overwrite an existing output directory; with --write-back, write the copy even when "
    "it would lose content of the input.",
)
@click.option("--dry-run", is_flag=True, help="Compute and report, write nothing.")
@click.option("--strategy", help="Allocation strategy (default from settings: points).")
@click.option(
    "--write-back",
    "write_back",
    is_flag=True,
    help="Also write a copy of the input (.xlsx/.xlsm) with the result sheets and the owner "
    "column filled: <input>.allocated.xlsx in the output directory. The input is never changed.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
@_common
def run(
    file: Path,
    out_dir: Path | None,
    force: bool,
    dry_run: bool,
    strategy: str | None,
    write_back: bool,
    as_json: bool,
    config: Path | None,
    lang: str | None,
    as_of: str | None,
    strict: bool,
) -> None:
    """Validate FILE, allocate its customers and write the workbooks and the report.

    \b
    Example:
        allocator run sample_workbooks/sample_zh.xlsx --out out --as-of 2026-11-23T09:00
    """
    from .pipeline import run as run_pipeline

    settings, settings_path = _load_settings(config)
    if strategy:
        from .strategies import get_strategy

        settings = settings.with_overrides(strategy=get_strategy(strategy).name)
    result = run_pipeline(
        file,
        settings=settings,
        as_of=_parse_as_of(as_of),
        out_dir=out_dir,
        lang=lang,
        force=force,
        strict=strict,
        dry_run=dry_run,
        settings_path=settings_path,
        progress=_progress,
        write_back=write_back,
        password=_password(),
    )
    _end_progress()
    if not _quiet():
        for warning in result.warnings:
            click.echo(f"warning: {warning}", err=True)
    stats = result.allocation.stats
    if as_json:
        click.echo(
            json.dumps(
                {
                    "stats": stats,
                    "out_dir": str(result.out_dir),
                    "written": [str(p) for p in result.written],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if not _quiet():
        _print_issues([i for i in result.allocation.issues if i.severity != "fatal"], limit=20)
    click.echo(_summary_line(stats, result.lang))
    if result.written:
        click.echo(f"{len(result.written)} files written to {result.out_dir}")
    else:
        click.echo("dry run: nothing written")


def _summary_line(stats: dict[str, Any], lang: str) -> str:
    if lang == "zh":
        return (
            f"客户 {stats['customers_in']}：新分配 {stats['assigned']}，保留 {stats['kept']}，"
            f"收回 {stats['reclaimed']}，已关闭 {stats['closed']}，公海池 {stats['unassigned']}，"
            f"异常 {stats['exceptions']}"
        )
    return (
        f"{stats['customers_in']} customers: {stats['assigned']} assigned, {stats['kept']} kept, "
        f"{stats['reclaimed']} reclaimed, {stats['closed']} closed, "
        f"{stats['unassigned']} unassigned, {stats['exceptions']} exceptions"
    )


@cli.command(name="validate")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=True))
@click.option("--json", "as_json", is_flag=True, help="Print the issues as JSON on stdout.")
@_common
def validate_command(
    file: Path,
    as_json: bool,
    config: Path | None,
    lang: str | None,
    as_of: str | None,
    strict: bool,
) -> None:
    """Check FILE against the schema and list every problem with its cell.

    Exit 0 when the file can be allocated (rows with problems go to Exceptions), 3 when it
    cannot (or on any problem with --strict).

    \b
    Example:
        allocator validate sample_workbooks/broken_zh.xlsx --json
    """
    from .pipeline import prepare

    settings, _ = _load_settings(config)
    try:
        prepared = prepare(
            file,
            settings=settings,
            as_of=_parse_as_of(as_of),
            lang=lang,
            strict=strict,
            password=_password(),
        )
        issues: tuple[Issue, ...] = prepared.inputs.issues
        code = ExitCode.OK
        total = prepared.inputs.total_rows
    except ValidationFailed as exc:
        issues, code, total = exc.issues, exc.exit_code, 0
        if not as_json:
            raise
    if as_json:
        click.echo(json.dumps([i.to_dict() for i in issues], ensure_ascii=False, indent=2))
    else:
        _print_issues(issues)
        errors = sum(1 for i in issues if i.severity == "error")
        warnings = sum(1 for i in issues if i.severity == "warning")
        click.echo(f"{total} customer rows: {errors} errors, {warnings} warnings", err=True)
    if code:
        click.get_current_context().exit(int(code))


@cli.command(name="report")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=True))
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    help="The report file (.html; report.eml is written beside it) or a folder for report.html "
    "and report.eml (default: ./report-YYYY-MM-DD.html).",
)
@click.option("--force", is_flag=True, help="Overwrite existing report files.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts and files as JSON.")
@_common
def report_command(
    file: Path,
    out: Path | None,
    force: bool,
    as_json: bool,
    config: Path | None,
    lang: str | None,
    as_of: str | None,
    strict: bool,
) -> None:
    """Write the conversion report of FILE as it stands, without allocating.

    Every customer keeps its current owner; the report shows the book, workload, conversion,
    follow-ups due and the problems, as report.html and the email draft report.eml.

    \b
    Example:
        allocator report 客户分配.xlsx --out 周报.html --as-of 2026-11-23T09:00
    """
    from .pipeline import report_only

    settings, settings_path = _load_settings(config)
    result = report_only(
        file,
        settings=settings,
        as_of=_parse_as_of(as_of),
        out=out,
        lang=lang,
        force=force,
        strict=strict,
        settings_path=settings_path,
        progress=_progress,
        password=_password(),
    )
    if as_json:
        payload = {
            "stats": result.allocation.stats,
            "written": [str(p) for p in result.written],
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    if not _quiet():
        _print_issues([i for i in result.allocation.issues if i.severity != "fatal"], limit=20)
        click.echo(f"wrote {' and '.join(str(p) for p in result.written)}")


@cli.command()
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--customers",
    default=300,
    show_default=True,
    type=click.IntRange(0, 1_048_000),
    help="Number of customers.",
)
@click.option(
    "--reps",
    default=12,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Number of sales reps.",
)
@click.option("--seed", default=1, show_default=True, type=int, help="Random seed.")
@click.option("--lang", default="zh", show_default=True, type=click.Choice(["zh", "en"]))
@click.option(
    "--as-of", "as_of", metavar="DATETIME", help="The week the export is dated (default: now)."
)
@_verbosity
def sample(out: Path, customers: int, reps: int, seed: int, lang: str, as_of: str | None) -> None:
    """Write a realistic synthetic weekly export to OUT (.xlsx).

    \b
    Example:
        allocator sample demo.xlsx --customers 10000 --reps 40 --seed 7 --lang zh
    """
    from .export.inputs import write_input_workbook
    from .sample import generate_sample

    book = generate_sample(customers, reps, seed=seed, lang=lang, as_of=_parse_as_of(as_of))
    write_input_workbook(out, book.sheets, book.banners)
    if not _quiet():
        click.echo(f"wrote {out} ({customers} customers, {reps} reps)")


@cli.command()
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--lang", default="zh", show_default=True, type=click.Choice(["zh", "en"]))
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@_verbosity
def template(out: Path, lang: str, force: bool) -> None:
    """Write an empty input workbook to OUT (.xlsx): headers, dropdowns, formats, instructions.

    \b
    Example:
        allocator template 客户分配.xlsx --lang zh
    """
    from .errors import OutputError
    from .template import write_template

    if out.exists() and not force:
        raise OutputError(f"{out} already exists", hint="pass --force to overwrite it")
    write_template(out, lang=lang)
    if not _quiet():
        click.echo(f"wrote {out}")


@cli.command()
@click.option(
    "--path",
    "path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("allocator.toml"),
    show_default=True,
    help="Where to write.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@_verbosity
def init(path: Path, force: bool) -> None:
    """Write a complete, commented default settings file (allocator.toml).

    \b
    Example:
        allocator init && allocator run 客户分配.xlsx
    """
    from .errors import OutputError
    from .export import write_text_atomic
    from .settings_template import DEFAULT_TOML

    if path.exists() and not force:
        raise OutputError(f"{path} already exists", hint="pass --force to overwrite it")
    write_text_atomic(path, DEFAULT_TOML.encode("utf-8"))
    if not _quiet():
        click.echo(f"wrote {path}")


@cli.command(name="compare")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=True))
@click.option(
    "--strategy",
    "strategies",
    multiple=True,
    metavar="NAME",
    help="A strategy to compare; repeat for each (default: all, the settings' strategy first).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Output directory for compare.html and compare.xlsx (default: ./compare-YYYY-MM-DD).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing output directory.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON on stdout.")
@_common
def compare_command(
    file: Path,
    strategies: tuple[str, ...],
    out_dir: Path | None,
    force: bool,
    as_json: bool,
    config: Path | None,
    lang: str | None,
    as_of: str | None,
    strict: bool,
) -> None:
    """Allocate FILE under several strategies and compare them side by side.

    Prints per strategy: customers assigned and left in the pool, expected won value (value ×
    the owner's smoothed conversion rate), Gini of points and of load, highest over lowest
    share of points, and owners that differ from the first strategy; writes compare.html
    (email-safe) and compare.xlsx (every customer's owner under each strategy).

    \b
    Example:
        allocator compare 客户分配.xlsx --strategy points --strategy optimal --out compare
    """
    from .compare import compare
    from .compare_render import render_json, render_table, write_compare
    from .export.files import check_out_dir
    from .pipeline import prepare
    from .strategies import REGISTRY, get_strategy

    settings, _ = _load_settings(config)
    when = _parse_as_of(as_of)
    names = [get_strategy(name).name for name in strategies] or [
        settings.strategy,
        *(name for name in REGISTRY if name != settings.strategy),
    ]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise click.UsageError(f"--strategy {', '.join(repeated)} is given more than once")
    target = out_dir or Path.cwd() / f"compare-{when:%Y-%m-%d}"
    check_out_dir(target, force=force)
    prepared = prepare(
        file,
        settings=settings,
        as_of=when,
        lang=lang,
        strict=strict,
        progress=_progress,
        password=_password(),
    )
    comparison = compare(
        prepared.inputs, settings, names, as_of=when, lang=prepared.lang, progress=_progress
    )
    written = write_compare(
        comparison,
        target,
        lang=prepared.lang,
        input_name=Path(file).name,
        as_of=when,
        table_rows_max=settings.output.table_rows_max,
        force=force,
    )
    if as_json:
        click.echo(render_json(comparison))
        return
    click.echo(render_table(comparison, prepared.lang), nl=False)
    if not _quiet():
        click.echo(f"{len(written)} files written to {target}")


PASSWORD_ENV = "ALLOCATOR_SMTP_PASSWORD"


@cli.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--to",
    "to",
    multiple=True,
    required=True,
    metavar="ADDR",
    help="Recipient; repeat for several.",
)
@click.option(
    "--smtp",
    "smtp",
    required=True,
    metavar="HOST:PORT",
    help="SMTP server (port defaults to 25, 587 with --starttls, 465 with --ssl).",
)
@click.option("--starttls", is_flag=True, help="Upgrade the connection with STARTTLS.")
@click.option("--ssl", "use_ssl", is_flag=True, help="Connect over TLS from the start.")
@click.option(
    "--user",
    metavar="USER",
    help=f"Log in as USER; the password comes from ${PASSWORD_ENV} or a hidden prompt.",
)
@click.option(
    "--from", "sender", metavar="ADDR", help="Sender address (default: --user when an address)."
)
@_verbosity
def send(
    file: Path,
    to: tuple[str, ...],
    smtp: str,
    starttls: bool,
    use_ssl: bool,
    user: str | None,
    sender: str | None,
) -> None:
    """Send the report email FILE (report.eml from `allocator run`) over SMTP.

    To and From are set and the draft marker removed; the password is never an argument.

    \b
    Example:
        allocator send out/report.eml --to boss@example.com --smtp smtp.example.com:587 \\
            --starttls --user me@example.com
    """
    import os

    from .send import load_email, parse_smtp_address, prepare_message, send_email

    if starttls and use_ssl:
        raise click.UsageError("--starttls and --ssl exclude each other; pick one")
    security = "ssl" if use_ssl else "starttls" if starttls else "plain"
    try:
        server = parse_smtp_address(smtp, security)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--smtp") from None
    from_address = sender or (user if user and "@" in user else None)
    if not from_address:
        raise click.UsageError("no sender address: pass --from ADDR (or --user as an address)")
    message = prepare_message(load_email(file), to=to, sender=from_address)
    password = None
    if user:
        password = os.environ.get(PASSWORD_ENV) or click.prompt(
            f"SMTP password for {user}", hide_input=True, err=True
        )
    recipients = send_email(message, server, user=user, password=password)
    if not _quiet():
        click.echo(f"sent {file} to {', '.join(recipients)} via {server}")
