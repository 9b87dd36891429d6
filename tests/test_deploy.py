"""Deployable rule files: each format read back by its own syntax (a savedsearches.conf reader,
json, yaml.safe_load) and checked against the fields and types its product documents:

- Splunk: savedsearches.conf.spec (counttype/relation/quantity, alert.severity 1..6) and
  Splunk ES annotations as contentctl writes them;
- Kibana: the create-rule API's required fields, import's rule_id and version, the threat
  schema (framework, tactic, technique, subtechnique);
- Sentinel: Azure-Sentinel's ScheduledTemplateInternalModel and its checks (severity enum,
  1..14-day frequencies, trigger threshold, tactic enum, tactics for every technique).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import yaml
from helpers import TEST_RULES

from sigma_certutil import convert, load_bundled_rule, load_rule
from sigma_certutil.deploy import (
    FORMATS,
    SENTINEL_TACTICS,
    Deployable,
    elastic_rule,
    elastic_rules_ndjson,
    sentinel_rule_yaml,
    splunk_savedsearch,
)
from sigma_certutil.errors import DeployError, OutputError, TargetError
from sigma_certutil.rules import bundled_rule_text
from sigma_certutil.targets import TARGETS

BUNDLED_ID = "0dba975d-a193-4ed1-a067-424df57570d1"
BUNDLED_TITLE = "Uncommon Network Connection Initiated By Certutil.EXE"
LSASS_RULE = TEST_RULES / "process_access_lsass_read.yml"
LEVELS = ("informational", "low", "medium", "high", "critical")


def bundled(target: str) -> Deployable:
    return Deployable.from_rule(load_bundled_rule(), target)


def rule_text(level: str = "high", tags: tuple[str, ...] | None = None) -> str:
    """The bundled rule's YAML with another level and/or other tags."""
    text = bundled_rule_text().replace("level: high", f"level: {level}")
    if tags is not None:
        block = "".join(f"    - {tag}\n" for tag in tags)
        text = text.replace("    - attack.command-and-control\n    - attack.t1105\n", block)
    return text


# --- a savedsearches.conf reader ----------------------------------------------------------


def read_conf(text: str) -> dict[str, dict[str, str]]:
    """Stanzas of a .conf file: '[name]' lines, 'key = value' settings, '#' comments, and
    values continued on the next line by a trailing backslash (the newline is kept)."""
    stanzas: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    lines = iter(text.split("\n"))
    for raw in lines:
        line = raw
        while line.endswith("\\"):
            line = line[:-1] + "\n" + next(lines)
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            name = line[1:-1]
            assert name not in stanzas, f"stanza [{name}] twice"
            current = stanzas[name] = {}
            continue
        key, equals, value = line.partition("=")
        assert equals and current is not None, f"not a setting: {line!r}"
        assert key.strip() not in current, f"{key.strip()} twice"
        current[key.strip()] = value.strip()
    return stanzas


# Settings of savedsearches.conf.spec, and Splunk ES's correlation-search settings.
SPEC_SETTINGS = {
    "description",
    "search",
    "cron_schedule",
    "dispatch.earliest_time",
    "dispatch.latest_time",
    "enableSched",
    "disabled",
    "counttype",
    "relation",
    "quantity",
    "alert.track",
    "alert.severity",
}
ES_SETTINGS = {
    "action.correlationsearch.enabled",
    "action.correlationsearch.label",
    "action.correlationsearch.annotations",
}


def test_savedsearches_stanza_for_the_bundled_rule() -> None:
    item = bundled("splunk")
    stanzas = read_conf(splunk_savedsearch([item]))
    assert list(stanzas) == [BUNDLED_TITLE]
    stanza = stanzas[BUNDLED_TITLE]
    assert set(stanza) == SPEC_SETTINGS | ES_SETTINGS
    assert stanza["search"] == item.query == convert(load_bundled_rule(), "splunk")
    assert stanza["description"] == (load_bundled_rule().description or "").strip()
    assert len(stanza["cron_schedule"].split()) == 5
    for key in ("dispatch.earliest_time", "dispatch.latest_time"):
        assert re.fullmatch(r"now|-\d+[smhd](@[smhd])?", stanza[key])
    assert stanza["enableSched"] == "1"
    assert (stanza["counttype"], stanza["relation"], stanza["quantity"]) == (
        "number of events",
        "greater than",
        "0",
    )
    assert stanza["alert.track"] == "1"
    assert stanza["alert.severity"] == "4"  # high
    assert stanza["action.correlationsearch.label"] == BUNDLED_TITLE
    assert json.loads(stanza["action.correlationsearch.annotations"]) == {"mitre_attack": ["T1105"]}


