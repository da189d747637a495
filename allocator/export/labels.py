"""Labels of the output workbooks (totals, links, fairness block, Run sheet), from the message
catalogue of :mod:`allocator.i18n` under ``label_*`` keys."""

from __future__ import annotations

from ..i18n import MESSAGES, t

__all__ = ["LABEL_KEYS", "label"]

LABEL_KEYS = tuple(key.removeprefix("label_") for key in MESSAGES if key.startswith("label_"))


def label(lang: str, key: str, /, **values: object) -> str:
    """The label ``key`` in ``lang`` (``zh`` or ``en``) with its placeholders filled."""
    return t(lang, f"label_{key}", **values)
