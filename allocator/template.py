"""``allocator template``: an empty input workbook to fill in, in Chinese or English.

The Customers, Reps and Rules sheets carry the canonical headers of :mod:`allocator.headers`
(the Chinese display names or the English canonical names), a format per column (IDs and phones
as text so that leading zeros survive, amounts with thousands separators, dates as dates),
dropdowns for the columns with a fixed vocabulary, a hint shown when a cell is selected, and an
instructions sheet that explains every column. It holds no data rows: read back, it validates
with the warning that there is nothing to allocate yet.

The column explanations live here rather than in :mod:`allocator.i18n`: they are the text of
one document, written once per language, not messages.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .coerce import INTENTS, LEVELS, STAGES
from .errors import OutputError
from .headers import CUSTOMERS, REPS, RULES, ColumnSpec, SheetSpec
from .i18n import sheet_label, t

__all__ = ["COLUMN_NOTES", "TemplateColumn", "template_columns", "write_template"]

_LAST_ROW = 1_048_575  # validations and formats reach Excel's last row

# (sheet, column) → (zh explanation, en explanation, zh example, en example)
COLUMN_NOTES: Mapping[tuple[str, str], tuple[str, str, str, str]] = {
    ("Customers", "customer_id"): (
        "客户或线索的编号；留空时根据名称、电话、邮箱自动生成。按文本保存，保留前导零。",
        "The customer or lead ID; derived from name, phone and email when blank. Kept as "
        "text, leading zeros included.",
        "00123",
        "00123",
    ),
    ("Customers", "customer"): (
        "客户（公司）名称。",
        "The customer's (company) name.",
        "上海华信科技有限公司",
        "Acme Co.",
    ),
    ("Customers", "industry"): ("所属行业。", "The industry.", "零售", "Retail"),
    ("Customers", "region"): (
        "销售区域，与销售表的“负责区域”对应。",
        "The sales region, matched against the reps' territories.",
        "华东",
        "East",
    ),
    ("Customers", "province"): ("省份（可选）。", "Province or state (optional).", "浙江", "CA"),
    ("Customers", "city"): ("城市（可选）。", "City (optional).", "杭州", "San Jose"),
    ("Customers", "value"): (
        "潜在价值（元），不小于 0；也可写 12,000、¥3.5万、1.2亿。",
        "Potential value, 0 or more; 12,000, ¥35k or 1.2亿 are read too.",
        "120000",
        "120000",
    ),
    ("Customers", "intent"): (
        "合作意向：高、中、低（也接受 H/M/L）。",
        "Intent: high, medium or low (H/M/L accepted).",
        "高",
        "high",
    ),
    ("Customers", "history"): (
        "历史交易额；此列必须存在，留空按 0 计。",
        "Past revenue; the column must exist, a blank cell counts as 0.",
        "5000",
        "5000",
    ),
    ("Customers", "source"): ("线索来源。", "Where the lead came from.", "官网", "website"),
    ("Customers", "owner"): (
        "当前负责人：销售的工号或姓名；留空表示在公海池。",
        "The current owner: a rep's ID or name; blank means in the pool.",
        "张伟",
        "Zhang Wei",
    ),
    ("Customers", "stage"): (
        "跟进状态；留空为“新建”。",
        "Sales stage; blank means new.",
        "已联系",
        "contacted",
    ),
    ("Customers", "created"): (
        "创建时间（日期或日期时间）。",
        "When the lead was created.",
        "2026-11-03",
        "2026-11-03",
    ),
    ("Customers", "last_contact"): (
        "最近一次跟进的时间，用于判断是否收回。",
        "The last follow-up; decides whether an idle customer is reclaimed.",
        "2026-11-20 09:30",
        "2026-11-20 09:30",
    ),
    ("Customers", "closed"): (
        "成交或输单的时间。",
        "When the deal was won or lost.",
        "2026-11-21",
        "2026-11-21",
    ),
    ("Customers", "deal_value"): (
        "成交金额（已成交时）。",
        "The amount won (for won deals).",
        "98000",
        "98000",
    ),
    ("Customers", "contact"): ("联系人。", "Contact person.", "王芳", "Jane Doe"),
    ("Customers", "phone"): (
        "电话；按文本保存，保留前导零。",
        "Phone; kept as text, leading zeros included.",
        "013800138000",
        "013800138000",
    ),
    ("Customers", "email"): ("邮箱。", "Email address.", "wang@example.com", "jane@example.com"),
    ("Customers", "referred_by"): (
        "转介绍人：介绍此客户的客户名称或编号。",
        "The customer (name or ID) who referred this one.",
        "00100",
        "00100",
    ),
    ("Reps", "rep_id"): (
        "工号；留空时使用姓名。",
        "Employee ID; the name is used when blank.",
        "S01",
        "S01",
    ),
    ("Reps", "name"): ("销售姓名，不能重复。", "The rep's name, unique.", "张伟", "Zhang Wei"),
    ("Reps", "email"): ("邮箱。", "Email address.", "zhangwei@example.com", "wei@example.com"),
    ("Reps", "team"): ("所属团队。", "Team.", "华东一组", "East 1"),
    ("Reps", "manager"): ("主管。", "Manager.", "李娜", "Li Na"),
    ("Reps", "territories"): (
        "负责区域：区域、省份或城市，多个用逗号或顿号分隔；* 表示全部。",
        "Territories: regions, provinces or cities separated by commas; * means everywhere.",
        "华东、华南",
        "East, South",
    ),
    ("Reps", "industries"): (
        "擅长行业，多个用逗号分隔；留空表示不限。",
        "Industries the rep knows, comma separated; blank means any.",
        "零售, 制造",
        "Retail, Manufacturing",
    ),
    ("Reps", "capacity"): (
        "本次最多可接的新客户数（非负整数）。",
        "How many new customers the rep takes this run (a whole number).",
        "10",
        "10",
    ),
    ("Reps", "level"): (
        "级别：新人、资深、主管；留空为资深。",
        "Level: junior, senior or lead; blank means senior.",
        "资深",
        "senior",
    ),
    ("Reps", "weight"): (
        "权重（大于 0），默认 1；用于按权重分配。",
        "Weight (above 0), default 1; used by weighted strategies.",
        "1",
        "1",
    ),
    ("Reps", "active"): (
        "是否在职：是/否；留空为是。",
        "Active: yes or no; blank means yes.",
        "是",
        "yes",
    ),
    ("Reps", "away_until"): (
        "休假至（日期）；此前不分配新客户。",
        "Away until (a date); no new customers before it.",
        "2026-11-30",
        "2026-11-30",
    ),
    ("Reps", "points_balance"): (
        "积分余额：填上周结果中的“新积分余额”。",
        "Points balance: last week's points_balance_new.",
        "12.5",
        "12.5",
    ),
    ("Rules", "order"): ("规则的先后顺序。", "Evaluation order.", "1", "1"),
    ("Rules", "enabled"): ("是否启用：是/否。", "Enabled: yes or no.", "是", "yes"),
    ("Rules", "name"): ("规则名称。", "The rule's name.", "大客户给主管", "Key accounts to leads"),
    ("Rules", "region"): (
        "适用区域，多个用逗号分隔；留空表示全部。",
        "Regions it applies to, comma separated; blank means all.",
        "华东",
        "East",
    ),
    ("Rules", "industry"): ("适用行业。", "Industries it applies to.", "零售", "Retail"),
    ("Rules", "source"): ("适用来源。", "Sources it applies to.", "官网", "website"),
    ("Rules", "intent"): ("适用意向：高/中/低。", "Intents it applies to.", "高", "high"),
    ("Rules", "tier"): ("适用等级：A/B/C。", "Tiers it applies to: A, B or C.", "A", "A"),
    ("Rules", "min_value"): ("最低潜在价值。", "Lowest potential value.", "100000", "100000"),
    ("Rules", "max_value"): ("最高潜在价值。", "Highest potential value.", "500000", "500000"),
    ("Rules", "assign_to"): (
        "分配给：销售工号或姓名、团队:名称、级别:主管 或 公海。",
        "Assign to: a rep's ID or name, team:NAME, level:lead or pool.",
        "级别:主管",
        "level:lead",
    ),
    ("Rules", "method"): (
        "分配方式（留空按配置的策略）。",
        "Method (blank: the configured strategy).",
        "points",
        "points",
    ),
    ("Rules", "cap"): (
        "每次最多按此规则分配的客户数。",
        "At most this many customers per run under the rule.",
        "20",
        "20",
    ),
}

_KIND_TEXT = {
    "text": ("文本", "text"),
    "number": ("数字", "number"),
    "integer": ("整数", "whole number"),
    "date": ("日期", "date"),
    "intent": ("下拉选择", "choice"),
    "stage": ("下拉选择", "choice"),
    "level": ("下拉选择", "choice"),
    "bool": ("是/否", "yes/no"),
    "list": ("多个值，逗号分隔", "list, comma separated"),
}


@dataclass(frozen=True)
class TemplateColumn:
    """One column of a template sheet: its header, cell format and dropdown choices."""

    spec: ColumnSpec
    header: str
    number_format: str
    choices: tuple[str, ...] = ()
    note: str = ""
    example: str = ""


def _choices(kind: str, lang: str) -> tuple[str, ...]:
    if kind == "intent":
        return tuple(t(lang, f"intent_{code}") for code in INTENTS)
    if kind == "stage":
        return tuple(t(lang, f"stage_{code}") for code in STAGES)
    if kind == "level":
        return tuple(t(lang, f"level_{code}") for code in LEVELS)
    if kind == "bool":
        return (t(lang, "yes"), t(lang, "no"))
    return ()


def _number_format(column: ColumnSpec) -> str:
    if column.kind == "number":
        return "0.00" if column.name in ("weight", "points_balance") else "#,##0"
    if column.kind == "integer":
        return "0"
    if column.kind == "date":
        return "yyyy-mm-dd hh:mm" if column.name in ("created", "last_contact") else "yyyy-mm-dd"
    if column.kind in ("text", "list"):
        return "@"  # text: IDs and phones keep their leading zeros
    return "General"


def template_columns(spec: SheetSpec, lang: str) -> tuple[TemplateColumn, ...]:
    """The columns of one sheet of the template, in the canonical order (pure)."""
    index = 0 if lang == "zh" else 1
    columns = []
    for column in spec.columns:
        notes = COLUMN_NOTES[(spec.name, column.name)]
        header = column.zh if lang == "zh" else column.name
        columns.append(
            TemplateColumn(
                spec=column,
                header=header,
                number_format=_number_format(column),
                choices=_choices(column.kind, lang),
                note=notes[index],
                example=notes[2 + index],
            )
        )
    return tuple(columns)


_TEXT = {
    "title": ("客户分配输入模板", "allocator input template"),
    "intro": (
        "在“{customers}”表中填写客户（每行一个），在“{reps}”表中填写销售；“{rules}”表可选，"
        "不用时可留空或删除。表头不要修改（可以增加其他列，会原样带到结果中）。"
        "填写完成后运行：allocator validate 文件名.xlsx 检查，"
        "再运行 allocator run 文件名.xlsx 分配。",
        "Fill in the customers (one per row) on '{customers}' and the sales reps on '{reps}'; "
        "'{rules}' is optional and may stay empty or be deleted. Keep the headers as they are "
        "(extra columns are welcome and carried to the results). Then run "
        "'allocator validate FILE.xlsx' to check and 'allocator run FILE.xlsx' to allocate.",
    ),
    "required_hint": (
        "深色表头为必填列。下拉列也接受其他写法（如 H/M/L、高意向）。",
        "Dark headers are required columns. Dropdown columns accept other spellings too "
        "(e.g. H/M/L).",
    ),
    "sheet": ("工作表", "Sheet"),
    "column": ("列", "Column"),
    "required": ("必填", "Required"),
    "type": ("类型", "Type"),
    "explanation": ("说明", "Explanation"),
    "example": ("示例", "Example"),
    "choices": ("可选值", "Choices"),
    "instructions": ("说明", "Instructions"),
    "bad_choice": ("不在列表中", "Not in the list"),
    "bad_choice_message": (
        "此值不在下拉列表中；allocator 也接受其他常见写法，运行 allocator validate 检查。",
        "This value is not in the list; allocator accepts other common spellings too: check "
        "with 'allocator validate'.",
    ),
}


def _text(lang: str, key: str, **values: str) -> str:
    template = _TEXT[key][0 if lang == "zh" else 1]
    return template.format(**values) if values else template


def write_template(path: Path | str, *, lang: str) -> Path:
    """Write the empty input workbook to ``path`` (XlsxWriter); returns the path. Raises
    :class:`OutputError` when it cannot be written."""
    import xlsxwriter
    import xlsxwriter.exceptions

    if lang not in ("zh", "en"):
        raise ValueError(f"unknown language {lang!r}")
    path = Path(path)
    partial = path.with_name(f".{path.name}.partial")
    try:
        _build(xlsxwriter.Workbook, partial, lang)
        os.replace(partial, path)  # never a half-written template under the real name
    except (OSError, xlsxwriter.exceptions.XlsxWriterException) as exc:
        partial.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {exc}") from None
    return path


def _build(workbook: Any, path: Path, lang: str) -> None:
    book = workbook(
        str(path),
        {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
    )
    styles = {
        "required": book.add_format(
            {"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E78", "border": 1}
        ),
        "optional": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
        "title": book.add_format({"bold": True, "font_size": 14}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        "head": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
    }
    formats: dict[str, Any] = {}
    sheets = (CUSTOMERS, REPS, RULES)
    written = {}
    for spec in sheets:
        columns = template_columns(spec, lang)
        sheet = book.add_worksheet(sheet_label(lang, spec.name))
        written[spec.name] = sheet
        _write_data_sheet(book, sheet, columns, styles, formats, lang)
    _write_instructions(book, sheets, styles, lang)
    written[CUSTOMERS.name].activate()
    book.close()


def _write_data_sheet(
    book: Any,
    sheet: Any,
    columns: Sequence[TemplateColumn],
    styles: Mapping[str, Any],
    formats: dict[str, Any],
    lang: str,
) -> None:
    for position, column in enumerate(columns):
        if column.number_format not in formats:
            formats[column.number_format] = book.add_format({"num_format": column.number_format})
        width = max(12, min(40, len(column.header.encode("gbk", "replace")) + 4))
        sheet.set_column(position, position, width, formats[column.number_format])
        style = styles["required" if column.spec.required else "optional"]
        sheet.write_string(0, position, column.header, style)
        hint = {
            "input_title": column.header[:32],
            "input_message": f"{column.note} {_text(lang, 'example')}: {column.example}"[:255],
        }
        if column.choices:
            sheet.data_validation(
                1,
                position,
                _LAST_ROW,
                position,
                {
                    "validate": "list",
                    "source": list(column.choices),
                    "error_type": "warning",
                    "error_title": _text(lang, "bad_choice"),
                    "error_message": _text(lang, "bad_choice_message")[:255],
                    **hint,
                },
            )
        else:
            sheet.data_validation(1, position, _LAST_ROW, position, {"validate": "any", **hint})
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, 0, len(columns) - 1)


def _write_instructions(
    book: Any, sheets: Sequence[SheetSpec], styles: Mapping[str, Any], lang: str
) -> None:
    sheet = book.add_worksheet(_text(lang, "instructions"))
    names = {spec.name.lower(): sheet_label(lang, spec.name) for spec in sheets}
    sheet.write_string(0, 0, _text(lang, "title"), styles["title"])
    sheet.merge_range(1, 0, 1, 6, _text(lang, "intro", **names), styles["wrap"])
    sheet.set_row(1, 60)
    sheet.write_string(2, 0, _text(lang, "required_hint"))
    heads = ("sheet", "column", "required", "type", "choices", "explanation", "example")
    for position, key in enumerate(heads):
        sheet.write_string(4, position, _text(lang, key), styles["head"])
    row = 5
    yes, no = t(lang, "yes"), t(lang, "no")
    for spec in sheets:
        for column in template_columns(spec, lang):
            kind = _KIND_TEXT[column.spec.kind][0 if lang == "zh" else 1]
            values = (
                sheet_label(lang, spec.name),
                column.header,
                yes if column.spec.required else no,
                kind,
                "/".join(column.choices),
                column.note,
                column.example,
            )
            for position, value in enumerate(values):
                sheet.write_string(row, position, value, styles["wrap"])
            row += 1
    for position, width in enumerate((10, 16, 8, 14, 30, 60, 22)):
        sheet.set_column(position, position, width)
    sheet.freeze_panes(5, 0)
