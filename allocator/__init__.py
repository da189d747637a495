"""allocator: weekly customer allocation for sales teams, from Excel to Excel.

Library use::

    from allocator import read_workbook, validate, allocate, write_outputs, run
"""

from __future__ import annotations

__version__ = "0.1.0"

from .allocate import allocate
from .export import write_outputs
from .pipeline import run
from .report import build_report_context, render_report
from .schema import validate
from .settings import Settings, load_settings
from .workbook import read_workbook

__all__ = [
    "Settings",
    "__version__",
    "allocate",
    "build_report_context",
    "load_settings",
    "read_workbook",
    "render_report",
    "run",
    "validate",
    "write_outputs",
]
