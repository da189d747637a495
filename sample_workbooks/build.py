"""Regenerate the committed sample workbooks and their README.

Run from anywhere: ``/work/venv/bin/python sample_workbooks/build.py``. Everything is fixed (seeds,
``as_of``), so running it again rewrites byte-for-byte the same data. ``broken_zh.xlsx`` is a small
Chinese export damaged on purpose, one documented problem per row; the cell of every problem is
computed from the column order of ``allocator/headers.py`` so the README cannot drift from it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run as a script: make the repository's package importable

from allocator.errors import cell_ref  # noqa: E402
from allocator.export.inputs import write_input_workbook  # noqa: E402
from allocator.headers import CUSTOMERS, REPS  # noqa: E402
from allocator.sample import SampleBook, generate_sample  # noqa: E402

AS_OF = datetime(2026, 11, 23, 9, 0)
FIRST_DATA_ROW = 3  # row 1 is the banner, row 2 the header


@dataclass(frozen=True)
class Problem:
    sheet: str
    position: int
    """0-based data row in the sheet's frame."""
    column: str
    """Canonical column name."""
    value: object
    code: str
    errors: bool
    """True: the row goes to Exceptions; False: only a warning."""
    note: str

    @property
    def row(self) -> int:
        return FIRST_DATA_ROW + self.position

    @property
    def cell(self) -> str:
        spec = CUSTOMERS if self.sheet == CUSTOMERS.zh else REPS
        index = [c.name for c in spec.columns].index(self.column)
        return cell_ref(self.sheet, self.row, index) or ""


def _header(sheet: str, column: str) -> str:
    spec = CUSTOMERS if sheet == CUSTOMERS.zh else REPS
    return spec.column(column).zh


def _break(book: SampleBook) -> tuple[SampleBook, list[Problem]]:
    customers = book.sheets[CUSTOMERS.zh].astype(object)
    reps = book.sheets[REPS.zh].astype(object)
    col = {c.name: c.zh for c in CUSTOMERS.columns}
    owner = customers[col["owner"]]
    referenced = set(customers[col["referred_by"]].dropna())
    # The region row must be in the pool (no owner) so that it only raises the warning.
    pool_row = next(p for p in range(29, len(customers)) if pd.isna(owner.iat[p]) and p != 32)
    # The duplicated id must not be one a referral points at, or the referral becomes ambiguous.
    first, copy = next(
        (a, b)
        for a, b in ((3, 20), (4, 20), (3, 21), (4, 21))
        if customers[col["customer_id"]].iat[b] not in referenced
        and customers[col["customer_id"]].iat[a] not in referenced
    )
    duplicate_id = customers[col["customer_id"]].iat[first]
    active = reps[_header(REPS.zh, "active")]
    away = reps[_header(REPS.zh, "away_until")]
    zero_rep = next(
        p for p in range(1, len(reps)) if active.iat[p] == "是" and pd.isna(away.iat[p])
    )
    problems = [
        Problem(CUSTOMERS.zh, 2, "value", -25_000.0, "negative_number", True,
                "潜在价值为负数"),
        Problem(CUSTOMERS.zh, 5, "value", "abc", "not_a_number", True,
                "潜在价值写成了文字"),
        Problem(CUSTOMERS.zh, 8, "intent", "很想买", "unknown_intent", True,
                "合作意向不是 高/中/低"),
        Problem(CUSTOMERS.zh, 11, "customer", None, "required_blank", True,
                "客户名称为空"),
        Problem(CUSTOMERS.zh, 14, "owner", "王小二", "unknown_owner", True,
                "负责人不在销售表中"),
        Problem(CUSTOMERS.zh, copy, "customer_id", duplicate_id, "duplicate_id", True,
                f"客户编号与第 {FIRST_DATA_ROW + first} 行相同但内容不同"
                f"（第 {FIRST_DATA_ROW + first} 行同样报告此问题并进入异常表）"),
        Problem(CUSTOMERS.zh, 23, "created", "下周", "not_a_date", True,
                "创建时间不是日期"),
        Problem(CUSTOMERS.zh, 26, "last_contact", pd.Timestamp(2027, 3, 1), "future_date", False,
                "最近跟进在未来"),
        Problem(CUSTOMERS.zh, pool_row, "region", "海外", "uncovered_region", False,
                "区域“海外”没有销售负责（省份清空、城市为新加坡）"),
        Problem(REPS.zh, zero_rep, "capacity", 0, "zero_capacity", False,
                "销售本周容量为 0"),
        Problem(CUSTOMERS.zh, 32, "history", -5_000.0, "negative_number", True,
                "历史交易为负数"),
    ]  # fmt: skip
    rows = [p.position for p in problems if p.sheet == CUSTOMERS.zh] + [first]
    assert len(set(rows)) == len(rows), "each problem needs a row of its own"
    for problem in problems:
        frame = customers if problem.sheet == CUSTOMERS.zh else reps
        frame.iat[
            problem.position, frame.columns.get_loc(_header(problem.sheet, problem.column))
        ] = problem.value
    customers.iat[pool_row, customers.columns.get_loc(col["province"])] = None
    customers.iat[pool_row, customers.columns.get_loc(col["city"])] = "新加坡"
    sheets = {CUSTOMERS.zh: customers, REPS.zh: reps}
    return SampleBook(sheets=sheets, banners=dict(book.banners)), problems


