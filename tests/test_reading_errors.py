"""One test per documented reading error: the exit code and the exact message of the CLI.

Every reader failure, python-calamine's Rust panics included, becomes one clean
'cannot read FILE: why' (exit 3); KeyboardInterrupt and SystemExit are never swallowed.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import BASE_CUSTOMER, BASE_REP, MakeWorkbook, write_workbook
from fixture_files import rewrite_package, write_xlsb

from allocator.cli import cli
from allocator.errors import WorkbookError
from allocator.workbook import read_workbook


def validate(runner: CliRunner, path: Path, *args: str) -> Any:
    return runner.invoke(cli, ["validate", str(path), "--lang", "en", *args])


def test_file_not_found(runner: CliRunner, tmp_path: Path) -> None:
    result = validate(runner, tmp_path / "nope.xlsx")
    assert result.exit_code == 3
    assert result.stderr == f"error: file not found: {tmp_path / 'nope.xlsx'}\n"


def test_a_directory(runner: CliRunner, tmp_path: Path) -> None:
    result = validate(runner, tmp_path)
    assert result.exit_code == 3
    assert result.stderr == f"error: cannot read {tmp_path}: it is a directory\n"


def test_unrecognised_content(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "photo.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    result = validate(runner, path)
    assert result.exit_code == 3
    assert result.stderr == (
        f"error: cannot read {path}: not an Excel workbook or CSV file "
        "(unrecognised file content)\n"
    )


def test_a_file_over_the_size_limit(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "huge.xlsx"
    with path.open("wb") as handle:
        handle.truncate(600 * 1024**2)  # sparse: nothing is written
    result = validate(runner, path)
    assert result.exit_code == 3
    assert (
        result.stderr == f"error: cannot read {path}: the file is 600 MiB; the limit is 512 MiB\n"
    )


def test_a_damaged_zip(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "cut.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x01" * 64)
    result = validate(runner, path)
    assert result.exit_code == 3
    assert result.stderr == (
        f"error: cannot read {path}: damaged zip container (File is not a zip file)\n"
    )


def test_a_zip_of_an_unknown_version(
    runner: CliRunner, make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    """zipfile raises NotImplementedError, not BadZipFile, for a version it does not know (found
    by the fuzz test: one flipped bit in the central directory)."""
    data = bytearray(make_workbook(customers=[{}]).read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 6] = 84  # 'version needed to extract' of the first entry: 8.4
    path = tmp_path / "version.xlsx"
    path.write_bytes(bytes(data))
    result = validate(runner, path)
    assert result.exit_code == 3
    assert result.stderr == (
        f"error: cannot read {path}: damaged zip container (zip file version 8.4)\n"
    )


def test_too_many_parts(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "parts.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for n in range(10_001):
            archive.writestr(f"p{n}", b"")
    result = validate(runner, path)
    assert result.exit_code == 3
    assert result.stderr == (
        f"error: cannot read {path}: 10,001 parts inside the workbook (limit 10,000)\n"
    )


def test_duplicate_parts(runner: CliRunner, make_workbook: MakeWorkbook, tmp_path: Path) -> None:
    import warnings

    good = make_workbook(customers=[{}])
    path = tmp_path / "dup.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            target.writestr("xl/workbook.xml", b"<workbook/>")
    result = validate(runner, path)
    assert result.exit_code == 3
    assert result.stderr == (
        f"error: cannot read {path}: the workbook contains two parts with the same name\n"
    )


def test_a_corrupt_sheet_part(
    runner: CliRunner, make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    good = make_workbook(customers=[{}])

    def corrupt(name: str, data: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            return b'<worksheet><sheetData><row><c r="A1" t="s"><v>99</v></c></row>'
        return data

    path = rewrite_package(good, tmp_path / "corrupt.xlsx", corrupt)
    result = validate(runner, path)
    assert result.exit_code == 3
    assert result.stderr.startswith(f"error: cannot read {path}: 'Customers': ")
    assert result.stderr.count("\n") == 1


def test_a_csv_in_an_unknown_encoding(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes("客户名称,区域\n甲,华东\n".encode("utf-16-le"))  # UTF-16 without its BOM
    result = validate(runner, path)
    assert result.exit_code == 3
    assert result.stderr == f"error: cannot read {path}: not UTF-8, GB18030 or UTF-16 text\n"
    path.write_bytes(b"name,region\n\xff\xfe\xfa,x\n")
    result = validate(runner, path)
    assert result.exit_code == 3
    assert result.stderr == f"error: cannot read {path}: not UTF-8, GB18030 or UTF-16 text\n"


def test_the_chinese_message_of_an_unreadable_file(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "坏文件.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x01" * 64)
    result = runner.invoke(cli, ["validate", str(path), "--lang", "zh"])
    assert result.exit_code == 3
    assert (
        result.stderr == f"error: 无法读取 {path}：damaged zip container (File is not a zip file)\n"
    )


@pytest.mark.parametrize(
    ("sheets", "code", "message"),
    [
        (
            {"Clients": [BASE_CUSTOMER], "Reps": [BASE_REP]},
            "sheet_missing",
            "the workbook has no 'Customers' sheet",
        ),
        (
            {"Customers": [["a"], ["b"]], "Reps": [BASE_REP]},
            "no_header",
            "sheet 'Customers': no header row in the first 10 rows",
        ),
        (
            {"Customers": [{k: v for k, v in BASE_CUSTOMER.items() if k != "region"}],
             "Reps": [BASE_REP]},
            "column_missing",
            "sheet 'Customers' is missing the required column 'region'",
        ),
        (
            {"Customers": [[*BASE_CUSTOMER, "Company"]], "Reps": [BASE_REP]},
            "duplicate_header",
            "sheet 'Customers': column 'customer' appears more than once (B1, H1)",
        ),
    ],
)  # fmt: skip
def test_structural_problems(
    runner: CliRunner, tmp_path: Path, sheets: dict[str, Any], code: str, message: str
) -> None:
    path = write_workbook(tmp_path / "in.xlsx", sheets)
    result = validate(runner, path)
    assert result.exit_code == 3
    lines = result.stderr.splitlines()
    assert any(line.startswith("fatal") and code in line and message in line for line in lines)
    assert lines[-1] == "error: the input has 1 fatal problem(s); nothing was allocated"


# --- reader crashes -------------------------------------------------------------------------------


def test_a_real_rust_panic_becomes_a_clean_message(
    runner: CliRunner, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """A sheet whose relationship is missing makes calamine's xlsb reader panic."""
    plain = write_xlsb(tmp_path / "a.xlsb", {"Customers": [["customer"]], "Reps": [["name"]]})

    def lose_relationship(name: str, data: bytes) -> bytes:
        return (
            data.replace(b'Id="rId1"', b'Id="rId9"') if name.endswith("workbook.bin.rels") else data
        )

    path = rewrite_package(plain, tmp_path / "panic.xlsb", lose_relationship)
    result = validate(runner, path)
    assert result.exit_code == 3
    assert result.stderr == (
        f"error: cannot read {path}: the workbook is damaged or malformed (the reader stopped: "
        "no entry found for key)\n"
    )
    native = capfd.readouterr().err
    assert "panicked" not in native and "backtrace" not in native


