"""Windows events as Elastic Common Schema documents: Sysmon events as the Winlogbeat sysmon
module's ingest pipeline writes them (elastic/beats x-pack/winlogbeat/module/sysmon/ingest/
sysmon.yml, every event id), the other channels as ``ecs_windows`` says; and the field types
of the index they land in."""

from __future__ import annotations

import ipaddress
import ntpath
import re
from pathlib import Path
from typing import Any

import yaml

from sigma_certutil.sysmon import sysmon_events
from sigma_certutil.verify.shapes import CHANNEL, ShapedEvent, whole_number
from sigma_certutil.verify.shapes.ecs_windows import to_ecs_windows
from sigma_certutil.windows import log_sources

HERE = Path(__file__).resolve().parent


def ecs_fields() -> dict[str, str]:
    """Index field types: the ECS fields in ecs_fields.yml, and winlog.event_data.<Name> as
    keyword for every Sysmon field and every field of the other channels' events under its
    XML name (Winlogbeat's template maps winlog.event_data.* as keyword)."""
    fields: dict[str, str] = yaml.safe_load((HERE / "ecs_fields.yml").read_text(encoding="utf-8"))
    for event in sysmon_events().values():
        for name in event.fields:
            fields.setdefault(f"winlog.event_data.{name}", "keyword")
    fields["winlog.event_data.TargetProcessGUID"] = "keyword"
    # Every other channel's EventData (and UserData) fields, by their XML names with spaces
    # written as underscores, as the winlog input writes them (elastic/integrations
    # packages/windows/data_stream/windows_defender/elasticsearch/ingest_pipeline/default.yml
    # reads winlog.event_data.Process_Name) (sigma_certutil/data/windows_events.yml).
    for source in log_sources().values():
        for windows_event in source.events:
            for name in windows_event.fields:
                data = "user_data" if name in windows_event.user_data else "event_data"
                xml = windows_event.xml_name(name).replace(" ", "_")
                fields.setdefault(f"winlog.{data}.{xml}", "keyword")
            # Unnamed <Data> elements are param1..paramN (windows_ecs._unnamed_data).
            for number in range(1, windows_event.params + 1):
                fields.setdefault(f"winlog.event_data.param{number}", "keyword")
    return fields


