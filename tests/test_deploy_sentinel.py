"""deploy/sentinel.py: Azure-Sentinel analytics rule YAML read by yaml.safe_load and checked
against ScheduledTemplateInternalModel and its checks (severity enum, 1..14-day frequencies,
trigger threshold, tactic enum, tactics for every technique)."""

from __future__ import annotations

import pytest
import yaml
from deploy_checks import (
    BUNDLED_ID,
    BUNDLED_TITLE,
    LSASS_RULE,
    bundled,
    check_sentinel,
    rule_text,
)

from sigma_certutil import load_rule, parse_rule
from sigma_certutil.deploy import Deployable, sentinel_rule_yaml
from sigma_certutil.deploy.sentinel import sentinel_files
from sigma_certutil.errors import DeployError


def test_sentinel_rule_for_the_bundled_rule() -> None:
    item = bundled("kusto")
    text = sentinel_rule_yaml(item)
    document = yaml.safe_load(text)
    check_sentinel(document)
    assert document["id"] == BUNDLED_ID
    assert document["name"] == BUNDLED_TITLE
    assert document["severity"] == "High"
    assert document["requiredDataConnectors"] == [
        {"connectorId": "MicrosoftThreatProtection", "dataTypes": ["DeviceNetworkEvents"]}
    ]
    assert (document["triggerOperator"], document["triggerThreshold"]) == ("gt", 0)
    assert document["tactics"] == ["CommandAndControl"]
    assert document["relevantTechniques"] == ["T1105"]
    # The two-line KQL query survives, written as a literal block.
    assert "\n" in item.query
    assert "\nquery: |\n  DeviceNetworkEvents\n  | where " in text
    assert document["query"] == item.query + "\n"
    assert list(document)[-2:] == ["version", "kind"]


def test_sentinel_multi_line_query_survives() -> None:
    query = (
        "let ports = dynamic([80, 443]);\n"
        "DeviceNetworkEvents\n"
        "| where RemotePort in (ports)   \n"
        '    and InitiatingProcessFolderPath endswith "\\\\certutil.exe"\n'
        '| extend Note = "a: b # c"\n'
        "| project Timestamp, DeviceName"
    )
    item = Deployable(parse_rule(rule_text()), "kusto", query)
    text = sentinel_rule_yaml(item)
    assert "query: |\n" in text
    loaded = yaml.safe_load(text)["query"]
    # Only trailing blanks of a line go (they would keep YAML from writing a block).
    assert loaded == "\n".join(line.rstrip() for line in query.split("\n")) + "\n"


def test_sentinel_subtechnique_and_tables() -> None:
    query = "DeviceProcessEvents\n| join (DeviceEvents | where ActionType == 'x') on DeviceId"
    item = Deployable(load_rule(LSASS_RULE), "kusto", query)
    document = yaml.safe_load(sentinel_rule_yaml(item))
    check_sentinel(document)
    assert document["tactics"] == ["CredentialAccess"]
    assert document["relevantTechniques"] == ["T1003.001"]
    assert document["requiredDataConnectors"][0]["dataTypes"] == [
        "DeviceProcessEvents",
        "DeviceEvents",
    ]
    with pytest.raises(DeployError, match=r"names no Microsoft Defender XDR .*table"):
        sentinel_rule_yaml(Deployable(load_rule(LSASS_RULE), "kusto", "SecurityEvent"))


def test_sentinel_files_give_the_error_instead_of_the_file() -> None:
    assert sentinel_files([bundled("kusto")]) == (sentinel_rule_yaml(bundled("kusto")), [])
    text, [error] = sentinel_files([Deployable(load_rule(LSASS_RULE), "kusto", "SecurityEvent")])
    assert text == "" and isinstance(error, DeployError)
    long = Deployable(parse_rule(rule_text()), "kusto", "DeviceEvents\n" + "| x\n" * 3000)
    text, [error] = sentinel_files([long])
    assert text == ""
    assert str(error) == (
        "<rule>: sentinel-rule: Sentinel's query holds at most 10000 characters, this one 12013"
    )


def test_attack_19_tactics_are_written_as_defense_evasion() -> None:
    """Sentinel's AttackTactic enum (learn.microsoft.com, @azure/arm-securityinsight
    AttackTactic) has DefenseEvasion and neither Stealth nor DefenseImpairment, the tactics
    ATT&CK 19 split it into; T1685.001's tactic is Defense Impairment (ATT&CK 19)."""
    tags = ("attack.stealth", "attack.t1685.001", "attack.execution", "attack.defense-impairment")
    rule = parse_rule(rule_text(tags=tags))
    document = yaml.safe_load(sentinel_rule_yaml(Deployable(rule, "kusto", "DeviceEvents")))
    check_sentinel(document)
    assert document["tactics"] == ["DefenseEvasion", "Execution"]
    assert document["relevantTechniques"] == ["T1685.001"]
