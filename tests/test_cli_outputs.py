"""`run`'s output folder through the CLI: --dry-run writes nothing, --force is needed to reuse a
folder, and a long note is reported rather than silently cut."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from allocator.cli import cli

SAMPLE = Path(__file__).resolve().parent.parent / "sample_workbooks" / "sample_en.xlsx"
AS_OF = "2026-11-23T09:00"


def _run(runner: CliRunner, out: Path, *extra: str) -> object:
    return runner.invoke(
        cli, ["run", str(SAMPLE), "--out", str(out), "--as-of", AS_OF, "-q", *extra]
    )


def test_dry_run_writes_nothing(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _run(runner, out, "--dry-run")
    assert result.exit_code == 0, result.output
    assert not out.exists()
    assert "dry run: nothing written" in result.output
    assert "Customers 300" in result.output or "300" in result.output


def test_existing_output_folder_needs_force(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _run(runner, out).exit_code == 0
    before = (out / "assignments.xlsx").stat().st_mtime_ns
    refused = _run(runner, out)
    assert refused.exit_code == 1
    assert "--force" in refused.output and str(out) in refused.output
    assert (out / "assignments.xlsx").stat().st_mtime_ns == before  # untouched
    forced = _run(runner, out, "--force")
    assert forced.exit_code == 0, forced.output
    assert (out / "assignments.xlsx").stat().st_mtime_ns != before


def test_dry_run_ignores_an_existing_folder(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = _run(runner, out, "--dry-run")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
