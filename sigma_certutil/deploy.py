"""Deployable rule files from converted queries, offline: a Splunk savedsearches.conf, a Kibana
detection-rule import NDJSON and an Azure-Sentinel analytics rule YAML.

Each format's fields follow the product's own reference (cited where they are set). ATT&CK
names come from the bundled table (``sigma_certutil/data/attack.json``); tags the table does
not know (revoked or mistyped ids) are left out of every format.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import yaml
from sigma.rule import SigmaRule

from sigma_certutil.conversion import convert, rule_origin
from sigma_certutil.errors import ConversionError, OutputError, TargetError
from sigma_certutil.rule_card import attack_table
from sigma_certutil.targets import get_target

SPLUNK_TARGETS = frozenset({"splunk"})
ELASTIC_TARGETS = frozenset({"eql", "lucene", "esql"})
SENTINEL_TARGETS = frozenset({"kusto"})

# Sigma levels: informational, low, medium, high, critical. A rule without a level is
# treated as low, as Kibana's SIEM migrations do (DEFAULT_TRANSLATION_SEVERITY = 'low').
_DEFAULT_LEVEL = "low"

# --- Splunk -------------------------------------------------------------------------------
# savedsearches.conf.spec: alert.severity "Valid values are: 1-debug, 2-info, 3-warn,
# 4-error, 5-severe, 6-fatal"; Splunk Web labels 1..5 Info, Low, Medium, High, Critical
# (Kibana's SIEM migration maps Splunk 1 and 2 to low, 3 medium, 4 high, 5 critical).
SPLUNK_SEVERITY = MappingProxyType(
    {"informational": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}
)
# Hourly over the hour that ended ten minutes ago (an hour window, ten minutes for ingest).
SPLUNK_SCHEDULE = MappingProxyType(
    {
        "cron_schedule": "0 * * * *",
        "dispatch.earliest_time": "-70m@m",
        "dispatch.latest_time": "-10m@m",
    }
)

# --- Elastic ------------------------------------------------------------------------------
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
ELASTIC_INDEX = ("winlogbeat-*", "logs-windows.sysmon_operational-*")
# type and language per target; "index is not supported for ES|QL rules" (the FROM command
# names the indices).
_ELASTIC_TYPE = MappingProxyType(
    {"eql": ("eql", "eql"), "lucene": ("query", "lucene"), "esql": ("esql", "esql")}
)
# Every five minutes (the API's default interval) over the last nine, as Elastic's prebuilt
# rules do, which leaves four minutes for late events.
ELASTIC_INTERVAL = "5m"
ELASTIC_FROM = "now-9m"

# --- Sentinel -----------------------------------------------------------------------------
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
# The Defender XDR tables the kusto target writes (README, "Targets").
XDR_TABLES = (
    "DeviceProcessEvents",
    "DeviceNetworkEvents",
    "DeviceFileEvents",
    "DeviceRegistryEvents",
    "DeviceImageLoadEvents",
    "DeviceEvents",
)
# Hourly over the last hour, as Microsoft's own Defender XDR rules in the repository run.
SENTINEL_QUERY_FREQUENCY = "1h"
SENTINEL_QUERY_PERIOD = "1h"
# The template model's StringLength limits.
_SENTINEL_LIMITS = (("name", 256), ("description", 5000), ("query", 10000))

# Rules without an id get a stable one derived from the title.
_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/sigma-certutil/rule-id")


@dataclass(frozen=True)
class Deployable:
    """One rule's converted query for one target: what every format is made from."""

    rule: SigmaRule
    target: str
    query: str

    def __post_init__(self) -> None:
        get_target(self.target)  # TargetError for an unknown one

    @classmethod
    def from_rule(cls, rule: SigmaRule, target: str) -> Deployable:
        """Convert ``rule`` for ``target`` (ConversionError when it cannot)."""
        return cls(rule, target, convert(rule, target))

    @property
    def rule_id(self) -> str:
        """The Sigma id, or for a rule without one a UUID derived from its title."""
        if self.rule.id is not None:
            return str(self.rule.id)
        return str(uuid.uuid5(_ID_NAMESPACE, self.rule.title))

    @property
    def level(self) -> str:
        return self.rule.level.name.lower() if self.rule.level is not None else _DEFAULT_LEVEL

    @property
    def description(self) -> str:
        return (self.rule.description or "").strip() or self.rule.title


def _check_targets(items: Sequence[Deployable], accepted: frozenset[str], format_id: str) -> None:
    for item in items:
        if item.target not in accepted:
            wanted = ", ".join(sorted(accepted))
            raise TargetError(
                f"{rule_origin(item.rule)}: {format_id} takes {wanted} queries, not '{item.target}'"
            )


