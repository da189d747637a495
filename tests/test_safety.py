"""Refusing hostile or wrong files before any parser sees them."""

from __future__ import annotations

import time
import warnings
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from allocator.cli import cli
from allocator.safety import Limits, check_before_reading, lock_file_target


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name on purpose
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, data in entries.items():
                archive.writestr(name.split("#")[0], data)
    return path


@pytest.mark.parametrize(
    ("name", "target"),
    [("~$客户.xlsx", "客户.xlsx"), (".~lock.week.xlsx#", "week.xlsx"), ("week.xlsx", None)],
)
def test_lock_file_names(name: str, target: str | None) -> None:
    assert lock_file_target(Path(name)) == target


def test_office_lock_file_is_explained(runner: CliRunner, tmp_path: Path) -> None:
    lock = tmp_path / "~$客户.xlsx"
    lock.write_bytes(b"\x05user" + b"\x00" * 100)
    result = runner.invoke(cli, ["validate", str(lock), "--lang", "en"])
    assert result.exit_code == 3
    assert result.stderr == (
        f"error: {lock} is the lock file Excel/WPS/LibreOffice keeps while '客户.xlsx' is open, "
        "not a workbook; use 客户.xlsx instead (delete the lock file if Excel is closed)\n"
    )


def test_empty_file(runner: CliRunner, tmp_path: Path) -> None:
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    result = runner.invoke(cli, ["run", str(empty), "--lang", "en"])
    assert result.exit_code == 3
    assert result.stderr == f"error: cannot read {empty}: the file is empty\n"


def test_zip_bomb_is_refused_quickly(runner: CliRunner, tmp_path: Path) -> None:
    bomb = _zip(tmp_path / "bomb.xlsx", {"xl/worksheets/sheet1.xml": b"\x00" * (64 * 1024**2)})
    started = time.perf_counter()
    result = runner.invoke(cli, ["run", str(bomb), "--lang", "en"])
    assert time.perf_counter() - started < 5
    assert result.exit_code == 3
    assert "expands" in result.stderr and "zip bomb" in result.stderr
    assert "Traceback" not in result.output


def test_duplicate_part_names_are_refused(tmp_path: Path) -> None:
    path = _zip(tmp_path / "dup.xlsx", {"a.xml#1": b"<a/>", "a.xml#2": b"<b/>"})
    assert check_before_reading(path, "zip") == "the workbook contains two parts with the same name"


def test_limits_on_entries_size_and_total(tmp_path: Path) -> None:
    path = _zip(tmp_path / "many.xlsx", {f"p{i}.xml": b"<x/>" * 10 for i in range(6)})
    assert "6 parts" in (check_before_reading(path, "zip", Limits(max_zip_entries=5)) or "")
    assert "MiB" in (check_before_reading(path, "zip", Limits(max_file_bytes=10)) or "")
    total = check_before_reading(path, "zip", Limits(max_uncompressed_bytes=100))
    assert total is not None and "decompress" in total
    assert check_before_reading(path, "zip") is None


def test_damaged_zip(tmp_path: Path) -> None:
    path = tmp_path / "cut.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x01" * 64)
    assert (check_before_reading(path, "zip") or "").startswith("damaged zip container")


def test_libreoffice_lock_file_is_explained(runner: CliRunner, tmp_path: Path) -> None:
    lock = tmp_path / ".~lock.week.xlsx#"
    lock.write_text(",Wang Fang,host,22.11.2026 09:00,file:///home/wang/.config/libreoffice/4;")
    result = runner.invoke(cli, ["validate", str(lock), "--lang", "zh"])
    assert result.exit_code == 3
    assert result.stderr == (
        f"error: {lock} 是 Excel/WPS/LibreOffice 打开“week.xlsx”时留下的锁定文件，不是工作簿；"
        "请改用 week.xlsx（如已关闭 Excel，可删除此锁定文件）\n"
    )


def test_decrypted_or_in_memory_zips_get_the_same_checks() -> None:
    import io

    from allocator.safety import check_zip

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (8 * 1024**2))
    assert "zip bomb" in (check_zip(io.BytesIO(buffer.getvalue())) or "")
    assert (check_zip(io.BytesIO(b"PK\x03\x04junk")) or "").startswith("damaged zip container")
