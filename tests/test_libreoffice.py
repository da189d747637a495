"""A real client: LibreOffice (headless) opens each kind of output workbook and prints it to PDF.

The Chinese sample is allocated with ``--write-back``; the manager workbook, one per-rep workbook
and the write-back copy are each converted with ``soffice --convert-to pdf``. CI installs
LibreOffice (Debian's ``libreoffice-calc-nogui``); without ``soffice`` these tests are skipped.
When poppler's ``pdfinfo``/``pdftotext`` are installed the page count and the Chinese text of
the PDF are checked too.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from allocator.cli import cli

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not installed; CI installs it"
)

SAMPLE = Path(__file__).resolve().parents[1] / "sample_workbooks" / "sample_zh.xlsx"
TIMEOUT = 240
_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lo") / "out"
    result = CliRunner().invoke(
        cli,
        ["run", str(SAMPLE), "--as-of", "2026-11-23T09:00", "--out", str(out), "--write-back"],
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A LibreOffice user profile of the tests' own: never the user's, never shared."""
    return tmp_path_factory.mktemp("lo-profile")


def _convert(workbook: Path, profile: Path, pdf_dir: Path) -> Path:
    assert SOFFICE is not None
    command = [
        SOFFICE,
        "--headless",
        "--norestore",
        f"-env:UserInstallation={profile.as_uri()}",
        "--convert-to",
        "pdf",
        "--outdir",
        str(pdf_dir),
        str(workbook),
    ]
    done = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    pdf = pdf_dir / (workbook.stem + ".pdf")
    assert pdf.exists(), (done.stdout + done.stderr).decode(errors="replace")
    return pdf


def _pages(pdf: Path) -> int:
    if shutil.which("pdfinfo"):
        info = subprocess.run(
            ["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=60, check=True
        )
        match = re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE)
        assert match, info.stdout
        return int(match.group(1))
    # LibreOffice writes one uncompressed page object per page.
    return len(_PAGE.findall(pdf.read_bytes()))


def _text(pdf: Path) -> str | None:
    if not shutil.which("pdftotext"):
        return None
    done = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, timeout=60, check=True
    )
    return done.stdout.decode("utf-8", errors="replace")


def _kinds(out: Path) -> dict[str, tuple[Path, tuple[str, ...]]]:
    """Each kind of workbook and texts its PDF must show."""
    rep = sorted((out / "reps").glob("*.xlsx"))[0]
    return {
        "manager": (out / "assignments.xlsx", ("工号", "姓名", rep.stem)),
        "rep": (rep, ("客户编号", "客户名称", "分配原因")),
        "write-back": (out / "sample_zh.allocated.xlsx", ("客户分配表", "客户名称", "负责人")),
    }


@pytest.mark.parametrize("kind", ["manager", "rep", "write-back"])
def test_libreoffice_prints_each_output_workbook(
    outputs: Path, profile: Path, tmp_path: Path, kind: str
) -> None:
    workbook, expected = _kinds(outputs)[kind]
    assert workbook.exists()

    pdf = _convert(workbook, profile, tmp_path)

    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    assert _pages(pdf) >= 1
    text = _text(pdf)
    if text is not None:  # Chinese drawn as text, not lost or replaced
        for snippet in expected:
            assert snippet in text, (kind, snippet)