def test_savedsearches_uses_conf_names_not_rest_parameters() -> None:
    """alert_type, alert_comparator and alert_threshold are the REST API's names for
    counttype, relation and quantity; savedsearches.conf.spec has no such settings."""
    text = splunk_savedsearch([bundled("splunk")])
    for rest_name in ("alert_type", "alert_comparator", "alert_threshold"):
        assert rest_name not in text


def test_savedsearches_multi_line_values_continue_with_a_backslash() -> None:
    rule = load_rule(rule_text())
    query = 'source="x" EventCode=3\n| stats count by Image\n| where count > 1'
    item = Deployable(rule, "splunk", query)
    text = splunk_savedsearch([item])
    assert 'source="x" EventCode=3\\\n| stats count by Image\\\n| where count > 1\n' in text
    stanza = read_conf(text)[BUNDLED_TITLE]
    assert stanza["search"] == query
    assert "\n" in stanza["description"]
    # A line ending with a backslash keeps it literal: a space follows it.
    tricky = Deployable(rule, "splunk", "Image=C:\\\n| where x=\\")
    text = splunk_savedsearch([tricky])
    assert "search = Image=C:\\ \\\n| where x=\\ \n" in text
    assert read_conf(text)[BUNDLED_TITLE]["search"] == "Image=C:\\ \n| where x=\\"


def test_savedsearches_stanza_names() -> None:
    rule = load_rule(rule_text().replace(BUNDLED_TITLE, '"Certutil [beta]\\nconnection"'))
    stanzas = read_conf(splunk_savedsearch([Deployable(rule, "splunk", "x")]))
    assert list(stanzas) == ["Certutil beta connection"]
    with pytest.raises(DeployError, match="already taken"):
        splunk_savedsearch([bundled("splunk"), bundled("splunk")])
    default = load_rule(rule_text().replace(BUNDLED_TITLE, "'[default]'"))
    with pytest.raises(DeployError, match="cannot name"):
        splunk_savedsearch([Deployable(default, "splunk", "x")])


# --- Kibana detection rules NDJSON --------------------------------------------------------


def check_threat(threat: Any) -> None:
    """The create-rule API's threat schema: every field required but technique and
    subtechnique, which are arrays of {id, name, reference}."""
    assert isinstance(threat, list)
    for entry in threat:
        assert entry["framework"] == "MITRE ATT&CK"
        tactic = entry["tactic"]
        assert set(tactic) == {"id", "name", "reference"}
        assert re.fullmatch(r"TA\d{4}", tactic["id"])
        assert tactic["reference"] == f"https://attack.mitre.org/tactics/{tactic['id']}/"
        for technique in entry.get("technique", []):
            assert set(technique) <= {"id", "name", "reference", "subtechnique"}
            assert re.fullmatch(r"T\d{4}", technique["id"])
            assert technique["name"]
            assert technique["reference"] == (
                f"https://attack.mitre.org/techniques/{technique['id']}/"
            )
            for sub in technique.get("subtechnique", []):
                assert set(sub) == {"id", "name", "reference"}
                assert sub["id"].startswith(technique["id"] + ".")
                parent, number = sub["id"].split(".")
                assert sub["reference"] == (
                    f"https://attack.mitre.org/techniques/{parent}/{number}/"
                )


