"""The stderr progress bar: silent for quick runs, when disabled, and monotone when drawn."""

from __future__ import annotations

import io
from pathlib import Path

from allocator.progress import DELAY, StageBar


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_silent_before_the_delay_and_when_disabled() -> None:
    clock, stream = Clock(), io.StringIO()
    bar = StageBar(enabled=True, stream=stream, clock=clock)
    bar("read")
    clock.now = DELAY / 2
    bar("validate")
    bar.close()
    assert stream.getvalue() == ""
    off = io.StringIO()
    quiet = StageBar(enabled=False, stream=off, clock=clock)
    clock.now = 100.0
    quiet("write", 0.5)
    quiet.close()
    assert off.getvalue() == ""


def test_bar_moves_forward_through_the_stages() -> None:
    clock, stream = Clock(), io.StringIO()
    bar = StageBar(enabled=True, stream=stream, clock=clock, labels={"write": "写入"})
    clock.now = DELAY + 1
    for stage, fraction in [("read", 0), ("validate", 0), ("allocate", 0), ("write", 0.5)]:
        bar(stage, fraction)
    bar("write", 1.0)
    bar.close()
    frames = [f for f in stream.getvalue().split("\r") if f]
    percents = [int(f.split("]")[1].split("%")[0]) for f in frames]
    assert percents == sorted(percents) and percents[-1] == 100
    assert frames[0].startswith("read")
    assert frames[-1].startswith("写入")
    assert stream.getvalue().endswith("\n")


def test_unchanged_frames_are_not_redrawn() -> None:
    clock, stream = Clock(), io.StringIO()
    bar = StageBar(enabled=True, stream=stream, clock=clock)
    clock.now = DELAY + 1
    bar("write", 0.5)
    bar("write", 0.5)
    assert stream.getvalue().count("\r") == 1


def test_extra_stage_holds_the_bar() -> None:
    clock, stream = Clock(), io.StringIO()
    bar = StageBar(enabled=True, stream=stream, clock=clock)
    clock.now = DELAY + 1
    bar("write", 1.0)
    bar("write-back")
    frames = [f for f in stream.getvalue().split("\r") if f]
    assert frames[-1].startswith("write-back") and "100%" in frames[-1]


def test_cli_draws_nothing_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from allocator.cli import cli

    sample = Path(__file__).resolve().parent.parent / "sample_workbooks" / "sample_en.xlsx"
    result = CliRunner().invoke(
        cli, ["run", str(sample), "--out", str(tmp_path / "o"), "--as-of", "2026-11-23T09:00"]
    )
    assert result.exit_code == 0, result.output
    assert "\\r" not in result.output and "[#" not in result.output
