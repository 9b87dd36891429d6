"""What the deploy tests read each format with and check it against, written from the products'
own references rather than from sigma_certutil.deploy: a savedsearches.conf reader, the Kibana
create-rule API's threat schema and Azure-Sentinel's ScheduledTemplateInternalModel; and the
bundled rule as a Deployable, or its YAML with another level or tags."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

from helpers import TEST_RULES

from sigma_certutil import load_bundled_rule
from sigma_certutil.deploy import SENTINEL_TACTICS, Deployable
from sigma_certutil.rules import bundled_rule_text

BUNDLED_ID = "0dba975d-a193-4ed1-a067-424df57570d1"
BUNDLED_TITLE = "Uncommon Network Connection Initiated By Certutil.EXE"
LSASS_RULE = TEST_RULES / "process_access_lsass_read.yml"


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
