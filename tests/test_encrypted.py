"""Password-protected workbooks: recognised, decrypted with --password / ALLOCATOR_PASSWORD,
Excel's default password tried first; sheet protection is not encryption."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import AS_OF, MakeWorkbook
from msoffcrypto.format.ooxml import OOXMLFile

from allocator.cli import cli
from allocator.decrypt import DEFAULT_PASSWORD, encryption_of
from allocator.errors import WorkbookError
from allocator.workbook import read_workbook


def encrypt(plain: Path, password: str, target: Path) -> Path:
    """An Excel-style encrypted copy of ``plain`` (ECMA-376 agile encryption)."""
    with plain.open("rb") as handle:
        office = OOXMLFile(handle)
        out = io.BytesIO()
        office.encrypt(password, out)
    target.write_bytes(out.getvalue())
    return target


@pytest.fixture
def locked(make_workbook: MakeWorkbook, tmp_path: Path) -> Path:
    plain = make_workbook(customers=[{}, {"customer_id": "C2"}], name="plain.xlsx")
    return encrypt(plain, "s3cret!", tmp_path / "locked.xlsx")


def test_an_encrypted_workbook_is_recognised(locked: Path, tmp_path: Path) -> None:
    assert locked.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"  # an OLE container, not a zip
    assert encryption_of(locked) == "ooxml"
    assert encryption_of(tmp_path / "plain.xlsx") is None


def test_without_a_password_the_message_says_how_to_give_one(
    runner: CliRunner, locked: Path
) -> None:
    result = runner.invoke(
        cli, ["validate", str(locked), "--lang", "en"], env={"ALLOCATOR_PASSWORD": None}
    )
    assert result.exit_code == 3
    assert result.stderr == (
        f"error: {locked} is password-protected (encrypted); give its password with "
        "--password or the ALLOCATOR_PASSWORD environment variable\n"
    )


def test_without_a_password_in_chinese(runner: CliRunner, locked: Path) -> None:
    result = runner.invoke(
        cli, ["validate", str(locked), "--lang", "zh"], env={"ALLOCATOR_PASSWORD": None}
    )
    assert result.exit_code == 3
    assert "已加密（打开需要密码）" in result.stderr
    assert "ALLOCATOR_PASSWORD" in result.stderr


def test_the_password_option_decrypts(runner: CliRunner, locked: Path) -> None:
    result = runner.invoke(cli, ["validate", str(locked), "--password", "s3cret!", "--json"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "[]"


def test_the_environment_variable_decrypts(runner: CliRunner, locked: Path) -> None:
    result = runner.invoke(
        cli, ["validate", str(locked), "--json"], env={"ALLOCATOR_PASSWORD": "s3cret!"}
    )
    assert result.exit_code == 0, result.output


def test_a_wrong_password_is_named(runner: CliRunner, locked: Path) -> None:
    result = runner.invoke(cli, ["validate", str(locked), "--password", "guess", "--lang", "en"])
    assert result.exit_code == 3
    assert result.stderr == f"error: cannot open {locked}: the password is wrong\n"


def test_run_reads_an_encrypted_workbook(runner: CliRunner, locked: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        cli,
        ["run", str(locked), "--out", str(out), "--as-of", AS_OF.isoformat(), "-q"],
        env={"ALLOCATOR_PASSWORD": "s3cret!"},
    )
    assert result.exit_code == 0, result.output
    assert (out / "assignments.xlsx").exists()


def test_decrypted_data_equals_the_plain_workbook(locked: Path, tmp_path: Path) -> None:
    plain = read_workbook(tmp_path / "plain.xlsx")
    decrypted = read_workbook(locked, password="s3cret!")
    assert decrypted.format == "xlsx"
    assert decrypted.customers.frame.equals(plain.customers.frame)
    assert decrypted.sha256 != plain.sha256  # the file as given is what the run records


def test_excels_default_password_needs_no_option(
    make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    plain = make_workbook(customers=[{}], name="plain.xlsx")
    default = encrypt(plain, DEFAULT_PASSWORD, tmp_path / "default.xlsx")
    book = read_workbook(default)
    assert book.customers.frame["customer_id"].tolist() == ["C1"]


def test_a_given_password_does_not_stop_the_default_one(
    make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    plain = make_workbook(customers=[{}], name="plain.xlsx")
    default = encrypt(plain, DEFAULT_PASSWORD, tmp_path / "default.xlsx")
    assert read_workbook(default, password="unrelated").customers.frame.shape[0] == 1


def test_decryption_leaves_no_file_behind(locked: Path, tmp_path: Path) -> None:
    before = set(tmp_path.iterdir())
    read_workbook(locked, password="s3cret!")
    assert set(tmp_path.iterdir()) == before


def test_an_encrypted_file_named_csv_is_still_recognised(locked: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "export.csv"
    renamed.write_bytes(locked.read_bytes())
    with pytest.raises(WorkbookError, match="password-protected"):
        read_workbook(renamed)
    assert read_workbook(renamed, password="s3cret!").format == "xlsx"


def test_a_damaged_encrypted_container(locked: Path, tmp_path: Path) -> None:
    data = bytearray(locked.read_bytes())
    data[-2048:] = bytes(2048)  # the encrypted package loses its end
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(bytes(data))
    with pytest.raises(WorkbookError, match=r"cannot (read|open)"):
        read_workbook(damaged, password="s3cret!")


def test_sheet_protection_is_not_encryption(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    customers = book.active
    assert customers is not None
    customers.title = "Customers"
    customers.append(["customer", "industry", "region", "value", "intent", "history"])
    customers.append(["Acme", "Retail", "East", 100, "high", 0])
    customers.protection.sheet = True
    customers.protection.password = "locked"
    reps = book.create_sheet("Reps")
    reps.append(["name", "territories", "capacity"])
    reps.append(["Zhang Wei", "East", 3])
    reps.protection.sheet = True
    book.security = None
    path = tmp_path / "protected.xlsx"
    book.save(path)
    assert encryption_of(path) is None
    raw = read_workbook(path)
    assert raw.customers.frame.loc[2, "customer"] == "Acme"
    assert raw.reps.frame.loc[2, "name"] == "Zhang Wei"
