"""Sysmon events as Microsoft Defender XDR advanced hunting records the same activity.

``to_xdr_row`` gives, for a Sysmon event, the table and the row Defender XDR keeps for the same
activity. It is written from Microsoft's documentation and from published XDR results, never
from the project's pipeline (pipelines/defender_xdr.yml), so a wrong mapping cannot test
itself. Sources:

- columns and their types: MicrosoftDocs/defender-docs defender-xdr/
  advanced-hunting-{deviceprocessevents,deviceimageloadevents,devicefileevents,
  deviceregistryevents,deviceevents,devicenetworkevents}-table.md (the same schemas
  pySigma ships in sigma.pipelines.microsoftxdr.tables, read through ``xdr_table_columns``);
- ActionType values: Microsoft's hunting queries (Azure-Sentinel "Hunting Queries/Microsoft
  365 Defender/": ProcessCreated, FileCreated, FileDeleted, DnsQueryResponse read with
  extractjson("$.DnsQueryString", AdditionalFields), NamedPipeEvent, OpenProcessApiCall with
  FileName =~ "lsass.exe" for the target, CreateRemoteThreadApiCall, DriverLoad);
- registry columns: Azure-Sentinel Parsers/ASimRegistryEvent/Parsers/
  ASimRegistryEventMicrosoft365D.yaml (a deleted key or value is in PreviousRegistryKey /
  PreviousRegistryValueName, the old name of a renamed key in PreviousRegistryKey; value
  types String, ExpandString, Binary, Dword, MultiString, QWord).

What the columns hold, where the documentation is silent (each an approximation):

- FolderPath / InitiatingProcessFolderPath hold the full path of the file, file name included
  (the docs say "folder containing the file"; published results and Microsoft's queries
  compare them with full paths such as c:\\windows\\system32\\werfault.exe).
- Registry hives are written HKEY_LOCAL_MACHINE\\... and, for Sysmon's HKU\\<SID>\\...,
  HKEY_CURRENT_USER\\<SID>\\... (published DeviceRegistryEvents results, e.g.
  HKEY_CURRENT_USER\\S-1-5-21-...-500\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run).
  Sysmon's HKLM\\System\\CurrentControlSet is written HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001
  (XDR records the real key, not the CurrentControlSet link: published DeviceRegistryEvents
  results show HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\WinDefend,
  ...\\ControlSet001\\Services\\EventLog\\Application\\...; ControlSet001 is the current set
  on nearly every machine). HKCR, which Sysmon rarely writes, becomes HKEY_CLASSES_ROOT
  (undocumented).
- A value's data is text: a DWORD or QWORD as its decimal number ("1" for Sysmon's
  "DWORD (0x00000001)", RegistryValueType Dword); the default value's name is empty (Sysmon
  writes "\\(Default)"; published results show RegistryValueName empty for default values).
  Sysmon's "Binary Data" carries no bytes, so RegistryValueData stays empty; string data is
  typed String (Sysmon does not tell ExpandString or MultiString apart).
- A value name is what follows the key's last backslash, except that a name starting with a
  drive ("C:\\Temp", as Defender exclusion values are named) starts at that drive.
- Pipe names are the object path, \\Device\\NamedPipe\\<name>, in AdditionalFields.PipeName
  (published NamedPipeEvent results: \\Device\\NamedPipe\\lsass), with FileOperation
  "File created" for a pipe created (Sysmon 17) and "File opened" for a connection (18).
- DnsQueryResponse rows carry the name only (AdditionalFields.DnsQueryString): XDR records
  DNS from network inspection and no documented column holds the asking process, so the
  InitiatingProcess* columns stay empty; the answers' form (DnsQueryResult) is not built.
- OpenProcessApiCall and CreateRemoteThreadApiCall: the target process is FolderPath /
  FileName / ProcessId, the caller InitiatingProcess*. Defender records OpenProcessApiCall
  for few targets (in practice LSASS); this module records every access, which is generous.
- Account names keep Sysmon's spelling (XDR may lower-case system accounts: "nt authority",
  "system"); the comparisons rules make are case-insensitive.
- Every Sysmon event is taken as recorded; XDR samples and throttles some kinds (image
  loads, network connections) on real machines.

Events XDR does not record in any documented table are listed in ``NOT_RECORDED``.

Other channels: Defender XDR holds no table of the Windows event log's channels. The one
fact a table documents beside them is a process creation: Security 4688 (a process was
created, with its path, command line, account and creator) is the activity DeviceProcessEvents
records as ProcessCreated (advanced-hunting-deviceprocessevents-table.md), so a 4688 event
is the same row a Sysmon 1 event would be. Every other event of those channels is not in XDR
at all (``not_recorded`` says why): a rule on them is refused, never "not matched".
"""

