"""Canonical column and sheet names, their Chinese/English aliases, and header-row detection.

Everything inside the tool uses the canonical English names of SPEC §1; this module is the only
place that knows what users call them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "CUSTOMERS",
    "REPS",
    "RULES",
    "SHEETS",
    "ColumnSpec",
    "HeaderMatch",
    "SheetSpec",
    "detect_header",
    "normalise_header",
    "normalise_sheet_name",
]


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One canonical column of an input sheet."""

    name: str
    """Canonical English name used everywhere inside the tool and in English outputs."""
    zh: str
    """The Chinese header written in Chinese outputs and templates."""
    kind: str
    """``text``, ``number``, ``integer``, ``date``, ``intent``, ``stage``, ``level``, ``bool``,
    ``list``."""
    required: bool = False
    """The column must be present (header-level requirement, not per cell)."""
    aliases: tuple[str, ...] = ()
    """Other headers users write for it; matched after :func:`normalise_header`."""


@dataclass(frozen=True, slots=True)
class SheetSpec:
    """One input sheet: its canonical name, aliases and columns."""

    name: str
    zh: str
    aliases: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    required: bool = True

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> ColumnSpec:
        for spec in self.columns:
            if spec.name == name:
                return spec
        raise KeyError(name)


_DECORATIONS = re.compile(
    r"[（(\[【]\s*(必填|选填|可选|必须|required|optional|元|万元|rmb|cny|¥)\s*[)）\]】]"
)
_NOISE = re.compile(r"[\s_\-*:：#.。/、·]+")


def normalise_header(text: object) -> str:
    """The comparison key of a header: NFKC, trimmed, casefolded, decorations and separators gone.

    ``"客户名称（必填）"``, ``"* Customer Name"`` and ``"customer_name"`` all compare equal to
    their canonical counterparts.
    """
    if text is None:
        return ""
    value = unicodedata.normalize("NFKC", str(text)).strip().casefold()
    value = _DECORATIONS.sub("", value)
    return _NOISE.sub("", value)


def normalise_sheet_name(text: str) -> str:
    """Sheet names compare case- and width-insensitively, ignoring spaces and separators."""
    return normalise_header(text)


def _c(name: str, zh: str, kind: str, *aliases: str, required: bool = False) -> ColumnSpec:
    return ColumnSpec(name=name, zh=zh, kind=kind, required=required, aliases=(zh, *aliases))


CUSTOMERS = SheetSpec(
    name="Customers",
    zh="客户",
    aliases=("客户", "客户表", "客户列表", "线索", "线索表", "Leads", "Customer", "Lead"),
    columns=(
        _c(
            "customer_id",
            "客户编号",
            "text",
            "线索编号",
            "客户ID",
            "客户 ID",
            "ID",
            "编号",
            "Customer ID",
            "Lead ID",
        ),
        _c(
            "customer",
            "客户名称",
            "text",
            "客户",
            "公司名称",
            "公司",
            "企业名称",
            "Customer Name",
            "Company",
            "Company Name",
            "Name",
            required=True,
        ),
        _c("industry", "行业", "text", "所属行业", "行业类型", "Industry", required=True),
        _c("region", "区域", "text", "地区", "大区", "地域", "销售区域", "Region", required=True),
        _c("province", "省份", "text", "省/自治区", "省", "省/直辖市", "Province", "State"),
        _c("city", "城市", "text", "市", "City"),
        _c(
            "value",
            "潜在价值",
            "number",
            "预计金额",
            "价值",
            "预估金额",
            "商机金额",
            "Potential Value",
            "Value",
            "Expected Value",
            required=True,
        ),
        _c(
            "intent",
            "合作意向",
            "intent",
            "意向",
            "意向等级",
            "意向度",
            "Intent",
            "Intent Level",
            required=True,
        ),
        _c(
            "history",
            "历史交易",
            "number",
            "历史交易额",
            "历史成交金额",
            "历史成交",
            "Past Revenue",
            "History",
            "Historical Revenue",
            required=True,
        ),
        _c("source", "线索来源", "text", "来源", "渠道", "客户来源", "Source", "Lead Source"),
        _c(
            "owner",
            "负责人",
            "text",
            "负责销售",
            "负责销售代表",
            "销售负责人",
            "跟进人",
            "Owner",
            "Account Owner",
            "Sales Rep",
        ),
        _c("stage", "跟进状态", "stage", "阶段", "状态", "销售阶段", "Stage", "Status"),
        _c(
            "created",
            "创建时间",
            "date",
            "录入时间",
            "创建日期",
            "Created",
            "Created At",
            "Create Date",
        ),
        _c(
            "last_contact",
            "最近跟进",
            "date",
            "最后跟进时间",
            "最近跟进时间",
            "最后联系时间",
            "Last Contact",
            "Last Contacted",
            "Last Activity",
        ),
        _c(
            "closed",
            "成交时间",
            "date",
            "转化时间",
            "关闭时间",
            "Closed",
            "Close Date",
            "Closed At",
        ),
        _c("deal_value", "成交金额", "number", "Deal Value", "Won Amount", "Deal Amount"),
        _c("contact", "联系人", "text", "Contact", "Contact Name"),
        _c(
            "phone",
            "电话",
            "text",
            "手机",
            "电话/手机",
            "手机号",
            "联系电话",
            "Phone",
            "Mobile",
            "Telephone",
        ),
        _c("email", "邮箱", "text", "电子邮箱", "邮件", "Email", "E-mail"),
        _c("referred_by", "转介绍人", "text", "推荐客户", "推荐人", "Referred By", "Referrer"),
    ),
)