class PanicException(BaseException):
    """Stands in for pyo3_runtime.PanicException, which derives from BaseException."""


def _workbook_raising(error: BaseException, *, on: str = "open") -> type:
    class Sheet:
        def to_python(self, **_: Any) -> list[list[object]]:
            raise error

    class Workbook:
        sheet_names = ("Customers", "Reps")

        @classmethod
        def from_path(cls, _: str) -> Workbook:
            if on == "open":
                raise error
            return cls()

        from_filelike = from_path

        def get_sheet_by_name(self, _: str) -> Sheet:
            return Sheet()

    return Workbook


@pytest.mark.parametrize("on", ["open", "sheet"])
def test_a_panic_anywhere_in_the_reader_is_a_clean_message(
    runner: CliRunner,
    make_workbook: MakeWorkbook,
    monkeypatch: pytest.MonkeyPatch,
    on: str,
) -> None:
    import python_calamine

    path = make_workbook(customers=[{}])
    fake = _workbook_raising(PanicException("called `Option::unwrap()` on a `None` value"), on=on)
    monkeypatch.setattr(python_calamine, "CalamineWorkbook", fake)
    result = validate(runner, path)
    assert result.exit_code == 3
    where = "" if on == "open" else "'Customers': "
    assert result.stderr == (
        f"error: cannot read {path}: {where}the workbook is damaged or malformed (the reader "
        "stopped: called `Option::unwrap()` on a `None` value)\n"
    )
    assert "Traceback" not in result.output


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, SystemExit])
@pytest.mark.parametrize("on", ["open", "sheet"])
def test_interruptions_are_not_swallowed(
    make_workbook: MakeWorkbook,
    monkeypatch: pytest.MonkeyPatch,
    interruption: type[BaseException],
    on: str,
) -> None:
    import python_calamine

    path = make_workbook(customers=[{}])
    monkeypatch.setattr(
        python_calamine, "CalamineWorkbook", _workbook_raising(interruption(), on=on)
    )
    with pytest.raises(interruption):
        read_workbook(path)


def test_an_ordinary_reader_exception_is_a_workbook_error(
    make_workbook: MakeWorkbook, monkeypatch: pytest.MonkeyPatch
) -> None:
    import python_calamine

    path = make_workbook(customers=[{}])
    fake = _workbook_raising(python_calamine.CalamineError("XML error: bad tag"), on="open")
    monkeypatch.setattr(python_calamine, "CalamineWorkbook", fake)
    with pytest.raises(WorkbookError) as excinfo:
        read_workbook(path)
    assert str(excinfo.value) == f"cannot read {path}: XML error: bad tag"