_README = """\
# Sample workbooks

Synthetic weekly CRM exports made by `allocator.sample` (no real people or companies).
Regenerate them with `python sample_workbooks/build.py`: seeds and dates are fixed, all dated as
of {as_of} (pass `--as-of {as_of_arg}` to reproduce a run).

| file | language | customers | reps | seed | notes |
|---|---|---|---|---|---|
| `sample_zh.xlsx` | zh | 300 | 12 | 7 | sheets 客户 and 销售, a title banner above each header |
| `sample_en.xlsx` | en | 300 | 12 | 11 | sheets Customers and Reps, canonical headers |
| `broken_zh.xlsx` | zh | 40 | 5 | 3 | the problems listed below, one per row |

The two good samples are meant to validate without issues. About 45% of the customers already
have an owner (a few written as the rep's 工号 instead of the name); about a quarter of those are
closed (成交/输单), with win rates that differ by rep and by industry; about 10% of the open
owned customers have had no contact for more than 30 days and get reclaimed. One rep has left
(在职 = 否) and still owns customers (handover), one is on leave until after the as-of date, one
covers `*` (everywhere), and some cover a list of provinces or cities instead of a region. The
weekly capacities add up to 60–90% of the customers without an owner, so part of the pool stays
unassigned. Some 转介绍 customers name the customer who referred them.

## `rules_zh.xlsx`

`sample_zh.xlsx` plus a `规则` (Rules) sheet, evaluated top to bottom; the first enabled rule
whose criteria all match decides a customer's candidates:

| 序号 | 名称 | criteria | 分配给 | 方式 | 上限 |
|---|---|---|---|---|---|
| 1 | 转介绍给主管 | 来源 = 转介绍 | `级别:主管` (any lead) | 绩效 (performance) | |
| 2 | 医疗大客户 | 行业 = 医疗健康, 价值 ≥ 300,000 | `杨萍` | (default) | 5 |
| 3 | 华南物流 | 区域 = 华南, 行业 = 物流 | `团队:华南组` | 负载均衡 (balanced) | |
| 4 | 低意向C级留公海 | 意向 = 低, 等级 = C | `公海` (stay in the pool) | | |
| 5 | 停用的规则 (启用 = 否) | 区域 = 华北 | `刘丹` | | |

## `broken_zh.xlsx`

Row 1 is a title banner, row 2 the header, data start in row 3. An error sends its row to the
Exceptions sheet (异常数据) and the row is not allocated; a warning is only reported.

| cell | column | value | code | effect | problem |
|---|---|---|---|---|---|
"""


def _readme(problems: list[Problem]) -> str:
    lines = [_README.format(as_of=f"{AS_OF:%Y-%m-%d %H:%M}", as_of_arg=f"{AS_OF:%Y-%m-%dT%H:%M}")]
    for p in problems:
        value = p.value
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        shown = "(blank)" if value is None else str(value)
        if isinstance(value, pd.Timestamp):
            shown = f"{value:%Y-%m-%d}"
        effect = "error → Exceptions" if p.errors else "warning"
        header = _header(p.sheet, p.column)
        lines.append(f"| `{p.cell}` | {header} | `{shown}` | `{p.code}` | {effect} | {p.note} |")
    return lines[0] + "".join(line + "\n" for line in lines[1:])


# The 规则 sheet of rules_zh.xlsx: sample_zh.xlsx plus a manager's routing rules. Each rule
# exercises one kind of assign_to; tests/test_rules.py checks the owner each rule gives.
RULES_ZH = pd.DataFrame(
    [
        {"序号": 1, "名称": "转介绍给主管", "来源": "转介绍", "分配给": "级别:主管",
         "方式": "绩效"},
        {"序号": 2, "名称": "医疗大客户", "行业": "医疗健康", "最低价值": 300000, "分配给": "杨萍",
         "上限": 5},
        {"序号": 3, "名称": "华南物流", "区域": "华南", "行业": "物流", "分配给": "团队:华南组",
         "方式": "负载均衡"},
        {"序号": 4, "名称": "低意向C级留公海", "意向": "低", "等级": "C", "分配给": "公海"},
        {"序号": 5, "启用": "否", "名称": "停用的规则", "区域": "华北", "分配给": "刘丹"},
    ],
    columns=["序号", "启用", "名称", "区域", "行业", "来源", "意向", "等级", "最低价值", "最高价值",
             "分配给", "方式", "上限"],
).astype(object)  # fmt: skip


def main() -> None:
    for name, seed, lang in (("sample_zh.xlsx", 7, "zh"), ("sample_en.xlsx", 11, "en")):
        book = generate_sample(300, 12, seed=seed, lang=lang, as_of=AS_OF)
        write_input_workbook(HERE / name, book.sheets, book.banners, created=AS_OF)
        if lang == "zh":
            with_rules = {**book.sheets, "规则": RULES_ZH}
            write_input_workbook(HERE / "rules_zh.xlsx", with_rules, book.banners, created=AS_OF)
    broken, problems = _break(generate_sample(40, 5, seed=3, lang="zh", as_of=AS_OF))
    write_input_workbook(HERE / "broken_zh.xlsx", broken.sheets, broken.banners, created=AS_OF)
    (HERE / "README.md").write_text(_readme(problems), encoding="utf-8")
    for p in problems:
        print(f"{p.cell:12} {p.code:18} {'error' if p.errors else 'warning'}")


if __name__ == "__main__":
    main()
