"""Azure-Sentinel analytics rules: one YAML file per rule, as the Azure-Sentinel repository's
``Solutions/*/Analytic Rules/*.yaml`` are written."""

from __future__ import annotations

import re
from collections.abc import Sequence
from types import MappingProxyType
from typing import Any

import yaml

from sigma_certutil.attack import technique_tactics
from sigma_certutil.deploy.deployable import Deployable, check_targets, internal_error
from sigma_certutil.errors import CertutilError, DeployError, OutputError

FORMAT = "sentinel-rule"

# Azure-Sentinel's template model: Severity is Informational, Low, Medium or High.
SENTINEL_SEVERITY = MappingProxyType(
    {
        "informational": "Informational",
        "low": "Low",
        "medium": "Medium",
        "high": "High",
        "critical": "High",
    }
)
# Azure-Sentinel's AttackTactic enum (enterprise tactics; the two ICS ones are never tagged).
SENTINEL_TACTICS = frozenset(
    {
        "InitialAccess",
        "Execution",
        "Persistence",
        "PrivilegeEscalation",
        "DefenseEvasion",
        "CredentialAccess",
        "Discovery",
        "LateralMovement",
        "Collection",
        "Exfiltration",
        "CommandAndControl",
        "Impact",
        "Reconnaissance",
        "ResourceDevelopment",
    }
)
# ATT&CK 19 replaced Defense Evasion (TA0005) by Stealth (TA0005) and Defense Impairment
# (TA0112); Sentinel's AttackTactic enum still has only DefenseEvasion ("Known values supported
# by the service": https://learn.microsoft.com/en-us/javascript/api/@azure/arm-securityinsight/attacktactic
# and SecurityInsightsAttackTactic, https://learn.microsoft.com/en-us/dotnet/api/azure.resourcemanager.securityinsights.models.securityinsightsattacktactic),
# so both successors are written as the tactic they were split from.
SENTINEL_TACTIC_OF = MappingProxyType(
    {"stealth": "DefenseEvasion", "defense-impairment": "DefenseEvasion"}
)
# Hourly over the last hour, as Microsoft's own Defender XDR rules in the repository run.
SENTINEL_QUERY_FREQUENCY = "1h"
SENTINEL_QUERY_PERIOD = "1h"
# The template model's StringLength limits.
_SENTINEL_LIMITS = (("name", 256), ("description", 5000), ("query", 10000))


class _Block(str):
    """A string written as a YAML literal block scalar (``|``)."""

    __slots__ = ()


class _SentinelDumper(yaml.SafeDumper):
    """Safe YAML with sequences indented under their key, as the repository's rules are."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_block(dumper: yaml.SafeDumper, data: _Block) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(data), style="|")


_SentinelDumper.add_representer(_Block, _represent_block)


def _sentinel_tactic(short: str) -> str:
    if short in SENTINEL_TACTIC_OF:
        return SENTINEL_TACTIC_OF[short]
    return "".join(word.capitalize() for word in short.split("-"))


def _tables(item: Deployable) -> list[str]:
    return [t for t in item.spec.store.tables if re.search(rf"\b{t}\b", item.query)]


def sentinel_rule(item: Deployable) -> dict[str, Any]:
    """The analytics rule as a mapping, in the repository's key order."""
    check_targets([item], FORMAT)
    tables = _tables(item)
    if not tables:
        raise DeployError(
            item.info.origin,
            FORMAT,
            f"the query names no {item.spec.store.name} table ({item.spec.store.where})",
        )
    attack = item.attack
    # The repository's check (NoTechniquesWithoutMatchingTactics) wants every tactic of
    # every technique (its parent technique for a sub-technique) among the tactics.
    tactics: list[str] = []
    shorts = [*attack.tactics]
    for technique_id in attack.techniques:
        shorts += technique_tactics(technique_id.split(".")[0])
    for short in shorts:
        name = _sentinel_tactic(short)
        if name in SENTINEL_TACTICS and name not in tactics:
            tactics.append(name)
    query = "\n".join(line.rstrip() for line in item.query.strip("\n").split("\n"))
    document: dict[str, Any] = {
        "id": item.rule_id,
        "name": item.info.title,
        "description": _Block(item.description + "\n"),
        "severity": SENTINEL_SEVERITY[item.level],
        "status": "Available",
        "requiredDataConnectors": [
            {"connectorId": "MicrosoftThreatProtection", "dataTypes": tables}
        ],
        "queryFrequency": SENTINEL_QUERY_FREQUENCY,
        "queryPeriod": SENTINEL_QUERY_PERIOD,
        "triggerOperator": "gt",
        "triggerThreshold": 0,
        "tactics": tactics,
        "relevantTechniques": list(attack.techniques),
        "query": _Block(query + "\n"),
        "version": "1.0.0",
        "kind": "Scheduled",
    }
    for key, limit in _SENTINEL_LIMITS:
        if len(document[key]) > limit:
            raise DeployError(
                item.info.origin,
                FORMAT,
                f"Sentinel's {key} holds at most {limit} characters, this one {len(document[key])}",
            )
    return document


def sentinel_rule_yaml(item: Deployable) -> str:
    """An Azure-Sentinel repository analytics rule (``Solutions/*/Analytic Rules/*.yaml``)."""
    text: str = yaml.dump(
        sentinel_rule(item),
        Dumper=_SentinelDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
    return text


def sentinel_file(items: Sequence[Deployable]) -> str:
    if len(items) != 1:
        raise OutputError(f"a Sentinel analytics rule file holds one rule, not {len(items)}")
    return sentinel_rule_yaml(items[0])


def sentinel_files(items: Sequence[Deployable]) -> tuple[str, list[CertutilError]]:
    """The analytics rule file of one rule, or (no text) its error."""
    if len(items) != 1:
        return "", [OutputError(f"a Sentinel analytics rule file holds one rule, not {len(items)}")]
    try:
        return sentinel_rule_yaml(items[0]), []
    except CertutilError as error:
        return "", [error]
    except Exception as error:  # reported against the rule, as every format's defects are
        return "", [internal_error(items[0], FORMAT, error)]
