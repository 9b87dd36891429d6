"""Sysmon events stored the way each target's ingest stores them.

Written from each ingest's documented behaviour (../shared/reference/targets.md and its
sources), not from the project's pipelines, so a wrong mapping cannot test itself:
- ECS: elastic/beats x-pack/winlogbeat/module/sysmon/config/winlogbeat-sysmon.js, event 3;
- Splunk: the Splunk Add-on for Sysmon (XmlWinEventLog source, EventCode, raw field names);
- Defender XDR: a DeviceNetworkEvents row (MicrosoftDocs/defender-docs
  advanced-hunting-devicenetworkevents-table).
"""

from __future__ import annotations

import json
import ntpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
CHANNEL = "Microsoft-Windows-Sysmon/Operational"


@dataclass(frozen=True)
class Case:
    name: str
    match: bool
    event: dict[str, Any]
    event_id: int = 3
    xdr_action: str = "ConnectionSuccess"
    extra: dict[str, Any] = field(default_factory=dict)


def load_cases(path: Path) -> list[Case]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Case(
            name=item["name"],
            match=item["match"],
            event=item["event"],
            xdr_action=item.get("xdr_action", "ConnectionSuccess"),
        )
        for item in data["cases"]
    ]


def load_sysmon_json(path: Path, match: bool) -> Case:
    """A real event as SigmaHQ's regression data stores it ({"Event": {"System", "EventData"}})."""
    event = json.loads(path.read_text(encoding="utf-8"))["Event"]
    data = event["EventData"]
    action = (
        "ConnectionSuccess" if str(data.get("Initiated")) == "true" else "InboundConnectionAccepted"
    )
    return Case(path.stem, match, data, int(event["System"]["EventID"]), action)


def ecs_fields() -> dict[str, str]:
    fields: dict[str, str] = yaml.safe_load((HERE / "ecs_fields.yml").read_text(encoding="utf-8"))
    return fields


def _put(doc: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    for part in parents:
        doc = doc.setdefault(part, {})
    doc[leaf] = value


def to_ecs(case: Case) -> dict[str, Any]:
    """An ECS document as the Winlogbeat sysmon module writes Event ID 3."""
    data = {k: v for k, v in case.event.items() if v not in ("", None)}
    doc: dict[str, Any] = {}
    _put(doc, "event.code", str(case.event_id))
    _put(doc, "event.module", "sysmon")
    _put(doc, "event.provider", "Microsoft-Windows-Sysmon")
    _put(doc, "event.category", ["network"])
    _put(doc, "event.type", ["start", "connection", "protocol"])
    _put(doc, "winlog.channel", CHANNEL)
    _put(doc, "winlog.event_id", str(case.event_id))
    _put(doc, "winlog.provider_name", "Microsoft-Windows-Sysmon")
    renames = {  # winlogbeat-sysmon.js event3 Convert (mode: rename), with its type casts
        "ProcessGuid": ("process.entity_id", str),
        "ProcessId": ("process.pid", int),
        "Image": ("process.executable", str),
        "Protocol": ("network.transport", str),
        "SourceIp": ("source.ip", str),
        "SourceHostname": ("source.domain", str),
        "SourcePort": ("source.port", int),
        "DestinationIp": ("destination.ip", str),
        "DestinationHostname": ("destination.domain", str),
        "DestinationPort": ("destination.port", int),
        "DestinationPortName": ("network.protocol", str),
    }
    for name, (target, cast) in renames.items():
        if name in data:
            _put(doc, target, cast(data.pop(name)))
    if "process" in doc and "executable" in doc["process"]:  # setProcessNameUsingExe
        doc["process"]["name"] = ntpath.basename(doc["process"]["executable"])
    user = str(data.pop("User", ""))  # addUser: split DOMAIN\name
    if user.count("\\") == 1:
        domain, name = user.split("\\")
        _put(doc, "user.domain", domain)
        _put(doc, "user.name", name)
    rule_name = data.pop("RuleName", None)  # setRuleName
    if rule_name and rule_name != "-":
        _put(doc, "rule.name", rule_name)
    direction = {"true": "egress", "false": "ingress"}.get(str(data.pop("Initiated", "")))
    if direction:  # addNetworkDirection deletes the raw Initiated in every case
        _put(doc, "network.direction", direction)
    ipv6 = {"true": "ipv6", "false": "ipv4"}.get(str(data.pop("SourceIsIpv6", "")))
    data.pop("DestinationIsIpv6", None)
    if ipv6:  # addNetworkType
        _put(doc, "network.type", ipv6)
    data.pop("UtcTime", None)  # becomes @timestamp
    for name, value in data.items():  # what is left stays under winlog.event_data
        _put(doc, f"winlog.event_data.{name}", value)
    return doc


def to_splunk(case: Case) -> dict[str, str]:
    """An event as the Splunk Add-on for Sysmon extracts it: raw names, string values."""
    fields = {name: str(value) for name, value in case.event.items()}
    fields["source"] = f"XmlWinEventLog:{CHANNEL}"
    fields["sourcetype"] = "XmlWinEventLog"
    fields["EventCode"] = str(case.event_id)
    return fields


def to_xdr_network_row(case: Case) -> dict[str, Any]:
    """The DeviceNetworkEvents row Defender XDR records for the same connection."""
    data = case.event
    image = str(data.get("Image", ""))
    # XDR names the sides from the device; Sysmon names them as the connection goes, so for an
    # inbound connection its Destination is the local side.
    local, remote = ("Source", "Destination")
    if case.xdr_action == "InboundConnectionAccepted":
        local, remote = remote, local
    return {
        "ActionType": case.xdr_action,
        "InitiatingProcessFolderPath": image,
        "InitiatingProcessFileName": ntpath.basename(image),
        "InitiatingProcessId": int(data["ProcessId"]) if "ProcessId" in data else None,
        "RemoteIP": data.get(f"{remote}Ip"),
        "RemotePort": int(data[f"{remote}Port"]) if f"{remote}Port" in data else None,
        "RemoteUrl": data.get("DestinationHostname") or None,
        "LocalIP": data.get(f"{local}Ip"),
        "LocalPort": int(data[f"{local}Port"]) if f"{local}Port" in data else None,
        "Protocol": {"tcp": "Tcp", "udp": "Udp"}.get(str(data.get("Protocol", "")).lower()),
    }
