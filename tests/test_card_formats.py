"""card_formats.py: the rule card as JSON (its schema), Markdown (the seed page) and a
standalone HTML page rendered in headless Chromium, written by sigma-certutil explain."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import TESTS, cli, require_engine

CORPUS = TESTS / "fixtures" / "corpus"


def test_json_follows_its_schema() -> None:
    result = cli("explain", "--format", "json")
    assert result.code == 0, result.stderr
    card = json.loads(result.stdout)
    assert card["schema"] == "sigma-certutil/rule-card/1"
    assert card["techniques"] == [{"id": "T1105", "name": "Ingress Tool Transfer"}]
    assert card["indicators"][1] == {
        "field": "Image",
        "kind": "ends_with",
        "values": [{"value": "\\certutil.exe", "corpus": None}],
        "modifiers": [],
    }


def test_markdown_reads_like_the_seed_page() -> None:
    text = cli("explain", "--corpus", str(CORPUS)).stdout
    assert text.startswith("# Uncommon Network Connection Initiated By Certutil.EXE\n")
    assert "| Command and Control (TA0011) | T1105 Ingress Tool Transfer |" in text
    assert "| Sysmon | Event ID 3 | Network connection |" in text
    assert "| Image | ends_with | \\certutil.exe corpus 3 |" in text
    assert "Stage 0: condition" in text and "Stage 1: selection" in text


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        if path := shutil.which(name):
            return path
    return None


@pytest.mark.engine
def test_html_page_shows_the_indicators_in_chromium(tmp_path: Path) -> None:
    browser = _chromium()
    require_engine(None if browser else "Debian package chromium is not installed")
    assert browser is not None
    page = tmp_path / "card.html"
    result = cli("explain", "--format", "html", "--corpus", str(CORPUS), "-o", str(page))
    assert result.code == 0, result.stderr
    assert "http" not in page.read_text(encoding="utf-8").split("<body>")[0]  # no external assets
    dom = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    table = dom.split('<table id="indicators">', 1)[1].split("</table>", 1)[0]
    assert "<td>Image</td><td>ends_with</td>" in table
    assert "\\certutil.exe" in table and "corpus 3" in table
