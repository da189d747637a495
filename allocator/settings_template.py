"""The commented default ``allocator.toml`` that ``allocator init`` writes (zh + en comments).

A test parses this text and checks it equals ``Settings()``, so the file and the defaults can
never drift apart.
"""

from __future__ import annotations

__all__ = ["DEFAULT_TOML"]

DEFAULT_TOML = """\
# allocator.toml — 分配策略设置 / allocation policy
# 删除任何一行即使用默认值 / delete any line to use its default.
# 未知的键会报错并提示最接近的键名 / unknown keys are errors with a did-you-mean hint.

# 分配方式 / strategy:
#   points 积分制 (默认 default) | round_robin 轮询 | weighted 权重轮询 |
#   balanced 负载均衡 | performance 绩效 | optimal 全局最优
strategy = "points"

# 输出语言 / output language: auto (按输入表头 from the input headers) | zh | en
language = "auto"

[scoring]
# 评分 = 各项归一化后的加权和，0–100 / score = weighted sum of normalised components, 0–100
value = 0.4          # 潜在价值（对数缩放）/ potential value (log-scaled)
intent = 0.3         # 合作意向：高 1.0、中 0.6、低 0.2 / intent: high 1.0, medium 0.6, low 0.2
history = 0.2        # 历史交易（对数缩放，老客户优先）/ past revenue (log-scaled; returning first)
source = 0.1         # 线索来源得分 / lead source points
default_source = 0.5 # 未列出的来源得分 / points of a source not listed below
# 各来源得分 0–1 / points per source, 0–1, e.g. { "转介绍" = 1.0, "官网注册" = 0.6 }
sources = {}
# 等级阈值：>= A 为 A 级，>= B 为 B 级，其余 C 级 / tier thresholds: >= A → A, >= B → B, else C
tiers = { A = 70.0, B = 40.0 }

[eligibility]
# 行业匹配 / industry match: required 必须 | preferred 优先 | ignore 忽略
industry_match = "preferred"
# 各等级客户的最低销售级别 / lowest rep level per tier (junior 新人 | senior 资深 | lead 主管)
min_level = { A = "senior" }

[sla]
# 首次跟进时限（小时，按意向）/ first follow-up deadline in hours, by intent
high_hours = 24.0
medium_hours = 48.0
low_hours = 72.0
# 超过此天数未跟进则升级给主管 / escalate to the manager after this many days
escalate_after_days = 3.0

[pool]
# 超过此天数未跟进的客户收回公海池 / open customers without contact this long are reclaimed
reclaim_after_days = 30.0
# 收回的客户不再分给原负责人 / a reclaimed customer goes to someone else
exclude_previous_owner = true

[duplicates]
# 撞单时由谁保留：earliest 最早录入 | latest_contact 最近跟进 | highest_value 价值最高
# who keeps a duplicate group claimed by several owners
conflict_policy = "earliest"

[optimal]
# 全局最优：每位销售的积分（余额 + 本期所得）不超过其加权公平份额的 (1 + fairness_slack) 倍；
# 积分制本身已让其超出的销售，超出部分不多于积分制；inf 表示不限制
# optimal: no rep's points (balance + received) above (1 + fairness_slack) × its weighted fair
# share; a rep whom points (积分制) itself puts above it goes no further above than under
# points; inf turns the limit off
fairness_slack = 0.25

[columns]
# 自定义表头：标准列名 = 你的表头 / your own headers: canonical column = your header, e.g.
# customer = "客户全称"
# value = "预估成交额（元）"

[output]
per_rep_workbooks = true  # 每位销售一个工作簿 / one workbook per rep
mask_contacts = true      # 团队总表中隐藏电话邮箱 / mask phone and email in the team workbook
rep_sheets_max = 50       # 销售人数不超过此数时每人一个工作表 / a sheet per rep up to this many
table_rows_max = 100000   # 超过此行数用筛选代替 Excel 表格 / larger sheets get a plain filter
"""
