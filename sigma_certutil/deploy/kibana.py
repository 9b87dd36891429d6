"""Kibana detection rules: the create-rule API's body, and the NDJSON file "Import rules"
reads, one rule per line, disabled."""

from __future__ import annotations

import json
from collections.abc import Sequence
from types import MappingProxyType
from typing import Any

from sigma_certutil.attack import KnownAttack, attack_table, technique_name, technique_tactics
from sigma_certutil.deploy.deployable import Deployable, check_targets, internal_error
from sigma_certutil.errors import CertutilError, DeployError

FORMAT = "elastic-rules"

# Kibana's defaultRiskScoreBySeverity (RISK_SCORE_LOW 21 ... RISK_SCORE_CRITICAL 99), inside
# the create-rule API's ranges (0-21 low, 22-47 medium, 48-73 high, 74-100 critical).
ELASTIC_SEVERITY = MappingProxyType(
    {
        "informational": ("low", 21),
        "low": ("low", 21),
        "medium": ("medium", 47),
        "high": ("high", 73),
        "critical": ("critical", 99),
    }
)
# Every five minutes (the API's default interval) over the last nine, as Elastic's prebuilt
# rules do, which leaves four minutes for late events.
ELASTIC_INTERVAL = "5m"
ELASTIC_FROM = "now-9m"


def _elastic_threat(attack: KnownAttack) -> list[dict[str, Any]]:
    """The ``threat`` array: one MITRE ATT&CK entry per tactic, its techniques (tagged
    techniques under their tagged tactics, or under all of theirs when none is tagged) and
    sub-techniques nested under their technique."""
    table = attack_table()
    grouped: dict[str, dict[str, list[str]]] = {short: {} for short in attack.tactics}
    for technique_id in attack.techniques:
        parent = technique_id.split(".")[0]
        own = technique_tactics(technique_id)
        for short in [t for t in attack.tactics if t in own] or own:
            subs = grouped.setdefault(short, {}).setdefault(parent, [])
            if technique_id != parent and technique_id not in subs:
                subs.append(technique_id)
    threat: list[dict[str, Any]] = []
    for short, techniques in grouped.items():
        tactic = table["tactics"][short]
        entry: dict[str, Any] = {
            "framework": "MITRE ATT&CK",
            "tactic": {
                "id": tactic["id"],
                "name": tactic["name"],
                "reference": f"https://attack.mitre.org/tactics/{tactic['id']}/",
            },
        }
        if techniques:
            entry["technique"] = [
                {
                    "id": parent,
                    "name": technique_name(parent),
                    "reference": f"https://attack.mitre.org/techniques/{parent}/",
                    **(
                        {
                            "subtechnique": [
                                {
                                    "id": sub,
                                    "name": technique_name(sub),
                                    "reference": "https://attack.mitre.org/techniques/"
                                    + sub.replace(".", "/")
                                    + "/",
                                }
                                for sub in subs
                            ]
                        }
                        if subs
                        else {}
                    ),
                }
                for parent, subs in techniques.items()
            ]
        threat.append(entry)
    return threat


def elastic_rule(item: Deployable) -> dict[str, Any]:
    """One Kibana detection rule, as POST /api/detection_engine/rules takes it and rule
    import reads it (rule_id and version set, as import requires)."""
    check_targets([item], FORMAT)
    rule = item.info
    severity, risk_score = ELASTIC_SEVERITY[item.level]
    # Rule type and language per target, from its row; "index is not supported for ES|QL
    # rules" (the FROM command names the indices).
    spec = item.deploy_file(FORMAT)
    rule_type, language = spec.option("type"), spec.option("language")
    body: dict[str, Any] = {
        "rule_id": item.rule_id,
        "name": rule.title,
        "description": item.description,
        "risk_score": risk_score,
        "severity": severity,
        "type": rule_type,
        "language": language,
        "query": item.query,
    }
    if spec.option("index") != "in query":
        body["index"] = list(item.info.indices or item.spec.store.indices)
    body |= {
        "interval": ELASTIC_INTERVAL,
        "from": ELASTIC_FROM,
        "enabled": False,
        "author": [a.strip() for a in (rule.author or "").split(",") if a.strip()],
        "references": list(rule.references),
        "false_positives": list(rule.falsepositives),
        "tags": ["Sigma", *rule.tags],
        "threat": _elastic_threat(item.attack),
        "version": 1,
    }
    if rule.license:
        body["license"] = rule.license
    return body


def elastic_rules_ndjson(items: Sequence[Deployable]) -> str:
    """Kibana's "Import rules" file: one rule object per line. DeployError for the first rule
    that cannot go into it (``elastic_rules_lines`` leaves it out instead)."""
    check_targets(items, FORMAT)
    text, errors = elastic_rules_lines(items)
    if errors:
        raise errors[0]
    return text


def elastic_rules_lines(items: Sequence[Deployable]) -> tuple[str, list[CertutilError]]:
    """The import file of the rules that can go into it, and the error of each other one (a
    rule_id an earlier rule has)."""
    seen: dict[str, Deployable] = {}
    lines: list[str] = []
    errors: list[CertutilError] = []
    for item in items:
        try:
            if item.rule_id in seen:
                raise DeployError(
                    item.info.origin,
                    FORMAT,
                    f"rule_id {item.rule_id} is already used by {seen[item.rule_id].info.origin}"
                    f" ({seen[item.rule_id].target}); Kibana would import only one of them",
                )
            line = json.dumps(elastic_rule(item))
        except CertutilError as error:
            errors.append(error)
            continue
        except Exception as error:  # one rule's defect leaves the others in the file
            errors.append(internal_error(item, FORMAT, error))
            continue
        seen[item.rule_id] = item
        lines.append(line)
    return "".join(line + "\n" for line in lines), errors
