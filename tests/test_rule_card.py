"""The rule card: the flagship card against the seed page's facts, exact corpus counts on a
fixture corpus, the formats, and the HTML page rendered in headless Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from helpers import BUNDLED_RULE, TESTS, cli, require_engine

from sigma_certutil.rule_card import explain
from sigma_certutil.rules import bundled_rule_text, load_bundled_rule, load_rule

CORPUS = TESTS / "fixtures" / "corpus"


def test_flagship_card_has_the_seed_page_facts() -> None:
    card = explain()  # the bundled rule
    assert card == explain(load_bundled_rule(), bundled_rule_text())
    assert (card.status, card.level) == ("test", "high")
    assert card.logsource == {"product": "windows", "category": "network_connection"}
    assert [(t.id, t.name) for t in card.tactics] == [("TA0011", "Command and Control")]
    assert [(t.id, t.name) for t in card.techniques] == [("T1105", "Ingress Tool Transfer")]
    assert [(e.provider, e.event_id, e.title) for e in card.events] == [
        ("Sysmon", 3, "Network connection")
    ]
    assert [s.name for s in card.stages] == ["condition", "selection"]
    assert card.stages[0].body == "selection"
    assert [(i.field, i.kind, [v.value for v in i.values]) for i in card.indicators] == [
        ("DestinationPort", "eq", ["135", "443", "445", "80"]),
        ("Image", "ends_with", ["\\certutil.exe"]),
        ("Initiated", "eq", ["true"]),
    ]


def test_corpus_counts_are_exact() -> None:
    """Fixture corpus (tests/fixtures/corpus): a.yml tests Image endswith \\CertUtil.exe and
    port 443; b.yml Image endswith \\certutil.exe twice (one rule counts once) and
    Initiated 'true'; c.yml Image *contains* \\certutil.exe (another operator); d.yml is not a
    rule. The flagship is not in the corpus, so each count includes it once more."""
    card = explain(load_bundled_rule(), bundled_rule_text(), CORPUS)
    counts = {(i.field, v.value): v.corpus for i in card.indicators for v in i.values}
    assert counts == {
        ("DestinationPort", "135"): 1,
        ("DestinationPort", "443"): 2,
        ("DestinationPort", "445"): 1,
        ("DestinationPort", "80"): 1,
        ("Image", "\\certutil.exe"): 3,
        ("Initiated", "true"): 2,
    }
    assert card.corpus_rules == 3


def test_a_rule_in_its_own_corpus_is_counted_once() -> None:
    rule = CORPUS / "b.yml"
    card = explain(load_rule(rule), corpus=CORPUS)  # the text is read from the rule's file
    counts = {(i.field, v.value): v.corpus for i in card.indicators for v in i.values}
    assert counts[("Image", "\\certutil.exe")] == 2  # a.yml and b.yml, b.yml once


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


def test_explain_a_bad_rule_is_one_line(tmp_path: Path) -> None:
    rule = tmp_path / "bad.yml"
    rule.write_text("title: [\n", encoding="utf-8")
    result = cli("explain", str(rule))
    assert result.code == 2
    assert result.stderr.startswith(f"sigma-certutil: error: {rule}:")
    assert result.stderr.count("\n") == 1
    assert BUNDLED_RULE.exists()