# --- ATT&CK -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Attack:
    """A rule's ATT&CK tags resolved against the bundled table, in tag order."""

    tactics: tuple[str, ...]  # short names: command-and-control
    techniques: tuple[str, ...]  # ids, sub-techniques as tagged: T1105, T1003.001


def _attack(rule: SigmaRule) -> _Attack:
    table = attack_table()
    by_id = {tactic["id"].lower(): short for short, tactic in table["tactics"].items()}
    tactics: list[str] = []
    techniques: list[str] = []
    for tag in rule.tags:
        if tag.namespace != "attack":
            continue
        name = tag.name.replace("_", "-").lower()
        short = name if name in table["tactics"] else by_id.get(name)
        if short is not None and short not in tactics:
            tactics.append(short)
        elif (
            re.fullmatch(r"t\d{4}(\.\d{3})?", name)
            and name.upper() in table["techniques"]
            and name.upper() not in techniques
        ):
            techniques.append(name.upper())
    return _Attack(tuple(tactics), tuple(techniques))


def _technique_tactics(technique_id: str) -> list[str]:
    tactics: list[str] = attack_table()["techniques"][technique_id]["tactics"]
    return tactics


def _technique_name(technique_id: str) -> str:
    name: str = attack_table()["techniques"][technique_id]["name"]
    return name


# --- Splunk savedsearches.conf ------------------------------------------------------------


def _stanza_name(title: str) -> str:
    """A stanza name: one line, without the brackets that delimit it (as pySigma's Splunk
    backend strips them)."""
    return " ".join(title.translate({ord("["): " ", ord("]"): " "}).split())


def _conf_value(text: str) -> str:
    """A value on one line, or continued on the next lines by a trailing backslash (as
    Splunk's contentctl writes multi-line searches). A line that itself ends with a backslash
    gets a space, so that the backslash stays literal."""
    lines = text.strip().replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = [line + " " if line.endswith("\\") else line for line in lines]
    return "\\\n".join(lines)


def _splunk_stanza(item: Deployable, name: str) -> str:
    attack = _attack(item.rule)
    settings: list[tuple[str, str]] = [
        ("description", _conf_value(item.description)),
        ("search", _conf_value(item.query)),
        *SPLUNK_SCHEDULE.items(),
        ("enableSched", "1"),
        # Deployed switched off, as the Kibana and Sentinel files are: enable after review.
        ("disabled", "1"),
        ("counttype", "number of events"),
        ("relation", "greater than"),
        ("quantity", "0"),
        ("alert.track", "1"),
        ("alert.severity", str(SPLUNK_SEVERITY[item.level])),
        # Splunk Enterprise Security correlation search, annotated as ESCU's are.
        ("action.correlationsearch.enabled", "1"),
        ("action.correlationsearch.label", name),
    ]
    if attack.techniques:
        annotations = json.dumps({"mitre_attack": list(attack.techniques)})
        settings.append(("action.correlationsearch.annotations", annotations))
    lines = [f"# Sigma rule {item.rule_id}", f"[{name}]"]
    lines += [f"{key} = {value}" for key, value in settings]
    return "\n".join(lines) + "\n"


def splunk_savedsearch(items: Sequence[Deployable]) -> str:
    """savedsearches.conf text: one stanza per rule, named after its title."""
    _check_targets(items, SPLUNK_TARGETS, "savedsearches.conf")
    stanzas: list[str] = []
    seen: dict[str, Deployable] = {}
    for item in items:
        name = _stanza_name(item.rule.title)
        if not name or name.lower() == "default":
            raise ConversionError(
                f"{rule_origin(item.rule)}: title {item.rule.title!r} cannot name a "
                "savedsearches.conf stanza"
            )
        if name in seen:
            raise ConversionError(
                f"{rule_origin(item.rule)}: stanza [{name}] is already taken by "
                f"{rule_origin(seen[name].rule)}; Splunk would merge the two searches"
            )
        seen[name] = item
        stanzas.append(_splunk_stanza(item, name))
    return "\n".join(stanzas)


# --- Kibana detection rules NDJSON --------------------------------------------------------