def _put(doc: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    for part in parents:
        doc = doc.setdefault(part, {})
    doc[leaf] = value


def _get(doc: dict[str, Any], dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(doc, dict) or part not in doc:
            return None
        doc = doc[part]
    return doc


# elastic/beats x-pack/winlogbeat/module/sysmon/ingest/sysmon.yml, in its order.
_CATEGORY = {
    1: ["process"], 2: ["file"], 3: ["network"], 4: ["process"], 5: ["process"], 6: ["driver"],
    7: ["process"], 8: ["process"], 9: ["process"], 10: ["process"], 11: ["file"],
    12: ["configuration", "registry"], 13: ["configuration", "registry"],
    14: ["configuration", "registry"], 15: ["file"], 16: ["configuration"], 17: ["file"],
    18: ["file"], 19: ["process"], 20: ["process"], 21: ["process"], 22: ["network"],
    23: ["file"], 25: ["process"], 26: ["file"], 27: ["file"], 28: ["file"], 29: ["file"],
}  # fmt: skip
_RENAMES = [  # (Sysmon field, ECS field, long?)
    ("ProcessGuid", "process.entity_id", False), ("ProcessId", "process.pid", True),
    ("Image", "process.executable", False), ("SourceProcessGuid", "process.entity_id", False),
    ("SourceProcessGUID", "process.entity_id", False), ("SourceProcessId", "process.pid", True),
    ("SourceThreadId", "process.thread.id", True), ("SourceImage", "process.executable", False),
    ("Destination", "process.executable", False), ("CommandLine", "process.command_line", False),
    ("CurrentDirectory", "process.working_directory", False),
    ("ParentProcessGuid", "process.parent.entity_id", False),
    ("ParentProcessId", "process.parent.pid", True),
    ("ParentImage", "process.parent.executable", False),
    ("ParentCommandLine", "process.parent.command_line", False),
    ("TargetFilename", "file.path", False), ("Device", "file.path", False),
    ("PipeName", "file.name", False), ("ImageLoaded", "file.path", False),
    ("Protocol", "network.transport", False), ("SourceHostname", "source.domain", False),
    ("SourceIp", "source.ip", False), ("SourcePort", "source.port", True),
    ("DestinationIp", "destination.ip", False), ("DestinationPort", "destination.port", True),
    ("DestinationHostname", "destination.domain", False),
    ("QueryName", "dns.question.name", False), ("ID", "error.code", False),
]  # fmt: skip
_REMOVED = {
    "ProcessId", "ParentProcessId", "SourceProcessId", "SourceThreadId", "SourceIp", "SourcePort",
    "SourcePortName", "DestinationIp", "DestinationPort", "DestinationPortName", "RuleName",
    "User", "Initiated", "SourceIsIpv6", "DestinationIsIpv6", "QueryStatus", "Archived",
    "IsExecutable", "QueryResults", "UtcTime", "Hash", "Hashes", "TargetObject", "Details",
}  # fmt: skip
_REMOVED_VALUES = ("", None, "-", "{00000000-0000-0000-0000-000000000000}")
_HIVES = {
    "HKEY_LOCAL_MACHINE": "HKLM",
    "HKLM": "HKLM",
    "HKEY_USERS": "HKU",
    "HKU": "HKU",
    "HKEY_CURRENT_USER": "HKCU",
    "HKCU": "HKCU",
    "HKEY_CLASSES_ROOT": "HKCR",
    "HKCR": "HKCR",
}


# The ingest converts SourceIp and DestinationIp with `convert: type: ip` (ignore_failure):
# a value that is not an address gives no field.
_IP_FIELDS = frozenset({"source.ip", "destination.ip"})


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip())
    except ValueError:
        return False
    return True


def to_ecs(case: ShapedEvent) -> dict[str, Any]:
    """An ECS document as Winlogbeat writes the event: a Sysmon event as the sysmon ingest
    pipeline does, another channel's as ``ecs_windows.to_ecs_windows``. Winlogbeat reads
    EventData as text; a number field that is not a whole number of 64 bits is not
    converted, so its ECS field is not written (and the raw field is removed as usual)."""
    if case.channel != CHANNEL:
        return to_ecs_windows(case)
    # The ingest's first script removes EventData values that are null, "", "-" or the zero
    # GUID: removeIf(entry -> [null, "", "-", "{00000000-0000-0000-0000-000000000000}"] ...).
    data = {k: str(v) for k, v in case.event.items() if v not in _REMOVED_VALUES}
    code = case.event_id
    doc: dict[str, Any] = {}
    _put(doc, "event.code", str(code))
    _put(doc, "event.module", "sysmon")
    _put(doc, "event.kind", "event")
    _put(doc, "event.provider", "Microsoft-Windows-Sysmon")
    if code in _CATEGORY:
        _put(doc, "event.category", _CATEGORY[code])
    _put(doc, "winlog.channel", CHANNEL)
    _put(doc, "winlog.event_id", str(code))
    _put(doc, "winlog.provider_name", "Microsoft-Windows-Sysmon")
    if "RuleName" in data:
        _put(doc, "rule.name", data["RuleName"])
    for name, target, is_long in _RENAMES:
        if name in data:
            value = whole_number(data[name]) if is_long else data[name]
            if target in _IP_FIELDS and not _is_address(str(value)):
                value = None  # `convert: type: ip`, ignore_failure: no field
            if value is not None:
                _put(doc, target, value)
    pe = "file.pe" if code == 7 else "process.pe"
    if "OriginalFileName" in data:
        _put(doc, f"{pe}.original_file_name", data.pop("OriginalFileName"))
    for name, suffix in [("Company", "company"), ("Description", "description"),
                         ("FileVersion", "file_version"), ("Product", "product")]:  # fmt: skip
        if name in data:  # copied: the raw field stays under winlog.event_data
            _put(doc, f"{pe}.{suffix}", data[name])
    for path in ("process", "process.parent"):
        executable = _get(doc, f"{path}.executable")
        if executable and "\\" in executable:
            _put(doc, f"{path}.name", ntpath.basename(executable))
    if "Signature" in data:
        _put(doc, "file.code_signature.subject_name", data["Signature"])
    if "SignatureStatus" in data:
        _put(doc, "file.code_signature.status", data["SignatureStatus"])
    file_path = _get(doc, "file.path")
    if file_path and "\\" in file_path:
        _put(doc, "file.name", ntpath.basename(file_path))
        _put(doc, "file.directory", ntpath.dirname(file_path))
    port_name = data.get("DestinationPortName") or data.get("SourcePortName")
    if port_name and code != 22:
        _put(doc, "network.protocol", port_name)
    direction = {"true": "egress", "false": "ingress"}.get(str(data.get("Initiated", "")))
    if direction:
        _put(doc, "network.direction", direction)
    ipv6 = {"true": "ipv6", "false": "ipv4"}.get(str(data.get("SourceIsIpv6", "")))
    if ipv6:
        _put(doc, "network.type", ipv6)
    user = str(data.get("User", ""))
    if user.count("\\") == 1:
        domain, name = user.split("\\")
        _put(doc, "user.domain", domain)
        _put(doc, "user.name", name)
    hashes = str(data.get("Hashes") or data.get("Hash") or "")
    if hashes:  # kv split on "," and "=", lowercased; empty (all-zero) hashes dropped
        owner = (
            "process" if code in (1, 23, 24, 25, 26) else "file" if code in (6, 7, 15, 29) else ""
        )
        for pair in hashes.split(","):
            algo, _, value = pair.partition("=")
            if owner and value and not re.fullmatch(r"0*", value):
                name = "pe.imphash" if algo.lower() == "imphash" else f"hash.{algo.lower()}"
                _put(doc, f"{owner}.{name}", value.lower())
    if code in (12, 13, 14) and "TargetObject" in data:
        _registry(doc, str(data["TargetObject"]), data.get("Details"))
    if "TargetProcessGuid" in data:
        data["TargetProcessGUID"] = data.pop("TargetProcessGuid")
    renamed = {name for name, _, _ in _RENAMES}
    for name, value in data.items():  # what is left stays under winlog.event_data
        if name not in renamed and name not in _REMOVED:
            _put(doc, f"winlog.event_data.{name}", str(value))
    return doc


def _registry(doc: dict[str, Any], path: str, details: Any) -> None:
    _put(doc, "registry.path", path)
    tokens = path.split("\\")
    if tokens[0] in _HIVES:
        _put(doc, "registry.hive", _HIVES[tokens[0]])
        if len(tokens) > 1:
            _put(doc, "registry.key", "\\".join(tokens[1:]))
    _put(doc, "registry.value", tokens[-1])
    if details:
        dword = re.fullmatch(r"(?i)DWORD \((0x[0-9A-F]{8})\)", str(details))
        strings = str(int(dword.group(1), 16)) if dword else str(details)
        _put(doc, "registry.data.strings", [strings])
