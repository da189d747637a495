"""allocator: weekly customer allocation for sales teams, from Excel to Excel.

Library use::

    from allocator import read_workbook, validate, allocate, write_outputs, run
"""

from __future__ import annotations

__version__ = "0.1.0"

from .allocate import allocate  # noqa: E402
from .export import write_outputs  # noqa: E402
from .pipeline import run  # noqa: E402
from .report import build_report_context, render_report  # noqa: E402
from .schema import validate  # noqa: E402
from .settings import Settings, load_settings  # noqa: E402
from .workbook import read_workbook  # noqa: E402

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