@pytest.mark.parametrize("target", sorted(FORMATS["elastic-rules"].targets))
def test_kibana_rule_for_the_bundled_rule(target: str) -> None:
    item = bundled(target)
    text = elastic_rules_ndjson([item])
    assert text.endswith("\n") and text.count("\n") == 1
    rule = json.loads(text)
    # Required for all rule types, with their types.
    assert isinstance(rule["description"], str) and rule["description"]
    assert rule["name"] == BUNDLED_TITLE
    assert isinstance(rule["risk_score"], int) and 0 <= rule["risk_score"] <= 100
    assert (rule["severity"], rule["risk_score"]) == ("high", 73)
    expected = {"eql": ("eql", "eql"), "lucene": ("query", "lucene"), "esql": ("esql", "esql")}
    assert (rule["type"], rule["language"]) == expected[target]
    assert rule["query"] == convert(load_bundled_rule(), target)
    # Import needs rule_id and version.
    assert rule["rule_id"] == BUNDLED_ID
    assert rule["version"] == 1
    if target == "esql":
        assert "index" not in rule  # "not supported for ES|QL rules"
        assert re.match(r"(?i)from .* metadata _id", rule["query"])  # alert deduplication
    else:
        assert rule["index"] == ["winlogbeat-*", "logs-windows.sysmon_operational-*"]
    assert re.fullmatch(r"\d+[smh]", rule["interval"])
    assert re.fullmatch(r"now-\d+[smh]", rule["from"])
    assert rule["enabled"] is False
    for key in ("author", "references", "false_positives", "tags"):
        assert isinstance(rule[key], list) and all(isinstance(v, str) for v in rule[key])
    assert rule["author"] == ["frack113", "Florian Roth (Nextron Systems)"]
    assert rule["false_positives"] == ["Unknown"]
    check_threat(rule["threat"])
    assert rule["threat"] == [
        {
            "framework": "MITRE ATT&CK",
            "tactic": {
                "id": "TA0011",
                "name": "Command and Control",
                "reference": "https://attack.mitre.org/tactics/TA0011/",
            },
            "technique": [
                {
                    "id": "T1105",
                    "name": "Ingress Tool Transfer",
                    "reference": "https://attack.mitre.org/techniques/T1105/",
                }
            ],
        }
    ]


def test_kibana_ndjson_one_object_per_line() -> None:
    lsass = load_rule(LSASS_RULE)
    items = [bundled("eql"), Deployable.from_rule(lsass, "lucene")]
    lines = elastic_rules_ndjson(items).splitlines()
    assert [json.loads(line)["rule_id"] for line in lines] == [BUNDLED_ID, str(lsass.id)]
    with pytest.raises(DeployError, match="rule_id"):
        elastic_rules_ndjson([bundled("eql"), bundled("lucene")])


def test_kibana_subtechnique_nested_under_its_technique() -> None:
    rule = elastic_rule(Deployable.from_rule(load_rule(LSASS_RULE), "eql"))
    check_threat(rule["threat"])
    assert rule["threat"] == [
        {
            "framework": "MITRE ATT&CK",
            "tactic": {
                "id": "TA0006",
                "name": "Credential Access",
                "reference": "https://attack.mitre.org/tactics/TA0006/",
            },
            "technique": [
                {
                    "id": "T1003",
                    "name": "OS Credential Dumping",
                    "reference": "https://attack.mitre.org/techniques/T1003/",
                    "subtechnique": [
                        {
                            "id": "T1003.001",
                            "name": "LSASS Memory",
                            "reference": "https://attack.mitre.org/techniques/T1003/001/",
                        }
                    ],
                }
            ],
        }
    ]


def test_attack_tags_without_tactic_or_unknown() -> None:
    """A technique without its tactic tagged goes under ATT&CK's tactics for it; a tactic
    without technique stands alone; ids the table does not know are left out."""
    rule = load_rule(rule_text(tags=("attack.t1105", "attack.t9999", "attack.execution")))
    threat = elastic_rule(Deployable(rule, "eql", "any where true"))["threat"]
    check_threat(threat)
    assert [(e["tactic"]["id"], [t["id"] for t in e.get("technique", [])]) for e in threat] == [
        ("TA0002", []),
        ("TA0011", ["T1105"]),
    ]
    sentinel = yaml.safe_load(sentinel_rule_yaml(Deployable(rule, "kusto", "DeviceEvents")))
    assert sentinel["tactics"] == ["Execution", "CommandAndControl"]
    assert sentinel["relevantTechniques"] == ["T1105"]
    stanza = read_conf(splunk_savedsearch([Deployable(rule, "splunk", "x")]))[BUNDLED_TITLE]
    assert json.loads(stanza["action.correlationsearch.annotations"]) == {"mitre_attack": ["T1105"]}


# --- Azure-Sentinel analytics rule YAML ---------------------------------------------------


