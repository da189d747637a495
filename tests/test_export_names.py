"""Safe sheet and file names derived from rep names."""

from __future__ import annotations

import re

import pytest

from allocator.export import safe_file_name, safe_sheet_name

LONG = "Guangdong Enterprise Key Accounts Team Lead"  # 43 characters


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Rep: 张伟/Q1", "Rep_ 张伟_Q1"),
        ("张伟", "张伟"),
        ("a[b]c*d?e\\f", "a_b_c_d_e_f"),
        ("'quoted'", "quoted"),
        ("History", "History (2)"),
        ("history", "history (2)"),
        ("", "Sheet"),
        ("   ", "Sheet"),
        ("CON", "CON"),
        (LONG, LONG[:31]),
        ("😀" * 20, "😀" * 15),
    ],
)
def test_safe_sheet_name(name: str, expected: str) -> None:
    result = safe_sheet_name(name, set())
    assert result == expected
    assert len(result.encode("utf-16-le")) // 2 <= 31
    assert not re.search(r"[\[\]:*?/\\]", result)
    assert not result.startswith("'") and not result.endswith("'")


def test_sheet_names_unique_case_insensitively() -> None:
    taken = {"Summary", "Assignments"}
    names = [safe_sheet_name(n, taken) for n in ["li na", "Li Na", "LI NA", "summary", LONG, LONG]]
    assert names == [
        "li na",
        "Li Na (2)",
        "LI NA (3)",
        "summary (2)",
        LONG[:31],
        LONG[:27].rstrip() + " (2)",
    ]
    assert all(len(n) <= 31 for n in names)
    assert {"Li Na (2)", "summary (2)"} <= taken


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Rep: 张伟/Q1", "Rep_ 张伟_Q1"),
        ("CON", "_CON"),
        ("con.txt", "_con.txt"),
        ("LPT1", "_LPT1"),
        ("Com9", "_Com9"),
        ("console", "console"),
        ('a<b>c:d"e/f\\g|h?i*j', "a_b_c_d_e_f_g_h_i_j"),
        ("tab\there", "tab_here"),
        ("trailing. ", "trailing"),
        (".hidden", "_hidden"),
        ("...", "rep"),
        ("x" * 150, "x" * 100),
        ("张" * 150, "张" * 66),
    ],
)
def test_safe_file_name(name: str, expected: str) -> None:
    result = safe_file_name(name, set())
    assert result == expected
    assert len(result) <= 100 and len((result + " (99).xlsx").encode()) <= 255
    assert not re.search(r'[<>:"/\\|?*\x00-\x1f]', result)
    assert not result.endswith((".", " "))


def test_file_names_unique_case_insensitively() -> None:
    taken: set[str] = set()
    names = [
        safe_file_name(n, taken) for n in ["Li Na", "li na", "Li/Na", "Li_Na", "x" * 120, "X" * 120]
    ]
    assert names == ["Li Na", "li na (2)", "Li_Na", "Li_Na (2)", "x" * 100, "X" * 96 + " (2)"]
