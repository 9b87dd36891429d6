"""deploy/kibana.py: Kibana detection-rule NDJSON read by json and checked against the
create-rule API's required fields, import's rule_id and version, and the threat schema
(framework, tactic, technique, subtechnique)."""

from __future__ import annotations

import json
import re

import pytest
from deploy_checks import BUNDLED_ID, BUNDLED_TITLE, LSASS_RULE, bundled, check_threat, rule_text
from helpers import TESTS

from sigma_certutil import convert, load_bundled_rule, load_rule, parse_rule
from sigma_certutil.deploy import FORMATS, Deployable, elastic_rule, elastic_rules_ndjson
from sigma_certutil.deploy.kibana import elastic_rules_lines
from sigma_certutil.errors import DeployError


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


def test_kibana_lines_leave_out_a_rule_id_taken_before() -> None:
    lsass = Deployable.from_rule(load_rule(LSASS_RULE), "lucene")
    text, errors = elastic_rules_lines([bundled("eql"), lsass, bundled("lucene")])
    assert text == elastic_rules_ndjson([bundled("eql"), lsass])
    [error] = errors
    assert str(error) == (
        f"<rule>: elastic-rules: rule_id {BUNDLED_ID} is already used by <rule> (eql); Kibana "
        "would import only one of them"
    )


def test_kibana_rule_names_the_indices_of_its_channel() -> None:
    rule = load_rule(TESTS / "rules" / "security_network_logon_ntlm_admin.yml")
    body = json.loads(elastic_rules_ndjson([Deployable.from_rule(rule, "eql")]))
    assert body["index"] == ["winlogbeat-*", "logs-system.security-*"]


def test_attack_19_threat() -> None:
    """An ATT&CK 19 sub-technique with no tactic tagged goes under its tactic, Defense
    Impairment (TA0112); names as ATT&CK 19 gives them (attack.mitre.org/techniques/T1685/001)."""
    rule = parse_rule(rule_text(tags=("attack.t1685.001", "attack.stealth")))
    threat = elastic_rule(Deployable(rule, "eql", "any where true"))["threat"]
    check_threat(threat)
    assert threat == [
        {
            "framework": "MITRE ATT&CK",
            "tactic": {
                "id": "TA0005",
                "name": "Stealth",
                "reference": "https://attack.mitre.org/tactics/TA0005/",
            },
        },
        {
            "framework": "MITRE ATT&CK",
            "tactic": {
                "id": "TA0112",
                "name": "Defense Impairment",
                "reference": "https://attack.mitre.org/tactics/TA0112/",
            },
            "technique": [
                {
                    "id": "T1685",
                    "name": "Disable or Modify Tools",
                    "reference": "https://attack.mitre.org/techniques/T1685/",
                    "subtechnique": [
                        {
                            "id": "T1685.001",
                            "name": "Disable or Modify Windows Event Log",
                            "reference": "https://attack.mitre.org/techniques/T1685/001/",
                        }
                    ],
                }
            ],
        },
    ]
