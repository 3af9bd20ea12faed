"""The release report, built from graded records of a real in-process run."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from streamer.gradedset import load_graded, pick_model
from streamer.report import ReportFiles, ReportOptions, write_report

FIGURES = ("rates", "ratio", "funnel", "drift")
INSTALL = Path(__file__).with_name("install-chromium.sh")


class _Page(HTMLParser):
    """The page's visible text and its images' sources."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.images: list[str] = []
        self.figures: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "img":
            self.images.append(values.get("src") or "")
        if tag == "figure":
            self.figures.append(values.get("id") or "")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    return parser


def _numbers(value: Any) -> list[int | float]:
    """Every number in a JSON value (booleans are not numbers here)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return []
    if isinstance(value, int | float):
        return [value]
    items = value.values() if isinstance(value, dict) else value
    return [number for item in items for number in _numbers(item)]


def _written(number: int | float) -> str:
    """A number as the page writes it: integers whole, floats to 4 digits."""
    return str(number) if isinstance(number, int) else format(number, ".4g")


@pytest.fixture(scope="module")
def bodies(graded_file: Path) -> list[dict[str, Any]]:
    return load_graded(graded_file, None)


@pytest.fixture(scope="module")
def report(
    bodies: list[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> ReportFiles:
    out = tmp_path_factory.mktemp("report")
    return write_report(bodies, ReportOptions(model=pick_model(bodies, None)), out)


def test_every_figure_is_written_and_embedded(report: ReportFiles) -> None:
    """Each figure is a PNG file and a data URI on the page, with no other image."""
    page = _parse(report.index.read_text(encoding="utf-8"))

    assert sorted(report.figures) == sorted(FIGURES)
    assert all(
        path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        for path in report.figures.values()
    )
    assert sorted(page.figures) == sorted(f"figure-{name}" for name in FIGURES)
    assert len(page.images) == len(FIGURES)
    assert all(src.startswith("data:image/png;base64,") for src in page.images)


def test_every_number_in_the_json_appears_on_the_page(report: ReportFiles) -> None:
    """report.json holds the numbers shown, and each is written on the page."""
    data = json.loads(report.data.read_text(encoding="utf-8"))
    text = " ".join(_parse(report.index.read_text(encoding="utf-8")).text)
    words = set(re.split(r"[\s,;()\[\]<]+", text))

    numbers = _numbers(data)
    missing = {_written(n) for n in numbers} - words

    assert len(numbers) > 500
    assert not missing


def test_the_page_loads_nothing_from_outside(report: ReportFiles) -> None:
    """No scripts, stylesheets, fonts or links: it opens with no network."""
    page = report.index.read_text(encoding="utf-8").lower()

    for needle in ("<script", "<link", "http://", "https://", "@import", "url("):
        assert needle not in page


def test_a_standin_candidate_is_labelled_in_the_title(report: ReportFiles) -> None:
    """The stand-in is named as such in the report's title."""
    data = json.loads(report.data.read_text(encoding="utf-8"))
    page = report.index.read_text(encoding="utf-8")

    assert data["standin"] is True
    assert "STAND-IN" in data["title"]
    assert f"<title>{data['title']}</title>" in page


def test_the_report_holds_no_conversation_content_by_default(
    report: ReportFiles, bodies: list[dict[str, Any]]
) -> None:
    """Ids of flagged replies are listed, their text is not."""
    data = json.loads(report.data.read_text(encoding="utf-8"))
    page = report.index.read_text(encoding="utf-8") + report.data.read_text()
    texts = [
        b["reply"]["text"]
        for b in bodies
        if len((b.get("reply") or {}).get("text") or "") > 30
    ]

    assert data["examples"]
    assert all("content" not in e for x in data["examples"] for e in x["shadow"])
    assert texts
    assert not [t for t in texts if t[:30] in page]


def test_include_content_puts_reply_text_beside_the_ids(
    bodies: list[dict[str, Any]], tmp_path: Path
) -> None:
    """Asked for explicitly, flagged shadow replies show their text."""
    options = ReportOptions(model=pick_model(bodies, None), include_content=True)

    files = write_report(bodies, options, tmp_path)

    data = json.loads(files.data.read_text(encoding="utf-8"))
    shown = [e["content"] for x in data["examples"] for e in x["shadow"]]
    assert shown
    assert all(isinstance(text, str) for text in shown)


def _chromium() -> str | None:
    if shutil.which("chromium") is None and INSTALL.exists():
        subprocess.run(["sh", str(INSTALL)], check=False, capture_output=True)
    return shutil.which("chromium")


def test_chromium_renders_the_report_offline(
    report: ReportFiles, tmp_path: Path
) -> None:
    """Headless Debian chromium, no network, shows every figure and every number."""
    browser = _chromium()
    if browser is None:
        pytest.skip("Debian chromium is not installed and could not be (needs root)")

    result = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            report.index.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    page = _parse(result.stdout)
    data = json.loads(report.data.read_text(encoding="utf-8"))
    words = set(re.split(r"[\s,;()\[\]<]+", " ".join(page.text)))
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(page.figures) == sorted(f"figure-{name}" for name in FIGURES)
    assert all(src.startswith("data:image/png;base64,") for src in page.images)
    assert not {_written(n) for n in _numbers(data)} - words
