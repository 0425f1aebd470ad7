"""report.html in a real browser: Debian's chromium, headless, driven by Playwright.

The page must render (title, every section), every chart must decode (an <img> whose
data URI is broken has naturalWidth 0), nothing may log a console error, and the
tables must sort in the page by a click on a header. A screenshot of the whole page
is kept in tests/artefacts/ (git-ignored) and its path printed.

Playwright never downloads a browser here: it launches /usr/bin/chromium, which
`make test` installs as root (mk/browser.mk). Without it the test is skipped.
"""
import re
from pathlib import Path

import pytest

from harness.analysis import report

CHROMIUM = Path("/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parents[1] / "artefacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SECTIONS = ["Overview", "The article's claims, checked", "Environment", "Servers", "Charts",
            "Results by workload", "Stability warnings", "Flagged runs"]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"Debian's chromium is not installed at {CHROMIUM} (make test installs it as root: "
           "apt-get install chromium)")


@pytest.fixture(scope="module")
def page(tmp_path_factory, fixture_dir):
    """The fixture campaign's report.html, loaded in chromium, with what the console said."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("chromium is installed but Playwright is not: it comes with the test extra "
                    "(make venv installs requirements.lock.txt)")
    out = tmp_path_factory.mktemp("report")
    html_path = report.write_report(fixture_dir, out)["html"]
    with sync_playwright() as pw:
        # A fresh profile each time, so no state of an earlier run can hide an error.
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM),
            headless=True, args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 900})
        try:
            tab = context.new_page()
            problems: list[str] = []
            tab.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}")
                   if msg.type == "error" else None)
            tab.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
            tab.goto(html_path.as_uri(), wait_until="load")
            yield tab, problems
        finally:
            context.close()


def test_page_renders_every_section(page):
    tab, _ = page
    assert tab.title() == "Concurrency Arena report: campaign-small"
    assert tab.locator("h1").inner_text().startswith("Concurrency Arena report")
    headings = tab.locator("h2").all_inner_texts()
    assert [s for h in headings for s in SECTIONS if h.startswith(s)] == SECTIONS   # all, in order
    assert tab.locator("table").count() >= 5


def test_every_chart_image_loads(page):
    tab, _ = page
    images = tab.eval_on_selector_all(
        "img", "imgs => imgs.map(i => ({alt: i.alt, complete: i.complete, width: i.naturalWidth}))")
    assert len(images) >= 10
    broken = [i["alt"] for i in images if not (i["complete"] and i["width"] > 0)]
    assert not broken, f"charts that did not decode: {broken}"


def _column(table, index: int) -> list[str]:
    return table.locator("tr").evaluate_all(
        f"rows => rows.slice(1).map(r => r.cells[{index}].textContent.trim())")


def _number(text: str) -> float:
    return float(re.match(r"[+-]?\d[\d,]*(\.\d+)?", text).group(0).replace(",", ""))


def test_results_table_sorts_by_a_clicked_header(page):
    tab, _ = page
    table = tab.locator("xpath=//h2[.='Results by workload']/following::table[1]")
    header = table.locator("th", has_text="req/s (median)")
    column = table.locator("th").all_inner_texts().index("req/s (median)")
    rows_before = sorted(table.locator("tr").all_inner_texts()[1:])
    before = _column(table, column)
    assert len(before) >= 3

    header.click()
    ascending = _column(table, column)
    assert header.get_attribute("aria-sort") == "ascending"
    assert [_number(v) for v in ascending] == sorted(_number(v) for v in before)

    header.click()
    descending = _column(table, column)
    assert header.get_attribute("aria-sort") == "descending"
    assert [_number(v) for v in descending] == sorted((_number(v) for v in before), reverse=True)
    assert before != ascending or before != descending          # the clicks moved rows
    assert sorted(table.locator("tr").all_inner_texts()[1:]) == rows_before   # rows kept whole

    server = table.locator("th").nth(0)
    server.click()
    names = _column(table, 0)
    assert names == sorted(names)


def test_no_console_errors_and_screenshot_kept(page, capsys):
    tab, problems = page
    ARTEFACTS.mkdir(exist_ok=True)
    shot = ARTEFACTS / "report-browser.png"
    tab.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:4] == b"\x89PNG"
    with capsys.disabled():
        print(f"\nreport.html as chromium drew it: {shot}")
    assert not problems, problems
