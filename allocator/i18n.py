"""Every user-facing text in Chinese and English, keyed by stable ids.

``MESSAGES`` holds sentences with ``{placeholders}``; the test suite checks that both languages
have the same keys and the same placeholders. ``fill`` formats a template over whole pandas Series
at once so that a million reasons cost one concatenation per template piece, not a Python call per
row.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .headers import CUSTOMERS, REPS, RULES

__all__ = [
    "COLUMN_NAMES",
    "LANGUAGES",
    "MESSAGES",
    "SHEET_NAMES",
    "column_label",
    "fill",
    "sheet_label",
    "t",
]

LANGUAGES = ("zh", "en")

SHEET_NAMES: dict[str, tuple[str, str]] = {
    "Summary": ("汇总", "Summary"),
    "Assignments": ("分配结果", "Assignments"),
    "Unassigned": ("公海池", "Unassigned"),
    "Exceptions": ("异常数据", "Exceptions"),
    "Conflicts": ("撞单", "Conflicts"),
    "Changes": ("变更", "Changes"),
    "Run": ("运行信息", "Run"),
    "Customers": (CUSTOMERS.zh, CUSTOMERS.name),
    "Reps": (REPS.zh, REPS.name),
    "Rules": (RULES.zh, RULES.name),
}

# Output-only columns; input columns take their Chinese header from headers.py.
_OUTPUT_COLUMNS: dict[str, str] = {
    "owner": "负责人",
    "owner_id": "负责人工号",
    "previous_owner": "原负责人",
    "score": "评分",
    "tier": "等级",
    "reason_code": "原因代码",
    "reason": "分配原因",
    "due_by": "跟进截止",
    "escalate_at": "升级时间",
    "overdue": "已逾期",
    "source_row": "源行号",
    "issue_codes": "问题代码",
    "issues": "问题说明",
    "status": "跟进结果",
    "notes": "备注",
    "owner_before": "原负责人",
    "owner_after": "新负责人",
    "group": "撞单组",
    "claimant": "认领人",
    "decision": "处理结果",
    # Summary (per rep)
    "new": "新分配",
    "kept": "保留",
    "reclaimed": "回收再分配",
    "handover": "交接",
    "open_total": "在跟客户",
    "capacity_used": "容量使用率",
    "value_new": "新分配价值",
    "value_open": "在跟价值",
    "points_before": "上期积分",
    "points_received": "本期积分",
    "points_balance_new": "新积分余额",
    "tier_A": "A级",
    "tier_B": "B级",
    "tier_C": "C级",
    "overdue_count": "逾期数",
    "available": "可分配",
    "sheet": "明细",
    # Run sheet
    "key": "项目",
    "value_text": "内容",
}


def _column_names() -> dict[str, tuple[str, str]]:
    names: dict[str, tuple[str, str]] = {}
    for spec in (CUSTOMERS, REPS, RULES):
        for column in spec.columns:
            names.setdefault(column.name, (column.zh, column.name))
    for name, zh in _OUTPUT_COLUMNS.items():
        names[name] = (zh, name)
    # Reps' own "name" column reads 姓名, the customers' customer column 客户名称: no clash.
    return names


COLUMN_NAMES: dict[str, tuple[str, str]] = _column_names()

MESSAGES: dict[str, tuple[str, str]] = {
    # --- reading and validation -------------------------------------------------------------
    "file_missing": ("找不到文件 {path}", "file not found: {path}"),
    "file_unreadable": (
        "无法读取 {path}：{why}",
        "cannot read {path}: {why}",
    ),
    "lock_file": (
        "{path} 是 Excel/WPS/LibreOffice 打开“{target}”时留下的锁定文件，不是工作簿；"
        "请改用 {target}（如已关闭 Excel，可删除此锁定文件）",
        "{path} is the lock file Excel/WPS/LibreOffice keeps while '{target}' is open, not a "
        "workbook; use {target} instead (delete the lock file if Excel is closed)",
    ),
    "unsupported_format": (
        "无法读取 {path}：不是 Excel 工作簿或 CSV 文件（{why}）",
        "cannot read {path}: not an Excel workbook or CSV file ({why})",
    ),
    "sheet_missing": (
        "工作簿中没有“{sheet}”工作表（可用的名称：{aliases}；现有工作表：{found}）",
        "the workbook has no '{sheet}' sheet (accepted names: {aliases}; sheets found: {found})",
    ),
    "no_header": (
        "工作表“{sheet}”的前 {rows} 行中找不到表头（需要列：{required}）",
        "sheet '{sheet}': no header row in the first {rows} rows (required columns: {required})",
    ),
    "column_missing": (
        "工作表“{sheet}”缺少必需列“{column}”（表头在第 {row} 行；可用的列名：{aliases}）",
        "sheet '{sheet}' is missing the required column '{column}' (header in row {row}; "
        "accepted headers: {aliases})",
    ),
    "duplicate_header": (
        "工作表“{sheet}”中“{column}”列出现了多次（{cells}）；请只保留一列",
        "sheet '{sheet}': column '{column}' appears more than once ({cells}); keep only one",
    ),
    "no_reps": (
        "工作表“{sheet}”中没有可用的销售人员",
        "sheet '{sheet}' lists no usable sales reps",
    ),
    "no_active_reps": (
        "所有销售人员都不在职或在休假，新客户将全部留在公海池",
        "no rep is active and present: every new customer stays in the pool",
    ),
    "required_blank": (
        "{cell}：“{column}”为必填项，不能为空",
        "{cell}: '{column}' is required and is blank",
    ),
    "not_a_number": (
        "{cell}：“{column}”应为数字，实际为“{value}”",
        "{cell}: '{column}' should be a number, found '{value}'",
    ),
    "negative_number": (
        "{cell}：“{column}”不能为负数（{value}）",
        "{cell}: '{column}' cannot be negative ({value})",
    ),
    "not_an_integer": (
        "{cell}：“{column}”应为非负整数，实际为“{value}”",
        "{cell}: '{column}' should be a whole number >= 0, found '{value}'",
    ),
    "not_positive": (
        "{cell}：“{column}”必须大于 0，实际为“{value}”",
        "{cell}: '{column}' must be greater than 0, found '{value}'",
    ),
    "not_a_date": (
        "{cell}：“{column}”应为日期（如 2026-11-03），实际为“{value}”",
        "{cell}: '{column}' should be a date (e.g. 2026-11-03), found '{value}'",
    ),
    "future_date": (
        "{cell}：“{column}”是未来的日期（{value}），请检查",
        "{cell}: '{column}' is in the future ({value}); please check",
    ),
    "unknown_column": (
        "{cell}：未识别的列“{value}”按原样保留；是否应为“{header}”？"
        '可在 allocator.toml 的 [columns] 中写 {column} = "{value}"',
        "{cell}: unknown column '{value}' is kept as is; did you mean '{header}'? "
        'Map it in allocator.toml: [columns] {column} = "{value}"',
    ),
    "text_too_long": (
        "{cell}：“{column}”有 {length} 个字符，超过 Excel 单元格上限 32,767；"
        "输出的工作簿只保留前 32,767 个字符",
        "{cell}: '{column}' holds {length} characters, more than Excel's 32,767 per cell; "
        "the output workbooks keep the first 32,767",
    ),
    "control_characters": (
        "{cell}：“{column}”含有不可见的控制字符，已删除",
        "{cell}: '{column}' contained invisible control characters; they were removed",
    ),
    "error_cell": (
        "{cell}：“{column}”是 Excel 错误值 {value}；请修正公式或直接填写数值",
        "{cell}: '{column}' holds the Excel error {value}; fix the formula or type the value",
    ),
    "error_cell_ignored": (
        "{cell}：“{column}”是 Excel 错误值 {value}，按空白处理",
        "{cell}: '{column}' holds the Excel error {value}; it is read as blank",
    ),
    "rows_ignored": (
        "{cell}：第 {row} 行起有 {count} 行数据位于 {gap} 多个空行之后，已忽略；"
        "如果它们是客户数据，请删除上方的空行",
        "{cell}: {count} row(s) with values from row {row} on follow more than {gap} empty "
        "rows and were ignored; if they are data, delete the empty rows above them",
    ),
    "columns_ignored": (
        "{cell}：第 {limit} 列（{letter} 列）右侧的 {count} 个单元格已忽略",
        "{cell}: {count} cell(s) right of column {letter} (the {limit}-column limit) were ignored",
    ),
    "no_customers": (
        "工作表“{sheet}”中没有客户数据行，无需分配",
        "sheet '{sheet}' has no customer rows: there is nothing to allocate",
    ),
    "password_required": (
        "{path} 已加密（打开需要密码）；请用 --password 或环境变量 ALLOCATOR_PASSWORD 提供密码",
        "{path} is password-protected (encrypted); give its password with --password or the "
        "ALLOCATOR_PASSWORD environment variable",
    ),
    "wrong_password": (
        "无法打开 {path}：密码不正确",
        "cannot open {path}: the password is wrong",
    ),
    "unknown_intent": (
        "{cell}：无法识别的合作意向“{value}”（可用：高/中/低、high/medium/low、H/M/L）",
        "{cell}: unknown intent '{value}' (use high/medium/low, 高/中/低 or H/M/L)",
    ),
    "unknown_stage": (
        "{cell}：无法识别的跟进状态“{value}”（可用：{allowed}）",
        "{cell}: unknown stage '{value}' (use one of: {allowed})",
    ),
    "unknown_level": (
        "{cell}：无法识别的级别“{value}”（可用：新人/资深/主管、junior/senior/lead）",
        "{cell}: unknown level '{value}' (use junior/senior/lead or 新人/资深/主管)",
    ),
    "unknown_bool": (
        "{cell}：“{column}”应为是/否，实际为“{value}”",
        "{cell}: '{column}' should be yes or no, found '{value}'",
    ),
    "unknown_owner": (
        "{cell}：负责人“{value}”不在销售表中；请在销售表中添加此人（离职请标记在职=否）或清空此格",
        "{cell}: owner '{value}' is not in the Reps sheet; add them there "
        "(mark departed reps active = no) or clear the cell",
    ),
    "duplicate_id": (
        "{cell}：客户编号“{value}”与第 {first} 行重复且内容不同",
        "{cell}: customer_id '{value}' repeats row {first} with different data",
    ),
    "duplicate_row": (
        "{cell}：与第 {first} 行完全相同（客户编号“{value}”），重复行不再分配",
        "{cell}: identical to row {first} (customer_id '{value}'); the copy is not allocated",
    ),
    "duplicate_rep": (
        "{cell}：销售“{value}”重复出现（第 {first} 行）",
        "{cell}: rep '{value}' appears twice (also row {first})",
    ),
    "uncovered_region": (
        "{cell}：没有在职销售负责区域“{value}”，这些客户将留在公海池",
        "{cell}: no active rep covers region '{value}'; its customers will stay in the pool",
    ),
    "zero_capacity": (
        "{cell}：销售“{rep}”本周容量为 0，不会分配新客户",
        "{cell}: rep '{rep}' has capacity 0 and gets no new customers",
    ),
    "closed_without_date": (
        "{cell}：已成交/输单但没有成交时间，成交周期无法计算",
        "{cell}: closed (won/lost) without a closed date; cycle time cannot be computed",
    ),
    "validation_fatal": (
        "输入数据有 {count} 个严重问题，无法分配",
        "the input has {count} fatal problem(s); nothing was allocated",
    ),
    "validation_strict": (
        "输入数据有 {count} 个问题（--strict 模式下任何问题都会终止运行）",
        "the input has {count} problem(s) (--strict stops on any problem)",
    ),
    # --- reasons (§3.8) ----------------------------------------------------------------------
    "reason_kept": (
        "由 {owner} 继续跟进（最近跟进 {last}）",
        "kept by {owner} (last contact {last})",
    ),
    "reason_kept_overdue": (
        "由 {owner} 继续跟进；已超过 {hours} 小时未跟进，已逾期",
        "kept by {owner}; no follow-up for over {hours} hours, overdue",
    ),
    "reason_closed": (
        "已{stage}，保留负责人 {owner}，不参与分配",
        "closed ({stage}); stays with {owner} and is not re-allocated",
    ),
    "reason_closed_no_owner": (
        "已{stage}，无负责人，不参与分配",
        "closed ({stage}) without an owner; not re-allocated",
    ),
    "reason_points": (
        "{area} {n} 名候选人中积分最低（{owner} {points} 分）",
        "lowest points among {n} candidates in {area} ({owner}, {points} points)",
    ),
    "prefix_reclaimed": (
        "{days} 天未跟进，从 {previous} 收回；",
        "no contact for {days} days, reclaimed from {previous}; ",
    ),
    "prefix_handover": (
        "原负责人 {previous} {why}；",
        "previous owner {previous} {why}; ",
    ),
    "why_inactive": ("已离职", "has left"),
    "why_away": ("休假至 {date}", "is away until {date}"),
    "reason_no_territory": (
        "没有在职销售负责 {area}，留在公海池",
        "no active rep covers {area}; stays in the pool",
    ),
    "reason_industry_only": (
        "{area} {n} 名候选人中只有 {owner} 擅长“{industry}”",
        "{owner} is the only one of {n} candidates in {area} who knows {industry}",
    ),
    "reason_round_robin": (
        "{area} {n} 名候选人轮流分配，轮到 {owner}",
        "round robin among {n} candidates in {area}: {owner}'s turn",
    ),
    "reason_weighted": (
        "{area} {n} 名候选人按权重轮流分配，轮到 {owner}（权重 {figure}）",
        "weighted round robin among {n} candidates in {area}: {owner}'s turn (weight {figure})",
    ),
    "reason_balanced": (
        "{area} {n} 名候选人中负载最低（{owner} {figure}）",
        "lowest load among {n} candidates in {area} ({owner}, {figure})",
    ),
    "reason_performance": (
        "{area} {n} 名候选人中“{industry}”预计转化率最高（{owner} {figure}）",
        "highest expected conversion in {industry} among {n} candidates in {area} "
        "({owner}, {figure})",
    ),
    "reason_optimal": (
        "{area} {n} 名候选人中“{industry}”预计转化率最高（{owner} {figure}），容量剩余 {left}",
        "highest expected conversion in {industry} among {n} candidates in {area} "
        "({owner}, {figure}); {left} places left",
    ),
    "reason_optimal_ranked": (
        "{area} {n} 名候选人中“{industry}”预计转化率第 {rank}（{owner} {figure}，最高 {best}）；"
        "{why}，容量剩余 {left}",
        "{owner} ranks {rank} of {n} candidates in {area} on expected conversion in {industry} "
        "({figure}, best {best}); {why}; {left} places left",
    ),
    "optimal_why_full": ("转化率更高者已满", "those converting better are at capacity"),
    "optimal_why_fair": (
        "转化率更高者已达公平上限",
        "those converting better reached their fairness limit",
    ),
    "optimal_why_full_fair": (
        "转化率更高者已满或已达公平上限",
        "those converting better are at capacity or at their fairness limit",
    ),
    "optimal_why_plan": ("按全周统筹安排", "placed so by the whole-week plan"),
    "suffix_optimal_over": (
        "；{owner} 的积分超出公平上限（积分制同样超出，且超出不多于积分制）",
        "; {owner} is above the fairness limit (as under points, and no further)",
    ),
    "suffix_industry_first": (
        "（擅长“{industry}”者优先）",
        " (reps who know {industry} first)",
    ),
    "reason_referral": (
        "由第 {row} 行的客户转介绍，归其负责人 {owner} 跟进",
        "referred by the customer of row {row}, whose owner {owner} takes it",
    ),
    "prefix_rule": ("规则“{rule}”：", "rule '{rule}': "),
    "reason_pool_rule": (
        "规则“{rule}”指定留在公海池",
        "rule '{rule}' keeps it in the pool",
    ),
    "reason_no_rule_rep": (
        "{area} 均不可分配（离职、休假或为原负责人），留在公海池",
        "no one in {area} is available (left, away or the previous owner); stays in the pool",
    ),
    "unknown_rule_target": (
        "{cell}：“分配给”的值“{value}”无法识别；请填写销售的工号或姓名、团队（团队:{teams}）、"
        "级别（级别:主管）或“公海”",
        "{cell}: assign_to '{value}' names no rep (id or name), team (team:…, teams: {teams}), "
        "level (level:lead) or pool",
    ),
    "unknown_rule_team": (
        "{cell}：团队“{value}”不在销售表中（现有团队：{teams}）",
        "{cell}: team '{value}' is not in the Reps sheet (teams: {teams})",
    ),
    "unknown_rule_method": (
        "{cell}：无法识别的分配方式“{value}”：{why}",
        "{cell}: unknown method '{value}': {why}",
    ),
    "unknown_rule_region": (
        "{cell}：区域“{value}”既不在客户数据中也不在任何销售的负责区域中（最接近的：{hint}）",
        "{cell}: region '{value}' appears neither in the customers nor in any rep's territories "
        "(closest: {hint})",
    ),
    "unknown_rule_intent": (
        "{cell}：无法识别的意向“{value}”（可用：高/中/低、high/medium/low）",
        "{cell}: unknown intent '{value}' (use high/medium/low or 高/中/低)",
    ),
    "unknown_rule_tier": (
        "{cell}：无法识别的等级“{value}”（可用：A/B/C）",
        "{cell}: unknown tier '{value}' (use A, B or C)",
    ),
    "rule_value_range": (
        "{cell}：最高价值 {value} 必须大于最低价值 {low}",
        "{cell}: max_value {value} must be greater than min_value {low}",
    ),
    "reason_no_other_rep": (
        "{area} 除原负责人外没有可接手的在职销售，留在公海池",
        "no active rep in {area} other than the previous owner; stays in the pool",
    ),
    "reason_no_level": (
        "{area} {n} 名候选人中没有{level}及以上级别的销售（{tier} 级客户），留在公海池",
        "none of the {n} candidates in {area} is {level} or above (tier {tier}); stays in the pool",
    ),
    "reason_no_industry": (
        "{area} 没有擅长“{industry}”的销售（行业匹配为必需），留在公海池",
        "no rep in {area} lists industry '{industry}' (industry match is required); "
        "stays in the pool",
    ),
    "reason_no_capacity": (
        "{area} {n} 名候选人本周容量均已满，留在公海池",
        "all {n} candidates in {area} are at capacity this week; stays in the pool",
    ),
    # --- duplicates (撞单, §3.1) ----------------------------------------------------------------
    "reason_duplicate_of_owned": (
        "与第 {row} 行（{customer}）为同一客户，归 {owner} 跟进",
        "same customer as row {row} ({customer}), which {owner} owns",
    ),
    "reason_conflict": (
        "撞单：{losers} 也在跟进此客户，按{rule}规则归 {owner}（第 {row} 行）",
        "duplicate also claimed by {losers}; kept by {owner} under '{rule}' (row {row})",
    ),
    "decision_conflict": (
        "按{rule}规则归 {owner}（第 {row} 行）",
        "kept by {owner} under '{rule}' (row {row})",
    ),
    "prefix_same_customer": ("与第 {row} 行为同一客户；", "same customer as row {row}; "),
    "policy_earliest": ("最早录入", "earliest"),
    "policy_latest_contact": ("最近跟进", "latest_contact"),
    "policy_highest_value": ("价值最高", "highest_value"),
    # --- --write-back (a copy of the input with the results) ------------------------------------
    "wb_unsupported_format": (
        "--write-back 只能用于 .xlsx 或 .xlsm 工作簿，而 {path} 是 {format} 文件；"
        "请去掉 --write-back，或先在 Excel/WPS 中将其另存为 .xlsx",
        "--write-back works on .xlsx and .xlsm workbooks only, and {path} is a {format} file; "
        "drop --write-back, or save it as .xlsx in Excel/WPS first",
    ),
    "wb_merged_too_large": (
        "未生成回写副本：{path} 的工作表“{sheet}”有合并单元格覆盖 {cells} 个单元格，"
        "用 openpyxl 复制会耗尽内存；请取消这些合并后再用 --write-back",
        "not writing the copy: sheet '{sheet}' of {path} has merged ranges covering {cells} "
        "cells, which a copy made with openpyxl cannot hold in memory; unmerge them to use "
        "--write-back",
    ),
    "wb_refused": (
        "未生成回写副本 {copy}：{path} 含有用 openpyxl 复制时会丢失或被改动的内容：{features}。"
        "原文件不会被修改；请去掉 --write-back，或加 --force 生成不含这些内容的副本",
        "not writing the copy {copy}: {path} holds content that a copy made with openpyxl "
        "would lose or alter: {features}. The input itself is never modified; drop "
        "--write-back, or pass --force to write the copy without that content",
    ),
    "wb_lost": (
        "回写副本 {copy} 不含原工作簿中的：{features}（原文件未修改）",
        "the copy {copy} lacks what the input holds: {features} (the input is unchanged)",
    ),
    "wb_merged_owner": (
        "{sheet} 中有 {n} 个负责人单元格位于合并单元格内，未填写（如 {cell}）",
        "{n} owner cells on sheet '{sheet}' are inside merged cells and were left as they "
        "are (e.g. {cell})",
    ),
    "wb_changed": (
        "{path} 在读取之后被修改过（是否在 Excel 中保存过？），未生成回写副本；请重新运行",
        "{path} changed after it was read (saved in Excel meanwhile?); the write-back copy "
        "was not made; run again",
    ),
    "wb_unreadable": (
        "无法生成回写副本：openpyxl 无法读取 {path}（{why}）；其余输出文件已写出",
        "cannot make the write-back copy: openpyxl cannot read {path} ({why}); the other "
        "outputs are written",
    ),
    "wb_feature_on": ("{feature}（工作表：{sheets}）", "{feature} (sheet {sheets})"),
    "wb_feature_macros": ("宏（VBA/宏表）", "macros (VBA, macro sheets)"),
    "wb_feature_shapes": ("形状和文本框", "shapes and text boxes"),
    "wb_feature_charts": ("图表", "charts"),
    "wb_feature_images": ("图片", "pictures"),
    "wb_feature_pivot_tables": ("数据透视表", "pivot tables"),
    "wb_feature_slicers": ("切片器", "slicers"),
    "wb_feature_timelines": ("日程表", "timelines"),
    "wb_feature_sparklines": ("迷你图", "sparklines"),
    "wb_feature_conditional_formats_x14": (
        "Excel 2010 起的条件格式（数据条、图标集等）",
        "Excel 2010+ conditional formats (data bars, icon sets…)",
    ),
    "wb_feature_data_validations_x14": (
        "引用其他工作表的数据验证",
        "data validations referring to other sheets",
    ),
    "wb_feature_threaded_comments": ("批注对话（线程批注）", "threaded comments"),
    "wb_feature_form_controls": ("表单控件", "form controls"),
    "wb_feature_activex": ("ActiveX 控件", "ActiveX controls"),
    "wb_feature_embedded_objects": ("嵌入对象", "embedded objects"),
    "wb_feature_cell_images": ("单元格内图片或数据类型", "pictures in cells or data types"),
    "wb_feature_dynamic_arrays": ("动态数组公式", "dynamic array formulas"),
    "wb_feature_data_connections": ("数据连接和查询表", "data connections and query tables"),
    "wb_feature_power_query": ("Power Query 查询", "Power Query queries"),
    "wb_feature_data_model": ("数据模型（Power Pivot）", "the data model (Power Pivot)"),
    "wb_feature_web_extensions": ("Office 加载项", "Office add-ins"),
    "wb_feature_protected_ranges": ("允许编辑区域", "protected ranges"),
    "wb_feature_extensions": ("其他 Excel 扩展内容（extLst）", "other Excel extensions (extLst)"),
    # --- allocator compare ----------------------------------------------------------------------
    "compare_title": ("分配策略对比 {date}", "Strategy comparison {date}"),
    "compare_input": ("输入文件：{name}", "Input: {name}"),
    "compare_as_of": ("运行时间：{time}", "As of: {time}"),
    "compare_footer": (
        "由 allocator {version} 生成 · {time}",
        "Generated by allocator {version} · {time}",
    ),
    "compare_overview": ("各策略总体对比", "Overview"),
    "compare_per_rep": ("每位销售的新分配客户数", "New customers per rep"),
    "compare_more_reps": (
        "另有 {n} 名销售，见 compare.xlsx",
        "{n} more reps in compare.xlsx",
    ),
    "compare_note": (
        "预计成交额 = Σ 潜在价值 × 负责人在该行业的平滑转化率（本期新分配的客户）；"
        "份额 = 本期积分 ÷ 加权公平份额；负责人变化与第一个策略相比。",
        "Expected won value = Σ value × the owner's smoothed conversion rate in the industry "
        "(customers handed out this run); share = points received ÷ weighted fair share; "
        "owner changes against the first strategy.",
    ),
    "compare_col_strategy": ("策略", "Strategy"),
    "compare_col_assigned": ("新分配", "Assigned"),
    "compare_col_unassigned": ("公海池", "Unassigned"),
    "compare_col_expected_won_value": ("预计成交额", "Expected won value"),
    "compare_col_gain": ("较第一个", "vs first"),
    "compare_col_gini_points": ("积分基尼", "Gini points"),
    "compare_col_gini_load": ("负载基尼", "Gini load"),
    "compare_col_max_min_share_ratio": ("份额最高/最低", "Max/min share"),
    "compare_col_owner_changes_vs_first": ("负责人变化", "Owner changes"),
    "compare_col_customer_id": ("客户编号", "Customer ID"),
    "compare_col_customer": ("客户名称", "Customer"),
    "compare_col_differs": ("负责人不同", "Owners differ"),
    "compare_col_rep_id": ("工号", "Rep ID"),
    "compare_col_name": ("姓名", "Name"),
    "compare_col_new": ("新分配·{strategy}", "New · {strategy}"),
    "compare_col_points": ("积分·{strategy}", "Points · {strategy}"),
    "compare_sheet_summary": ("对比汇总", "Summary"),
    "compare_sheet_owners": ("负责人对比", "Owners"),
    "compare_sheet_reps": ("销售对比", "Reps"),
    "compare_written": ("已写入 {files}", "wrote {files}"),
    # --- output workbook labels ---------------------------------------------------------------
    "label_total": ("合计", "Total"),
    "label_back": ("← 返回{summary}", "← Back to {summary}"),
    "label_fairness": ("公平性", "Fairness"),
    "label_gini_value": ("新分配价值基尼系数", "Gini of new value"),
    "label_gini_load": ("负载基尼系数（新分配/容量）", "Gini of load (new / capacity)"),
    "label_share_max": ("积分/公平份额 最高", "Points / fair share, highest"),
    "label_share_min": ("积分/公平份额 最低", "Points / fair share, lowest"),
    "label_active_reps": ("可分配销售数", "Reps with capacity"),
    "label_input_file": ("输入文件", "Input file"),
    "label_input_sha256": ("输入文件 SHA-256", "Input SHA-256"),
    "label_strategy": ("分配策略", "Strategy"),
    "label_version": ("版本", "Version"),
    "label_language": ("语言", "Language"),
    "label_as_of": ("运行时间", "As of"),
    "label_settings_file": ("配置文件", "Settings file"),
    "label_defaults": ("（默认设置）", "(defaults)"),
    "never": ("从未跟进", "never"),
    "level_junior": ("新人", "junior"),
    "level_senior": ("资深", "senior"),
    "level_lead": ("主管", "lead"),
    "stage_new": ("新建", "new"),
    "stage_contacted": ("已联系", "contacted"),
    "stage_qualified": ("需求确认", "qualified"),
    "stage_proposal": ("方案提交", "proposal"),
    "stage_negotiation": ("商务谈判", "negotiation"),
    "stage_won": ("成交", "won"),
    "stage_lost": ("输单", "lost"),
    "intent_high": ("高", "high"),
    "intent_medium": ("中", "medium"),
    "intent_low": ("低", "low"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
}


def _index(lang: str) -> int:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    return LANGUAGES.index(lang)


def t(lang: str, key: str, /, **values: object) -> str:
    """The message ``key`` in ``lang`` with its placeholders filled."""
    template = MESSAGES[key][_index(lang)]
    return template.format(**values) if values else template


def sheet_label(lang: str, sheet: str) -> str:
    """The sheet name written in ``lang`` (canonical English name → display)."""
    return SHEET_NAMES[sheet][_index(lang)]


def column_label(lang: str, column: str) -> str:
    """A column header in ``lang``; unknown (carried-through) columns keep their own header."""
    names = COLUMN_NAMES.get(column)
    return names[_index(lang)] if names else column


def placeholders(template: str) -> set[str]:
    """The ``{names}`` a template uses."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def fill(lang: str, key: str, index: pd.Index, /, **values: object) -> pd.Series:
    """Format message ``key`` for every row of ``index`` at once.

    Each value is a Series aligned on ``index`` or a scalar; missing values render as empty text.
    Numbers should be pre-formatted to text by the caller (the template decides nothing).
    """
    template = MESSAGES[key][_index(lang)]
    result = pd.Series(np.full(len(index), "", dtype=object), index=index)
    for literal, name, spec, _ in string.Formatter().parse(template):
        if literal:
            result = result + literal
        if name is None:
            continue
        if spec:
            raise ValueError(f"message {key!r}: format specs belong in the caller ({spec!r})")
        value = values[name]
        if isinstance(value, pd.Series):
            text = value.reindex(index).astype(object).where(value.reindex(index).notna(), "")
            result = result + text.astype(str)
        else:
            result = result + ("" if value is None else str(value))
    return result


def translate_values(lang: str, prefix: str, series: pd.Series) -> pd.Series:
    """Map codes such as stage ``won`` to their label (``成交``) through ``{prefix}_{code}``
    keys."""
    labels: Mapping[str, str] = {
        key[len(prefix) + 1 :]: pair[_index(lang)]
        for key, pair in MESSAGES.items()
        if key.startswith(prefix + "_")
    }
    return series.map(labels).fillna(series)