from __future__ import annotations

import json
import ntpath
from collections.abc import Callable, Mapping
from typing import Any

from sigma_certutil.verify.engines.kusto import xdr_table_columns
from sigma_certutil.verify.shapes import CHANNEL as SYSMON_CHANNEL
from sigma_certutil.verify.shapes import ShapedEvent, whole_number
from sigma_certutil.verify.shapes.xdr_registry import (
    REGISTRY_ACTIONS,
    registry_data,
    registry_path,
    split_value,
)

Row = dict[str, object]

# Sysmon events without a Defender XDR record, and why.
NOT_RECORDED: dict[int, str] = {
    2: "a file's creation time changed: DeviceFileEvents has no such action (FileModified is "
    "a content change)",
    4: "Sysmon's own service state",
    5: "process terminated: DeviceProcessEvents documents process creation, no termination",
    9: "raw disk read: no documented counterpart",
    15: "alternate data stream hash: no documented counterpart",
    16: "Sysmon's own configuration change",
    19: "WMI filter: not covered here (XDR's WMI action types have another shape)",
    20: "WMI consumer: not covered here (XDR's WMI action types have another shape)",
    21: "WMI binding: not covered here (XDR's WMI action types have another shape)",
    24: "clipboard change: no documented counterpart",
    25: "process tampering: no documented counterpart",
    27: "Sysmon's own executable block",
    28: "Sysmon's own shredding block",
    29: "Sysmon's own executable detection",
    255: "Sysmon's own error",
}

PIPE_PREFIX = "\\Device\\NamedPipe"
_INT_RANGES = {"int": range(-(2**31), 2**31), "long": range(-(2**63), 2**63)}
_VERSION_FIELDS = ("OriginalFileName", "Description", "Product", "Company", "FileVersion")


def not_recorded(case: ShapedEvent) -> str | None:
    """Why Defender XDR keeps no row of the event, or None when ``to_xdr_row`` gives one."""
    if case.channel == SYSMON_CHANNEL:
        if case.event_id in NOT_RECORDED:
            return NOT_RECORDED[case.event_id]
        if case.event_id != 3 and case.event_id not in _BUILDERS:
            return f"Sysmon event {case.event_id}: not covered"
        return None
    if (case.channel, case.event_id) == ("Security", 4688):
        return None
    return (
        f"{case.channel} event {case.event_id}: Defender XDR keeps no table of the "
        f"{case.channel} channel, and no table documents the same activity"
    )


def to_xdr_row(case: ShapedEvent) -> tuple[str, Row] | None:
    """(table, row) of the Defender XDR record of the activity an event describes, or None
    when XDR does not record it (``not_recorded`` says why).

    The row has every column of the table: the ones this event fills, typed as the table
    types them (int / long columns hold ints of 32 / 64 bits: a number out of range or not a
    number is None), empty strings for the other string columns (Kusto has no null string)
    and None for the others.
    """
    if not_recorded(case) is not None:
        return None
    if case.channel != SYSMON_CHANNEL:
        table, row = _security_process_created(_Event(case.event))
    elif case.event_id == 3:
        table, row = "DeviceNetworkEvents", to_xdr_network_row(case)
    else:
        build = _BUILDERS.get(case.event_id)
        if build is None:
            return None
        built = build(_Event(case.event))
        if built is None:
            return None
        table, row = built
    return table, stored_row(table, row)


def stored_row(table: str, row: Mapping[str, object]) -> Row:
    """``row`` completed to every column of ``table``: string columns never null."""
    columns = xdr_table_columns(table)
    unknown = set(row) - set(columns)
    if unknown:
        raise ValueError(f"{table} has no column {sorted(unknown)}")
    stored: Row = {}
    for name, kind in columns.items():
        value = row.get(name)
        if kind in _INT_RANGES and not (isinstance(value, int) and value in _INT_RANGES[kind]):
            value = None
        stored[name] = "" if kind == "string" and value is None else value
    return stored