def _elastic_threat(attack: _Attack) -> list[dict[str, Any]]:
    """The ``threat`` array: one MITRE ATT&CK entry per tactic, its techniques (tagged
    techniques under their tagged tactics, or under all of theirs when none is tagged) and
    sub-techniques nested under their technique."""
    table = attack_table()
    grouped: dict[str, dict[str, list[str]]] = {short: {} for short in attack.tactics}
    for technique_id in attack.techniques:
        parent = technique_id.split(".")[0]
        own = _technique_tactics(technique_id)
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
                    "name": _technique_name(parent),
                    "reference": f"https://attack.mitre.org/techniques/{parent}/",
                    **(
                        {
                            "subtechnique": [
                                {
                                    "id": sub,
                                    "name": _technique_name(sub),
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
    _check_targets([item], ELASTIC_TARGETS, "Kibana rule import")
    rule = item.rule
    severity, risk_score = ELASTIC_SEVERITY[item.level]
    rule_type, language = _ELASTIC_TYPE[item.target]
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
    if rule_type != "esql":
        body["index"] = list(ELASTIC_INDEX)
    body |= {
        "interval": ELASTIC_INTERVAL,
        "from": ELASTIC_FROM,
        "enabled": False,
        "author": [a.strip() for a in (rule.author or "").split(",") if a.strip()],
        "references": list(rule.references or ()),
        "false_positives": list(rule.falsepositives or ()),
        "tags": ["Sigma", *(str(tag) for tag in rule.tags)],
        "threat": _elastic_threat(_attack(rule)),
        "version": 1,
    }
    if rule.license:
        body["license"] = rule.license
    return body


def elastic_rules_ndjson(items: Sequence[Deployable]) -> str:
    """Kibana's "Import rules" file: one rule object per line."""
    _check_targets(items, ELASTIC_TARGETS, "Kibana rule import")
    seen: dict[str, Deployable] = {}
    lines: list[str] = []
    for item in items:
        if item.rule_id in seen:
            raise ConversionError(
                f"{rule_origin(item.rule)}: rule_id {item.rule_id} is already used by the "
                f"{seen[item.rule_id].target} rule; Kibana would import only one of them"
            )
        seen[item.rule_id] = item
        lines.append(json.dumps(elastic_rule(item)))
    return "".join(line + "\n" for line in lines)


# --- Azure-Sentinel analytics rule YAML ---------------------------------------------------


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
    return "".join(word.capitalize() for word in short.split("-"))


def _xdr_tables(query: str) -> list[str]:
    return [table for table in XDR_TABLES if re.search(rf"\b{table}\b", query)]


def sentinel_rule(item: Deployable) -> dict[str, Any]:
    """The analytics rule as a mapping, in the repository's key order."""
    _check_targets([item], SENTINEL_TARGETS, "Sentinel analytics rule")
    tables = _xdr_tables(item.query)
    if not tables:
        raise ConversionError(
            f"{rule_origin(item.rule)}: the query names no Defender XDR table "
            f"({', '.join(XDR_TABLES)})"
        )
    attack = _attack(item.rule)
    # The repository's check (NoTechniquesWithoutMatchingTactics) wants every tactic of
    # every technique (its parent technique for a sub-technique) among the tactics.
    tactics: list[str] = []
    shorts = [*attack.tactics]
    for technique_id in attack.techniques:
        shorts += _technique_tactics(technique_id.split(".")[0])
    for short in shorts:
        name = _sentinel_tactic(short)
        if name in SENTINEL_TACTICS and name not in tactics:
            tactics.append(name)
    query = "\n".join(line.rstrip() for line in item.query.strip("\n").split("\n"))
    document: dict[str, Any] = {
        "id": item.rule_id,
        "name": item.rule.title,
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
            raise ConversionError(
                f"{rule_origin(item.rule)}: Sentinel's {key} holds at most {limit} characters, "
                f"this one {len(document[key])}"
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


def _sentinel_file(items: Sequence[Deployable]) -> str:
    if len(items) != 1:
        raise OutputError(f"a Sentinel analytics rule file holds one rule, not {len(items)}")
    return sentinel_rule_yaml(items[0])


# --- The table of formats -----------------------------------------------------------------


@dataclass(frozen=True)
class DeployFormat:
    """A deployable file format: the targets whose queries it takes, its file extension, and
    the function writing a file from items (one item per file when ``one_rule_per_file``)."""

    targets: frozenset[str]
    extension: str
    write: Callable[[Sequence[Deployable]], str]
    one_rule_per_file: bool = False


FORMATS: Mapping[str, DeployFormat] = MappingProxyType(
    {
        "splunk-savedsearches": DeployFormat(SPLUNK_TARGETS, "conf", splunk_savedsearch),
        "elastic-rules": DeployFormat(ELASTIC_TARGETS, "ndjson", elastic_rules_ndjson),
        "sentinel-rule": DeployFormat(SENTINEL_TARGETS, "yaml", _sentinel_file, True),
    }
)