REPS = SheetSpec(
    name="Reps",
    zh="销售",
    aliases=(
        "销售",
        "销售人员",
        "销售代表",
        "销售团队",
        "Sales Reps",
        "Sales",
        "Rep",
        "Representatives",
    ),
    columns=(
        _c("rep_id", "工号", "text", "编号", "员工编号", "Rep ID", "Employee ID", "ID"),
        _c(
            "name",
            "姓名",
            "text",
            "销售",
            "销售姓名",
            "名字",
            "Rep",
            "Name",
            "Rep Name",
            required=True,
        ),
        _c("email", "邮箱", "text", "电子邮箱", "Email", "E-mail"),
        _c("team", "团队", "text", "小组", "Team"),
        _c("manager", "主管", "text", "上级", "Manager"),
        _c(
            "territories",
            "负责区域",
            "list",
            "区域",
            "负责地区",
            "Territories",
            "Territory",
            required=True,
        ),
        _c("industries", "擅长行业", "list", "行业", "Industries", "Industry"),
        _c("capacity", "本周容量", "integer", "可接客户数", "容量", "Capacity", required=True),
        _c("level", "级别", "level", "职级", "Level"),
        _c("weight", "权重", "number", "Weight"),
        _c("active", "在职", "bool", "状态", "是否在职", "Active"),
        _c("away_until", "休假至", "date", "休假结束", "Away Until"),
        _c("points_balance", "积分余额", "number", "积分", "Points Balance", "Points"),
    ),
)

RULES = SheetSpec(
    name="Rules",
    zh="规则",
    aliases=("规则", "分配规则", "Rules", "Routing Rules"),
    required=False,
    columns=(
        _c("order", "序号", "integer", "顺序", "Order"),
        _c("enabled", "启用", "bool", "是否启用", "Enabled"),
        _c("name", "名称", "text", "规则名称", "Name"),
        _c("region", "区域", "list", "地区", "Region"),
        _c("industry", "行业", "list", "Industry"),
        _c("source", "来源", "list", "线索来源", "Source"),
        _c("intent", "意向", "list", "合作意向", "Intent"),
        _c("tier", "等级", "list", "客户等级", "Tier"),
        _c("min_value", "最低价值", "number", "最小价值", "Min Value"),
        _c("max_value", "最高价值", "number", "最大价值", "Max Value"),
        _c("assign_to", "分配给", "text", "分配对象", "Assign To", required=True),
        _c("method", "方式", "text", "分配方式", "Method"),
        _c("cap", "上限", "integer", "数量上限", "Cap"),
    ),
)

SHEETS: tuple[SheetSpec, ...] = (CUSTOMERS, REPS, RULES)