class _Event:
    """Sysmon EventData with XDR's view of its values: "-" (Sysmon's "none") is empty."""

    def __init__(self, data: Mapping[str, object]) -> None:
        self.data = data

    def text(self, name: str) -> str:
        value = self.data.get(name)
        text = "" if value is None else str(value)
        if text == "-" or (name in _VERSION_FIELDS and text == "?"):
            return ""
        return text

    def number(self, name: str) -> int | None:
        """Decimal or 0x-hexadecimal text as a number; None when it is not one."""
        return whole_number(self.text(name), hexadecimal=True)

    def account(self, name: str, prefix: str = "") -> Row:
        """DOMAIN\\name split into <prefix>AccountDomain and <prefix>AccountName."""
        domain, _, user = self.text(name).rpartition("\\")
        if not user:
            return {}
        return {f"{prefix}AccountDomain": domain, f"{prefix}AccountName": user}

    def hashes(self, name: str = "Hashes", prefix: str = "") -> Row:
        """Sysmon's "SHA1=...,MD5=...,SHA256=...,IMPHASH=..." in the SHA1, SHA256 and MD5
        columns, lower-case as XDR writes them (IMPHASH has no column)."""
        row: Row = {}
        for pair in self.text(name).split(","):
            algorithm, _, value = pair.partition("=")
            if algorithm.strip().upper() in ("SHA1", "SHA256", "MD5") and value.strip("0"):
                row[f"{prefix}{algorithm.strip().upper()}"] = value.strip().lower()
        return row

    def file(self, name: str, prefix: str = "") -> Row:
        """<prefix>FolderPath (full path) and <prefix>FileName of the file in ``name``."""
        path = self.text(name)
        if not path:
            return {}
        return {f"{prefix}FolderPath": path, f"{prefix}FileName": ntpath.basename(path)}

    def initiating(self, image: str, pid: str, user: str) -> Row:
        """InitiatingProcess* of the process named by the fields ``image``, ``pid``, ``user``."""
        return {
            **self.file(image, "InitiatingProcess"),
            "InitiatingProcessId": self.number(pid),
            **self.account(user, "InitiatingProcess"),
        }


def _process_created(event: _Event) -> tuple[str, Row]:
    return "DeviceProcessEvents", {
        "ActionType": "ProcessCreated",
        **event.file("Image"),
        "ProcessId": event.number("ProcessId"),
        "ProcessCommandLine": event.text("CommandLine"),
        "ProcessVersionInfoOriginalFileName": event.text("OriginalFileName"),
        "ProcessVersionInfoFileDescription": event.text("Description"),
        "ProcessVersionInfoProductName": event.text("Product"),
        "ProcessVersionInfoCompanyName": event.text("Company"),
        # Same level names (System, High, Medium, Low); FileVersion has no column (the
        # ProductVersion column is another version).
        "ProcessIntegrityLevel": event.text("IntegrityLevel"),
        **event.account("User"),
        "LogonId": event.number("LogonId"),  # Sysmon writes it in hex, XDR as a long
        **event.hashes(),
        **event.initiating("ParentImage", "ParentProcessId", "ParentUser"),
        "InitiatingProcessCommandLine": event.text("ParentCommandLine"),
    }


def _security_process_created(event: _Event) -> tuple[str, Row]:
    """Security 4688: NewProcessName/NewProcessId the new process, ProcessId/ParentProcessName
    its creator (Microsoft's event-4688 documentation: "Creator Process ID", "Creator Process
    Name"); the account is the new process's (Target*, "-" when it is the creator's, then
    Subject*). 4688 carries no hashes, version information or integrity level name."""
    target = event.text("TargetUserName")
    prefix = "Target" if target else "Subject"
    domain, user = event.text(f"{prefix}DomainName"), event.text(f"{prefix}UserName")
    return "DeviceProcessEvents", {
        "ActionType": "ProcessCreated",
        **event.file("NewProcessName"),
        "ProcessId": event.number("NewProcessId"),
        "ProcessCommandLine": event.text("CommandLine"),
        **({"AccountDomain": domain, "AccountName": user} if user else {}),
        "LogonId": event.number(f"{prefix}LogonId"),
        **event.file("ParentProcessName", "InitiatingProcess"),
        "InitiatingProcessId": event.number("ProcessId"),
    }


def _driver_loaded(event: _Event) -> tuple[str, Row]:
    # Sysmon 6 names no loading process.
    return "DeviceEvents", {"ActionType": "DriverLoad", **event.file("ImageLoaded"),
                            **event.hashes()}  # fmt: skip


def _image_loaded(event: _Event) -> tuple[str, Row]:
    # The version fields and signature Sysmon gives are the DLL's: DeviceImageLoadEvents has
    # no column for them (its InitiatingProcessVersionInfo* describe the loading process).
    return "DeviceImageLoadEvents", {
        "ActionType": "ImageLoaded",
        **event.file("ImageLoaded"),
        **event.hashes(),
        **event.initiating("Image", "ProcessId", "User"),
    }


