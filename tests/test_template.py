"""`allocator template`: an empty input workbook that reads back as valid."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import AS_OF

from allocator.cli import cli
from allocator.headers import CUSTOMERS, REPS, RULES
from allocator.schema import validate
from allocator.template import COLUMN_NOTES, template_columns, write_template
from allocator.workbook import read_workbook

SHEETS = {
    "zh": ["客户", "销售", "规则", "说明"],
    "en": ["Customers", "Reps", "Rules", "Instructions"],
}


@pytest.fixture(params=["zh", "en"])
def lang(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def template(tmp_path: Path, lang: str) -> Path:
    return write_template(tmp_path / f"template_{lang}.xlsx", lang=lang)


def test_the_cli_writes_a_template_that_validates(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "客户分配.xlsx"
    result = runner.invoke(cli, ["template", str(path), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote {path}\n"
    checked = runner.invoke(cli, ["validate", str(path), "--json"])
    assert checked.exit_code == 0, checked.output
    issues = json.loads(checked.stdout)
    assert [(i["severity"], i["code"]) for i in issues] == [
        ("warning", "no_customers"),
        ("warning", "no_reps"),
    ]
    assert issues[0]["message"] == "工作表“客户”中没有客户数据行，无需分配"


def test_an_existing_file_is_not_overwritten(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "filled.xlsx"
    path.write_bytes(b"precious")
    result = runner.invoke(cli, ["template", str(path)])
    assert result.exit_code == 1
    assert result.stderr == f"error: {path} already exists\npass --force to overwrite it\n"
    assert path.read_bytes() == b"precious"
    assert runner.invoke(cli, ["template", str(path), "--force"]).exit_code == 0
    assert path.read_bytes()[:2] == b"PK"


def test_an_unwritable_target_is_a_clean_error(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "missing" / "t.xlsx"
    result = runner.invoke(cli, ["template", str(path)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: cannot write {path}: ")
    assert not list(tmp_path.rglob("*.partial"))


def test_sheets_and_headers(template: Path, lang: str) -> None:
    book = openpyxl.load_workbook(template)
    assert book.sheetnames == SHEETS[lang]
    assert book.active is not None and book.active.title == SHEETS[lang][0]
    for spec, name in zip((CUSTOMERS, REPS, RULES), SHEETS[lang], strict=False):
        headers = [cell.value for cell in book[name][1]]
        expected = [c.zh if lang == "zh" else c.name for c in spec.columns]
        assert headers == expected
        assert book[name].max_row == 1  # no data rows
        assert book[name].freeze_panes == "A2"


def test_dropdowns(template: Path, lang: str) -> None:
    book = openpyxl.load_workbook(template)
    customers, reps = book[SHEETS[lang][0]], book[SHEETS[lang][1]]

    def choices(sheet: openpyxl.worksheet.worksheet.Worksheet, column: str) -> str | None:
        for validation in sheet.data_validations.dataValidation:
            if validation.type == "list" and f"{column}2:{column}1048576" in str(validation.sqref):
                return str(validation.formula1)
        return None

    expected = {
        "zh": ('"高,中,低"', '"新建,已联系,需求确认,方案提交,商务谈判,成交,输单"',
               '"新人,资深,主管"', '"是,否"'),
        "en": ('"high,medium,low"', '"new,contacted,qualified,proposal,negotiation,won,lost"',
               '"junior,senior,lead"', '"yes,no"'),
    }[lang]  # fmt: skip
    assert choices(customers, "H") == expected[0]  # intent
    assert choices(customers, "L") == expected[1]  # stage
    assert choices(reps, "I") == expected[2]  # level
    assert choices(reps, "K") == expected[3]  # active
    assert choices(customers, "B") is None


def _column_format(sheet: openpyxl.worksheet.worksheet.Worksheet, letter: str) -> str:
    from openpyxl.utils import column_index_from_string

    index = column_index_from_string(letter)
    for dimension in sheet.column_dimensions.values():
        if dimension.min is not None and dimension.min <= index <= (dimension.max or index):
            return str(dimension.number_format)
    return "General"


def test_column_formats(template: Path, lang: str) -> None:
    book = openpyxl.load_workbook(template)
    customers, reps = book[SHEETS[lang][0]], book[SHEETS[lang][1]]
    assert _column_format(customers, "A") == "@"  # customer_id: text, leading zeros kept
    assert _column_format(customers, "R") == "@"  # phone
    assert _column_format(customers, "G") == "#,##0"  # value
    assert _column_format(customers, "M") == "yyyy-mm-dd hh:mm"  # created
    assert _column_format(reps, "H") == "0"  # capacity
    assert _column_format(reps, "L") == "yyyy-mm-dd"  # away_until


def test_instructions_explain_every_column(template: Path, lang: str) -> None:
    sheet = openpyxl.load_workbook(template)[SHEETS[lang][3]]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=6)]
    described = [(row[0], row[1]) for row in rows if row[0]]
    expected = [
        (name, c.zh if lang == "zh" else c.name)
        for spec, name in zip((CUSTOMERS, REPS, RULES), SHEETS[lang], strict=False)
        for c in spec.columns
    ]
    assert described == expected
    assert all(row[5] and row[6] for row in rows)  # an explanation and an example each
    required = {row[1] for row in rows if row[2] in ("是", "yes")}
    assert ("客户名称" if lang == "zh" else "customer") in required


def test_every_column_has_notes_in_both_languages() -> None:
    expected = {(spec.name, c.name) for spec in (CUSTOMERS, REPS, RULES) for c in spec.columns}
    assert set(COLUMN_NOTES) == expected
    for notes in COLUMN_NOTES.values():
        assert all(text.strip() for text in notes)
    assert len(template_columns(CUSTOMERS, "en")) == len(CUSTOMERS.columns)


def test_a_filled_in_template_is_read(template: Path, lang: str, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(template)
    customers, reps = book[SHEETS[lang][0]], book[SHEETS[lang][1]]
    customers.append(["00123", "上海华信", "零售", "华东", None, None, 120000,
                      "高" if lang == "zh" else "high", 0])  # fmt: skip
    reps.append(["S01", "张伟", None, None, None, "华东", None, 5])
    filled = tmp_path / "filled.xlsx"
    book.save(filled)
    inputs = validate(read_workbook(filled, lang=lang), lang=lang, as_of=AS_OF)
    assert inputs.customers["customer_id"].tolist() == ["00123"]
    assert inputs.customers["intent"].tolist() == ["high"]
    assert inputs.reps["name"].tolist() == ["张伟"]
    assert not [i for i in inputs.issues if i.code in ("no_customers", "no_reps")]


def test_customers_without_reps_stay_fatal(tmp_path: Path) -> None:
    """The empty-input allowance covers an empty workbook only."""
    from allocator.errors import ValidationFailed

    path = write_template(tmp_path / "t.xlsx", lang="en")
    book = openpyxl.load_workbook(path)
    book["Customers"].append(["C1", "Acme", "Retail", "East", None, None, 100, "high", 0])
    book.save(path)
    with pytest.raises(ValidationFailed) as excinfo:
        validate(read_workbook(path, lang="en"), lang="en", as_of=AS_OF)
    assert [i.code for i in excinfo.value.issues if i.severity == "fatal"] == ["no_reps"]