@dataclass(frozen=True, slots=True)
class HeaderMatch:
    """Where a sheet's header row is and which grid column holds each canonical column."""

    row: int
    """0-based position of the header row in the grid (Excel row = row + 1)."""
    columns: dict[str, int]
    """Canonical name → 0-based grid column index."""
    extras: dict[str, int]
    """Unknown non-blank header text → grid column index, carried through to the outputs; a
    repeated unknown header gets a numbered name (``备注``, ``备注 (2)``)."""
    duplicates: tuple[tuple[str, tuple[int, ...]], ...]
    """Canonical names claimed by more than one header cell, with their column indexes."""
    chinese_headers: int
    """How many matched header cells contain CJK characters (for language detection)."""


def _alias_table(spec: SheetSpec) -> dict[str, str]:
    table: dict[str, str] = {}
    # Canonical names and the Chinese display name win over aliases shared between columns.
    for column in spec.columns:
        table.setdefault(normalise_header(column.name), column.name)
    for column in spec.columns:
        for alias in column.aliases:
            table.setdefault(normalise_header(alias), column.name)
    return table


_ALIASES = {spec.name: _alias_table(spec) for spec in SHEETS}
_CJK = re.compile(r"[\u3400-\u9fff]")


def match_header_row(
    cells: Sequence[object], spec: SheetSpec, mapping: dict[str, str] | None = None
) -> HeaderMatch:
    """Map one row of header cells to canonical columns.

    ``mapping`` holds user-configured headers (canonical name → their header) that take precedence
    over the built-in aliases.
    """
    table = dict(_ALIASES[spec.name])
    if mapping:
        for configured, header in mapping.items():
            table[normalise_header(header)] = configured
    found: dict[str, list[int]] = {}
    extras: dict[str, int] = {}
    chinese = 0
    for index, cell in enumerate(cells):
        key = normalise_header(cell)
        if not key:
            continue
        canonical = table.get(key)
        if canonical is None:
            text = name = str(cell).strip()
            copies = 1
            while name in extras:  # keep every column of repeated unknown headers: 备注, 备注 (2)
                copies += 1
                name = f"{text} ({copies})"
            extras[name] = index
            continue
        found.setdefault(canonical, []).append(index)
        if _CJK.search(str(cell)):
            chinese += 1
    duplicates = tuple((name, tuple(idx)) for name, idx in found.items() if len(idx) > 1)
    return HeaderMatch(
        row=-1,
        columns={name: idx[0] for name, idx in found.items()},
        extras=extras,
        duplicates=duplicates,
        chinese_headers=chinese,
    )


def detect_header(
    rows: Sequence[Sequence[object]],
    spec: SheetSpec,
    *,
    search_rows: int = 10,
    mapping: dict[str, str] | None = None,
) -> HeaderMatch | None:
    """The first row within ``search_rows`` that holds every required column, else the best one.

    Returns None when no row matches a single column. A returned match may still lack required
    columns; the caller reports which.
    """
    best: HeaderMatch | None = None
    for position, cells in enumerate(rows[:search_rows]):
        match = match_header_row(cells, spec, mapping)
        placed = HeaderMatch(
            row=position,
            columns=match.columns,
            extras=match.extras,
            duplicates=match.duplicates,
            chinese_headers=match.chinese_headers,
        )
        if all(name in placed.columns for name in spec.required_columns):
            return placed
        if placed.columns and (best is None or len(placed.columns) > len(best.columns)):
            best = placed
    return best


def find_sheet(sheet_names: Sequence[str], spec: SheetSpec) -> str | None:
    """The workbook sheet whose name is the canonical name or one of its aliases."""
    wanted = {normalise_sheet_name(a) for a in (spec.name, spec.zh, *spec.aliases)}
    for name in sheet_names:
        if normalise_sheet_name(name) in wanted:
            return name
    return None


def suggest_column(header: object, spec: SheetSpec) -> tuple[str, str] | None:
    """(canonical name, closest known header) for an unknown header that looks like a typo of
    one, e.g. ``客户名`` → (``customer``, ``客户名称``); None when nothing is close."""
    import difflib

    key = normalise_header(header)
    if not key:
        return None
    table = _ALIASES[spec.name]
    close = difflib.get_close_matches(key, list(table), n=1, cutoff=0.75)
    if not close:
        return None
    canonical = table[close[0]]
    shown = next(
        (
            a
            for a in (canonical, *spec.column(canonical).aliases)
            if normalise_header(a) == close[0]
        ),
        canonical,
    )
    return canonical, shown
