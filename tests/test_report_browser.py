"""The report in a real browser: headless Chromium (Debian's ``chromium``, installed by CI with
``fonts-wqy-microhei``) lays it out within 640 px and draws its Chinese with a CJK font.

A copy of the report gets a probe script that measures the layout and draws glyphs on a canvas
with the report's own font stack; ``--dump-dom`` hands the measurements back as JSON. The report
itself is never changed (it must stay script-free): only the copy in the test's tmp dir is.

Tofu check: a character no font has (U+10FFFD) is drawn as the "missing glyph" box. Chinese text
drawn with a real CJK font gives two different ideographs two different pictures, each unlike
that box; without one, every ideograph is the same box.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from test_report import large_reps, make_allocation

from allocator.book import book_state
from allocator.model import RunInfo
from allocator.pipeline import prepare, run
from allocator.report import build_report_context, render_report
from allocator.settings import Settings

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (CI installs Debian's chromium and fonts-wqy-microhei)",
)

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"
AS_OF = datetime(2026, 11, 23, 9, 0)
WIDTH = 640
TIMEOUT = 120

PROBE = r"""<script>
function glyph(text, font) {
  var canvas = document.createElement('canvas');
  canvas.width = 120; canvas.height = 120;
  var g = canvas.getContext('2d');
  g.font = font; g.fillStyle = '#000'; g.textBaseline = 'top';
  g.fillText(text, 4, 4);
  var data = g.getImageData(0, 0, 120, 120).data, hash = 0, ink = 0;
  for (var i = 3; i < data.length; i += 4) { hash = (hash * 31 + data[i]) | 0; if (data[i]) ink++; }
  return {hash: hash, ink: ink, width: g.measureText(text).width};
}
window.addEventListener('load', function () {
  document.fonts.ready.then(function () {
    var wrap = document.querySelector('table');
    var stack = getComputedStyle(wrap).fontFamily;
    var font = '100px ' + stack;
    var rights = Array.prototype.map.call(document.querySelectorAll('body *'), function (e) {
      return e.getBoundingClientRect().right;
    });
    var probe = {
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
      scrollHeight: document.documentElement.scrollHeight,
      wrapWidth: wrap.getBoundingClientRect().width,
      maxRight: Math.max.apply(null, rights),
      stack: stack,
      first: glyph('\u5ba2', font),
      second: glyph('\u6237', font),
      missing: glyph('\u{10FFFD}', font),
      wqy: glyph('\u5ba2', '100px "WenQuanYi Micro Hei"'),
      title: getComputedStyle(document.querySelector('td')).fontFamily
    };
    var out = document.createElement('pre');
    out.id = 'probe';
    out.textContent = JSON.stringify(probe);
    document.body.appendChild(out);
  });
});
</script>"""


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless=new",
        "--no-sandbox",  # CI containers run as root, where the sandbox refuses to start
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)


def _probe(html: str, tmp_path: Path, name: str) -> dict[str, Any]:
    """Load a probed copy of ``html`` at 640 px and return what the probe measured."""
    assert "</body>" in html and "<script" not in html
    copy = tmp_path / f"{name}.probe.html"
    copy.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    done = _chromium(
        f"--window-size={WIDTH},1000",
        "--virtual-time-budget=10000",
        "--dump-dom",
        copy.as_uri(),
    )
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.DOTALL)
    assert found, f"no probe output (exit {done.returncode}): {done.stderr[-2000:]}"
    return dict(json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&")))


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return int(width), int(height)


def _sample_report(name: str, lang: str | None = None) -> str:
    result = run(SAMPLES / name, settings=Settings(), as_of=AS_OF, lang=lang, dry_run=True)
    context = build_report_context(result.allocation, lang=result.lang)
    return render_report(context, lang=result.lang)


def _book_report(name: str) -> str:
    settings = Settings()
    prepared = prepare(SAMPLES / name, settings=settings, as_of=AS_OF)
    info = RunInfo(
        input_path=name,
        input_sha256="0" * 64,
        as_of=AS_OF,
        strategy=settings.strategy,
        language=prepared.lang,
        version="0.1.0",
    )
    allocation = book_state(prepared.inputs, settings, as_of=AS_OF, run=info)
    context = build_report_context(allocation, lang=prepared.lang, mode="book")
    return render_report(context, lang=prepared.lang)


def _assert_within_640(probe: dict[str, Any]) -> None:
    assert probe["clientWidth"] == WIDTH, probe  # the window really is 640 px wide
    assert probe["scrollWidth"] <= WIDTH, f"horizontal overflow: {probe}"
    assert probe["wrapWidth"] <= WIDTH and probe["maxRight"] <= WIDTH, probe


def test_chinese_sample_report_renders_within_640px_with_a_cjk_font(tmp_path: Path) -> None:
    html = _sample_report("sample_zh.xlsx")
    report = tmp_path / "report_zh.html"
    report.write_text(html, encoding="utf-8")
    probe = _probe(html, tmp_path, "report_zh")
    _assert_within_640(probe)

    # The report's own font stack, as the browser resolved it for the layout table.
    assert "WenQuanYi Micro Hei" in probe["stack"] and "Microsoft YaHei" in probe["stack"]
    first, second, missing = probe["first"], probe["second"], probe["missing"]
    assert first["ink"] > 0 and second["ink"] > 0
    assert first["hash"] != second["hash"], "two ideographs drawn alike: tofu boxes"
    assert first["hash"] != missing["hash"] and second["hash"] != missing["hash"], "tofu"
    # A CJK font draws ideographs one em wide (100 px at 100 px).
    assert first["width"] == pytest.approx(100, abs=2) and second["width"] == pytest.approx(
        100, abs=2
    )
    if first["hash"] == probe["wqy"]["hash"]:
        print("CJK text is drawn with WenQuanYi Micro Hei")

    screenshot = tmp_path / "report_zh.png"
    height = int(probe["scrollHeight"])
    done = _chromium(
        f"--window-size={WIDTH},{height}", f"--screenshot={screenshot}", report.as_uri()
    )
    assert screenshot.is_file(), done.stderr[-2000:]
    assert _png_size(screenshot) == (WIDTH, height)
    assert screenshot.stat().st_size > 50_000  # a page of text and bars, not a blank image
    print(f"screenshot: {screenshot}")


@pytest.mark.parametrize("case", ["sample_en", "book_zh", "reps_200_zh", "reps_200_en"])
def test_reports_do_not_overflow_640px(tmp_path: Path, case: str) -> None:
    if case == "sample_en":
        html = _sample_report("sample_en.xlsx")
    elif case == "book_zh":
        html = _book_report("sample_zh.xlsx")
    else:
        lang = case[-2:]
        context = build_report_context(make_allocation(large_reps(200)), lang=lang)
        html = render_report(context, lang=lang)
    _assert_within_640(_probe(html, tmp_path, case))
