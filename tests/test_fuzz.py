"""Mutated bytes of valid inputs: whatever the damage, `allocator validate` ends in exit 0 or 3
with a message, never a traceback or another exit code, each within hypothesis' deadline."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import BASE_CUSTOMER, BASE_REP, write_workbook
from fixture_files import write_xlsb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator.cli import cli

CUSTOMERS = [
    {**BASE_CUSTOMER, "customer_id": f"C{n}", "customer": f"客户{n}", "value": 1000 * n}
    for n in range(1, 6)
]


def _xlsx(folder: Path) -> bytes:
    path = write_workbook(folder / "base.xlsx", {"Customers": CUSTOMERS, "Reps": [BASE_REP]})
    return path.read_bytes()


def _xlsb(folder: Path) -> bytes:
    rows = [list(CUSTOMERS[0]), *[list(c.values()) for c in CUSTOMERS]]
    reps = [list(BASE_REP), list(BASE_REP.values())]
    return write_xlsb(folder / "base.xlsb", {"Customers": rows, "Reps": reps}).read_bytes()


def _csv(_: Path) -> bytes:
    lines = [",".join(CUSTOMERS[0])] + [",".join(map(str, c.values())) for c in CUSTOMERS]
    return ("\n".join(lines) + "\n").encode("utf-8")


BASES = {"xlsx": _xlsx, "xlsb": _xlsb, "csv": _csv}


@st.composite
def mutations(draw: st.DrawFn, size: int) -> list[tuple[str, int, int]]:
    """A few edits: ('flip', position, xor), ('zero', start, length), ('cut', position, 0)."""
    edit = st.one_of(
        st.tuples(st.just("flip"), st.integers(0, size - 1), st.integers(1, 255)),
        st.tuples(st.just("zero"), st.integers(0, size - 1), st.integers(1, 512)),
        st.tuples(st.just("cut"), st.integers(0, size - 1), st.just(0)),
    )
    return draw(st.lists(edit, min_size=1, max_size=4))


def mutate(data: bytes, edits: list[tuple[str, int, int]]) -> bytes:
    result = bytearray(data)
    for kind, position, amount in edits:
        if position >= len(result):
            continue
        if kind == "flip":
            result[position] ^= amount
        elif kind == "zero":
            end = min(len(result), position + amount)
            result[position:end] = bytes(end - position)
        else:
            del result[position:]
    return bytes(result)


@pytest.mark.parametrize("fmt", sorted(BASES))
def test_mutated_inputs_end_cleanly(fmt: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp(f"fuzz-{fmt}")
    base = BASES[fmt](folder)
    reps = folder / "reps.csv"
    reps.write_text(",".join(BASE_REP) + "\n" + ",".join(map(str, BASE_REP.values())) + "\n")
    target = folder / f"input.{fmt}"
    runner = CliRunner()
    seen: set[int] = set()

    @settings(
        max_examples=40,
        deadline=timedelta(seconds=10),
        suppress_health_check=[HealthCheck.too_slow],
        database=None,
    )
    @given(edits=mutations(len(base)))
    def check(edits: list[tuple[str, int, int]]) -> None:
        target.write_bytes(mutate(base, edits))
        result = runner.invoke(cli, ["validate", str(target), "--lang", "en", "--json"])
        assert result.exit_code in (0, 3), (result.exit_code, result.output, result.exception)
        assert "Traceback" not in result.output
        assert "internal error" not in result.stderr
        if result.exit_code == 3:  # a message on stderr, or the fatal issues as JSON
            assert result.stderr.strip() or '"severity": "fatal"' in result.stdout
        seen.add(result.exit_code)

    check()
    assert seen, "no example ran"


def test_the_unmutated_bases_are_valid(tmp_path: Path) -> None:
    runner = CliRunner()
    (tmp_path / "reps.csv").write_text(
        ",".join(BASE_REP) + "\n" + ",".join(map(str, BASE_REP.values())) + "\n"
    )
    for fmt, make in BASES.items():
        path = tmp_path / f"input.{fmt}"
        path.write_bytes(make(tmp_path))
        result = runner.invoke(cli, ["validate", str(path), "--json"])
        assert result.exit_code == 0, (fmt, result.output)