def _cross_process(action: str) -> Callable[[_Event], tuple[str, Row]]:
    def build(event: _Event) -> tuple[str, Row]:
        return "DeviceEvents", {
            "ActionType": action,
            **event.file("TargetImage"),
            "ProcessId": event.number("TargetProcessId"),
            **event.initiating("SourceImage", "SourceProcessId", "SourceUser"),
        }

    return build


def _file(action: str) -> Callable[[_Event], tuple[str, Row]]:
    def build(event: _Event) -> tuple[str, Row]:
        return "DeviceFileEvents", {
            "ActionType": action,
            **event.file("TargetFilename"),
            **event.hashes(),  # Sysmon 23 and 26 hash the deleted file
            **event.initiating("Image", "ProcessId", "User"),
        }

    return build


def _registry(event: _Event) -> tuple[str, Row] | None:
    action = REGISTRY_ACTIONS.get(event.text("EventType"))
    target = registry_path(event.text("TargetObject"))
    if action is None or not target:
        return None
    row: Row = {"ActionType": action, **event.initiating("Image", "ProcessId", "User")}
    if action == "RegistryKeyCreated":
        row["RegistryKey"] = target
    elif action == "RegistryKeyDeleted":
        row["PreviousRegistryKey"] = target
    elif action == "RegistryValueDeleted":
        row["PreviousRegistryKey"], row["PreviousRegistryValueName"] = split_value(target)
    elif action == "RegistryKeyRenamed":
        row["PreviousRegistryKey"] = target
        row["RegistryKey"] = registry_path(event.text("NewName"))
    else:  # RegistryValueSet
        row["RegistryKey"], row["RegistryValueName"] = split_value(target)
        row["RegistryValueData"], row["RegistryValueType"] = registry_data(event.text("Details"))
    return "DeviceRegistryEvents", row


def _pipe(operation: str, end: str) -> Callable[[_Event], tuple[str, Row]]:
    def build(event: _Event) -> tuple[str, Row]:
        name = event.text("PipeName")
        fields = {
            "PipeName": PIPE_PREFIX + name if name.startswith("\\") else name,
            "FileOperation": operation,
            "NamedPipeEnd": end,
        }
        return "DeviceEvents", {
            "ActionType": "NamedPipeEvent",
            "AdditionalFields": json.dumps(fields),  # a string column holding JSON
            **event.initiating("Image", "ProcessId", "User"),
        }

    return build


def _dns_query(event: _Event) -> tuple[str, Row]:
    return "DeviceEvents", {
        "ActionType": "DnsQueryResponse",
        "AdditionalFields": json.dumps({"DnsQueryString": event.text("QueryName")}),
    }


_BUILDERS: dict[int, Callable[[_Event], tuple[str, Row] | None]] = {
    1: _process_created,
    6: _driver_loaded,
    7: _image_loaded,
    8: _cross_process("CreateRemoteThreadApiCall"),
    10: _cross_process("OpenProcessApiCall"),
    11: _file("FileCreated"),
    12: _registry,
    13: _registry,
    14: _registry,
    17: _pipe("File created", "Server"),
    18: _pipe("File opened", "Client"),
    22: _dns_query,
    23: _file("FileDeleted"),
    26: _file("FileDeleted"),
}


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def xdr_network_action(case: ShapedEvent) -> str:
    """The event's XDR ActionType when given, else what Initiated says (an outbound connection
    is taken as successful)."""
    if case.xdr_action:
        return case.xdr_action
    inbound = str(case.event.get("Initiated")).lower() == "false"
    return "InboundConnectionAccepted" if inbound else "ConnectionSuccess"


def to_xdr_network_row(case: ShapedEvent) -> dict[str, Any]:
    """The DeviceNetworkEvents row Defender XDR records for the same connection."""
    data = case.event
    action = xdr_network_action(case)
    image = str(data.get("Image", ""))
    # XDR names the sides from the device; Sysmon names them as the connection goes, so for an
    # inbound connection its Destination is the local side.
    local, remote = ("Source", "Destination")
    if action == "InboundConnectionAccepted":
        local, remote = remote, local
    return {
        "ActionType": action,
        "InitiatingProcessFolderPath": image,
        "InitiatingProcessFileName": ntpath.basename(image),
        "InitiatingProcessId": whole_number(data.get("ProcessId")),
        "RemoteIP": _text(data.get(f"{remote}Ip")),
        "RemotePort": whole_number(data.get(f"{remote}Port")),
        "RemoteUrl": _text(data.get("DestinationHostname")) or None,
        "LocalIP": _text(data.get(f"{local}Ip")),
        "LocalPort": whole_number(data.get(f"{local}Port")),
        "Protocol": {"tcp": "Tcp", "udp": "Udp"}.get(str(data.get("Protocol", "")).lower()),
    }
