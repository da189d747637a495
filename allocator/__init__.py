"""allocator: weekly customer allocation for sales teams, from Excel to Excel.

Library use::

    from allocator import read_workbook, validate, allocate, run
"""

from __future__ import annotations

__version__ = "0.1.0"

from .allocate import allocate  # noqa: E402
from .pipeline import run  # noqa: E402
from .schema import validate  # noqa: E402
from .settings import Settings, load_settings  # noqa: E402
from .workbook import read_workbook  # noqa: E402


def write_outputs(*args: object, **kwargs: object) -> object:
    """Write the workbooks and files of an allocation (see :func:`allocator.export.write_outputs`)."""
    from .export import write_outputs as _write

    return _write(*args, **kwargs)  # type: ignore[arg-type]


def render_report(*args: object, **kwargs: object) -> str:
    """Render the HTML report of an allocation (see :mod:`allocator.report`)."""
    from .report import build_report_context, render_report as _render

    allocation = args[0]
    lang = str(kwargs.get("lang", "en"))
    return _render(build_report_context(allocation, lang=lang), lang=lang)  # type: ignore[arg-type]


__all__ = [
    "Settings",
    "__version__",
    "allocate",
    "load_settings",
    "read_workbook",
    "render_report",
    "run",
    "validate",
    "write_outputs",
]