def timespan(value: str) -> timedelta:
    match = re.fullmatch(r"(\d+)([mhd])", value)
    assert match, value
    unit = {"m": "minutes", "h": "hours", "d": "days"}[match[2]]
    return timedelta(**{unit: int(match[1])})


def check_sentinel(document: dict[str, Any]) -> None:
    """ScheduledTemplateInternalModel's required fields, types and ranges."""
    assert str(uuid.UUID(document["id"])) == document["id"]
    assert document["kind"] == "Scheduled"
    assert isinstance(document["name"], str) and 0 < len(document["name"]) <= 256
    assert isinstance(document["description"], str) and len(document["description"]) <= 5000
    assert document["severity"] in {"Informational", "Low", "Medium", "High"}
    for connector in document["requiredDataConnectors"]:
        assert connector["connectorId"] == "MicrosoftThreatProtection"
        assert connector["dataTypes"] and all(isinstance(t, str) for t in connector["dataTypes"])
    frequency, period = timespan(document["queryFrequency"]), timespan(document["queryPeriod"])
    for span in (frequency, period):
        assert timedelta(minutes=5) <= span <= timedelta(days=14)
    assert period >= frequency
    assert document["triggerOperator"] == "gt"
    assert isinstance(document["triggerThreshold"], int)
    assert 0 <= document["triggerThreshold"] <= 10000
    assert set(document["tactics"]) <= SENTINEL_TACTICS
    assert all(re.fullmatch(r"T\d{4}(\.\d{3})?", t) for t in document["relevantTechniques"])
    assert isinstance(document["query"], str) and 0 < len(document["query"]) <= 10000
    assert document["version"] == "1.0.0"
    assert "entityMappings" not in document


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
    item = Deployable(load_rule(rule_text()), "kusto", query)
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


# --- severities, targets, the table -------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "splunk", "elastic", "sentinel"),
    [
        ("informational", "1", ("low", 21), "Informational"),
        ("low", "2", ("low", 21), "Low"),
        ("medium", "3", ("medium", 47), "Medium"),
        ("high", "4", ("high", 73), "High"),
        ("critical", "5", ("critical", 99), "High"),
    ],
)
def test_severity_mappings(
    level: str, splunk: str, elastic: tuple[str, int], sentinel: str
) -> None:
    rule = load_rule(rule_text(level))
    stanza = read_conf(splunk_savedsearch([Deployable(rule, "splunk", "x")]))[BUNDLED_TITLE]
    assert stanza["alert.severity"] == splunk
    kibana = elastic_rule(Deployable(rule, "lucene", "x:1"))
    assert (kibana["severity"], kibana["risk_score"]) == elastic
    document = yaml.safe_load(sentinel_rule_yaml(Deployable(rule, "kusto", "DeviceEvents")))
    assert document["severity"] == sentinel


def test_targets_are_checked() -> None:
    with pytest.raises(TargetError, match="unknown target"):
        Deployable(load_bundled_rule(), "qradar", "x")
    with pytest.raises(TargetError, match="not 'eql'"):
        splunk_savedsearch([bundled("eql")])
    with pytest.raises(TargetError, match="not 'splunk'"):
        elastic_rules_ndjson([bundled("splunk")])
    with pytest.raises(TargetError, match="not 'esql'"):
        sentinel_rule_yaml(bundled("esql"))


def test_formats_table() -> None:
    assert {name: (f.extension, sorted(f.targets)) for name, f in FORMATS.items()} == {
        "splunk-savedsearches": ("conf", ["splunk"]),
        "elastic-rules": ("ndjson", ["eql", "esql", "lucene"]),
        "sentinel-rule": ("yaml", ["kusto"]),
    }
    assert set().union(*(f.targets for f in FORMATS.values())) == set(TARGETS)
    readers: dict[str, Callable[[str], object]] = {
        "conf": read_conf,
        "ndjson": lambda text: [json.loads(line) for line in text.splitlines()],
        "yaml": yaml.safe_load,
    }
    for spec in FORMATS.values():
        for target in sorted(spec.targets):
            assert readers[spec.extension](spec.write([bundled(target)]))
    with pytest.raises(OutputError, match="one rule"):
        FORMATS["sentinel-rule"].write([bundled("kusto"), bundled("kusto")])
    assert FORMATS["sentinel-rule"].one_rule_per_file
