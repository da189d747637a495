"""Texts that only the output workbooks use, in Chinese and English.

They belong in :mod:`allocator.i18n`'s catalogue; they live here until that module takes them, and
the test suite checks that both languages have the same keys.
"""

from __future__ import annotations

__all__ = ["LABELS", "label"]

LABELS: dict[str, tuple[str, str]] = {
    "total": ("合计", "Total"),
    "back": ("← 返回{summary}", "← Back to {summary}"),
    "fairness": ("公平性", "Fairness"),
    "gini_value": ("新分配价值基尼系数", "Gini of new value"),
    "gini_load": ("负载基尼系数（新分配/容量）", "Gini of load (new / capacity)"),
    "share_max": ("积分/公平份额 最高", "Points / fair share, highest"),
    "share_min": ("积分/公平份额 最低", "Points / fair share, lowest"),
    "active_reps": ("可分配销售数", "Reps with capacity"),
    "input_file": ("输入文件", "Input file"),
    "input_sha256": ("输入文件 SHA-256", "Input SHA-256"),
    "strategy": ("分配策略", "Strategy"),
    "version": ("版本", "Version"),
    "language": ("语言", "Language"),
    "as_of": ("运行时间", "As of"),
    "settings_file": ("配置文件", "Settings file"),
    "defaults": ("（默认设置）", "(defaults)"),
}


def label(lang: str, key: str, /, **values: object) -> str:
    """The label ``key`` in ``lang`` (``zh`` or ``en``) with its placeholders filled."""
    text = LABELS[key][0 if lang == "zh" else 1]
    return text.format(**values) if values else text
