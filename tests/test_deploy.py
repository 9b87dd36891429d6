"""deploy/__init__.py: the FORMATS table, and what holds across the deployable formats
(severities, ATT&CK tags). Each format is tested in test_deploy_<format>.py, read back by its
own syntax (tests/deploy_checks.py, json, yaml.safe_load) and checked against the fields and
types its product documents."""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable

import pytest
import yaml
from deploy_checks import BUNDLED_TITLE, bundled, check_threat, read_conf, rule_text

from sigma_certutil import parse_rule
from sigma_certutil.deploy import (
    FORMATS,
    Deployable,
    RuleInfo,
    deploy_files,
    elastic_rule,
    sentinel_rule_yaml,
    splunk_savedsearch,
)
from sigma_certutil.errors import OutputError
from sigma_certutil.targets import TARGETS


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
    rule = parse_rule(rule_text(level))
    stanza = read_conf(splunk_savedsearch([Deployable(rule, "splunk", "x")]))[BUNDLED_TITLE]
    assert stanza["alert.severity"] == splunk
    kibana = elastic_rule(Deployable(rule, "lucene", "x:1"))
    assert (kibana["severity"], kibana["risk_score"]) == elastic
    document = yaml.safe_load(sentinel_rule_yaml(Deployable(rule, "kusto", "DeviceEvents")))
    assert document["severity"] == sentinel


def test_attack_tags_without_tactic_or_unknown() -> None:
    """A technique without its tactic tagged goes under ATT&CK's tactics for it; a tactic
    without technique stands alone; ids the table does not know are left out."""
    rule = parse_rule(rule_text(tags=("attack.t1105", "attack.t9999", "attack.execution")))
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


def test_rule_info_makes_the_same_files_as_the_rule() -> None:
    """A build's workers send back RuleInfo, not the rule: every format writes the same."""
    rule = parse_rule(rule_text(tags=("attack.t1105", "attack.execution")))
    for spec in FORMATS.values():
        for target in sorted(spec.targets):
            query = bundled(target).query
            by_rule = Deployable(rule, target, query)
            by_info = Deployable(RuleInfo.of(rule), target, query)
            assert by_info.info == by_rule.info
            assert spec.write([by_info]) == spec.write([by_rule])
    assert pickle.loads(pickle.dumps(RuleInfo.of(rule))) == RuleInfo.of(rule)


def test_deploy_files_leave_out_what_a_format_refuses() -> None:
    default = parse_rule(rule_text().replace(BUNDLED_TITLE, "Default"))
    items = [
        ("certutil", bundled("splunk")),
        ("default", Deployable(default, "splunk", "x")),
        ("certutil", bundled("kusto")),
        ("other", Deployable(default, "kusto", "SecurityEvent")),
    ]
    files, errors = deploy_files(items)
    assert list(files) == ["deploy/savedsearches.conf", "deploy/sentinel/certutil.yaml"]
    assert files["deploy/savedsearches.conf"] == splunk_savedsearch([bundled("splunk")])
    assert [str(error).split(": ")[1] for error in errors] == [
        "splunk-savedsearches",
        "sentinel-rule",
    ]
    only_refused, [error] = deploy_files([("default", Deployable(default, "splunk", "x"))])
    assert only_refused == {"deploy/savedsearches.conf": ""}
    assert "cannot name" in str(error)
