"""Windows events of channels other than Sysmon's as Elastic Common Schema documents, as
Winlogbeat writes them: its ``security`` and ``powershell`` modules' ingest pipelines for
their channels, and, for a channel no module reads, Winlogbeat's own event (event.code,
event.provider, winlog.channel, winlog.provider_name and winlog.event_id, every EventData
field as text under winlog.event_data, empty values left out).

Sources, each read for what it does to the events SigmaHQ's rules use:
- elastic/beats x-pack/winlogbeat/module/security/ingest/security.yml ("Set ECS
  categorization fields", "Set Logon Type", "Set Service Type and Name", "Copy Target User",
  "Copy Subject User from Event Data", "Copy Target User to Effective", "Rename Common Auth
  Fields", "Process Event 4688", the SubjectLogonId copy, the source.ip gsub);
- x-pack/winlogbeat/module/powershell/ingest/powershell_operational.yml (4103, 4104, 4105,
  4106) and powershell.yml (the classic channel's 400, 403, 600, 800);
- the modules' golden files (x-pack/winlogbeat/module/*/test/testdata/ingest/*.golden.json),
  which tests/test_verify_shapes_ecs_windows.py checks this module against.

The Elastic Agent's System integration (security data stream, logs-system.security-*) and
Windows integration (powershell and powershell_operational data streams,
logs-windows.powershell*-*) run ports of the same pipelines, with the same renames and the
same winlog.event_data; ``ecs_agent.to_ecs_agent`` writes what differs, from the packages'
pipeline tests (elastic/integrations packages/system/data_stream/security/_dev/test/pipeline/
test-4698-scheduled-task-created.json-expected.json, packages/windows/data_stream/
powershell_operational/_dev/test/pipeline/test-events.json-expected.json): no event.module
(the data stream names the dataset instead), and for 4698 to 4702 the task's XML parsed
into winlog.scheduled_task (not built here: TaskContent stays as it is beside it).
"""

from __future__ import annotations

import ntpath
import re
from collections.abc import Mapping
from typing import Any

from sigma_certutil.verify.shapes import ShapedEvent, whole_number

SECURITY = "Security"
PS_OPERATIONAL = "Microsoft-Windows-PowerShell/Operational"
PS_CLASSIC = "Windows PowerShell"

# security.yml "Set ECS categorization fields": (category, type, action) of the event ids
# SigmaHQ's Security rules use most.
_SECURITY_EVENTS: dict[int, tuple[list[str], list[str], str]] = {
    1102: (["iam"], ["admin", "change"], "audit-log-cleared"),
    4624: (["authentication"], ["start"], "logged-in"),
    4625: (["authentication"], ["start"], "logon-failed"),
    4634: (["authentication"], ["end"], "logged-out"),
    4648: (["authentication"], ["start"], "logged-in-explicit"),
    4657: (["registry", "configuration"], ["change"], "registry-value-modified"),
    4672: (["iam"], ["admin"], "logged-in-special"),
    4673: (["iam"], ["admin"], "privileged-service-called"),
    4674: (["iam"], ["admin"], "privileged-operation"),
    4688: (["process"], ["start"], "created-process"),
    4689: (["process"], ["end"], "exited-process"),
    4697: (["iam", "configuration"], ["admin", "change"], "service-installed"),
    4698: (["iam", "configuration"], ["creation", "admin"], "scheduled-task-created"),
    4699: (["iam", "configuration"], ["deletion", "admin"], "scheduled-task-deleted"),
    4700: (["iam", "configuration"], ["change", "admin"], "scheduled-task-enabled"),
    4701: (["iam", "configuration"], ["change", "admin"], "scheduled-task-disabled"),
    4702: (["iam", "configuration"], ["change", "admin"], "scheduled-task-updated"),
    4719: (["iam", "configuration"], ["admin", "change"], "changed-audit-config"),
    4720: (["iam"], ["user", "creation"], "added-user-account"),
    4732: (["iam"], ["group", "change"], "added-member-to-group"),
    4738: (["iam"], ["user", "change"], "modified-user-account"),
    4768: (["authentication"], ["start"], "kerberos-authentication-ticket-requested"),
    4769: (["authentication"], ["start"], "kerberos-service-ticket-requested"),
    4776: (["authentication"], ["start"], "credential-validated"),
}
# "Set Logon Type".
LOGON_TYPES = {
    "2": "Interactive", "3": "Network", "4": "Batch", "5": "Service", "7": "Unlock",
    "8": "NetworkCleartext", "9": "NewCredentials", "10": "RemoteInteractive",
    "11": "CachedInteractive",
}  # fmt: skip
# "Set Service Type and Name".
SERVICE_TYPES = {
    "0x1": "Kernel Driver", "0x2": "File System Driver", "0x8": "Recognizer Driver",
    "0x10": "Win32 Own Process", "0x20": "Win32 Share Process",
    "0x110": "Interactive Own Process", "0x120": "Interactive Share Process",
}  # fmt: skip
# The event ids of each script's list (the pipeline's ``contains(ctx.event.code)``).
_TARGET_USER = {4624, 4625, 4634, 4647, 4648, 4768, 4769, 4770, 4771, 4776, 4964}
_SUBJECT_USER = {
    4657, 4670, 4672, 4673, 4674, 4688, 4689, 4697, 4698, 4699, 4700, 4701, 4702, 4706,
    4707, 4713, 4716, 4717, 4718, 4719, 4720, 4722, 4723, 4724, 4725, 4726, 4727, 4728,
    4729, 4730, 4731, 4732, 4733, 4734, 4735, 4737, 4738, 4739, 4740, 4741, 4742, 4743,
    4744, 4745, 4746, 4747, 4748, 4749, 4750, 4751, 4752, 4753, 4754, 4755, 4756, 4757,
    4758, 4759, 4760, 4761, 4762, 4763, 4764, 4767, 4781, 4798, 4799, 4817, 4904, 4905,
    4907, 4912, 4648,
}  # fmt: skip
_COMMON_AUTH = {
    1100, 1102, 1104, 1105, 1108, 4624, 4648, 4625, 4670, 4673, 4674, 4689, 4697, 4719,
    4720, 4722, 4723, 4724, 4725, 4726, 4727, 4728, 4729, 4730, 4731, 4732, 4733, 4734,
    4735, 4737, 4738, 4740, 4741, 4742, 4743, 4744, 4745, 4746, 4747, 4748, 4749, 4750,
    4751, 4752, 4753, 4754, 4755, 4756, 4757, 4758, 4759, 4760, 4761, 4762, 4763, 4764,
    4767, 4768, 4769, 4770, 4771, 4798, 4799, 4817, 4904, 4905, 4907, 4912,
}  # fmt: skip


def _put(doc: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    for part in parents:
        doc = doc.setdefault(part, {})
    doc[leaf] = value


def _pid(value: str) -> int | None:
    """Painless ``Long.decode``: decimal or 0x-hexadecimal text (a pid Windows writes 0x1fc)."""
    return whole_number(value, hexadecimal=True)


def to_ecs_windows(case: ShapedEvent) -> dict[str, Any]:
    """The ECS document Winlogbeat writes for a Windows event of a channel other than
    Sysmon's (``to_ecs`` sends Sysmon events to the sysmon module's shape)."""
    # Winlogbeat reads EventData as text and leaves empty values out (the golden files have
    # no empty event_data value: 4624's empty WorkstationName is absent); a name with spaces
    # is written with underscores (Windows Defender's "Threat Name" is Threat_Name in the
    # winlog input's documents: elastic/integrations packages/windows/data_stream/
    # windows_defender/_dev/test/pipeline/test-events-windows-defender-events.json).
    data = {
        k.replace(" ", "_"): str(v)
        for k, v in _unnamed_as_params(case.event).items()
        if v is not None and str(v) != ""
    }
    code = case.event_id
    doc: dict[str, Any] = {}
    _put(doc, "event.code", str(code))
    _put(doc, "event.kind", "event")
    if case.provider:
        _put(doc, "event.provider", case.provider)
        _put(doc, "winlog.provider_name", case.provider)
    _put(doc, "winlog.channel", case.channel)
    _put(doc, "winlog.event_id", str(code))
    if case.channel == SECURITY:
        _security(doc, data, code)
    elif case.channel == PS_OPERATIONAL:
        _powershell_operational(doc, data, code)
    elif case.channel == PS_CLASSIC:
        _powershell_classic(doc, data, code)
    if data and case.user_data:  # Winlogbeat: <UserData> under winlog.user_data
        doc["winlog"]["user_data"] = {"xml_name": case.user_data, **data}
    elif data:
        doc["winlog"]["event_data"] = data
    return doc


def _unnamed_as_params(event: Mapping[str, Any]) -> Mapping[str, Any]:
    """An event's unnamed <Data> elements (``Data``, a list in order) as Winlogbeat names
    them: the Nth element of EventData paramN, from 1 (elastic/beats winlogbeat/sys/
    winevent/maputil.go AddPairs: "If the key name is empty or if it the default of "Data"
    then assign a generic name of paramN"); its line endings made \\n
    (sys.RemoveWindowsLineEndings)."""
    unnamed = event.get("Data")
    if not isinstance(unnamed, list):
        return event
    data = {k: v for k, v in event.items() if k != "Data"}
    for number, value in enumerate(unnamed, start=1):
        data[f"param{number}"] = str(value).replace("\r\n", "\n")
    return data


def _security(doc: dict[str, Any], data: dict[str, str], code: int) -> None:
    _put(doc, "event.module", "security")
    if code in _SECURITY_EVENTS:
        category, kind, action = _SECURITY_EVENTS[code]
        _put(doc, "event.category", category)
        _put(doc, "event.type", kind)
        _put(doc, "event.action", action)
    if data.get("LogonType") in LOGON_TYPES:
        _put(doc, "winlog.logon.type", LOGON_TYPES[data["LogonType"]])
    if "ServiceName" in data:
        _put(doc, "service.name", data["ServiceName"])
    if "ServiceType" in data and data["ServiceType"] in SERVICE_TYPES:
        _put(doc, "service.type", SERVICE_TYPES[data["ServiceType"]])
    user: dict[str, Any] = {}
    if code in _TARGET_USER:  # "Copy Target User": user.* (the @ and what follows dropped)
        sid = data.get("TargetUserSid", data.get("TargetSid"))
        if sid is not None:
            user["id"] = sid
        if "TargetUserName" in data:
            user["name"] = data["TargetUserName"].split("@")[0]
        if "TargetDomainName" in data:
            user["domain"] = data["TargetDomainName"]
    # "Copy Subject User from Event Data" (overwrites), and "from user_data" for 1102.
    if code in _SUBJECT_USER or code == 1102:
        for raw, name in (("SubjectUserSid", "id"), ("SubjectUserName", "name"),
                          ("SubjectDomainName", "domain")):  # fmt: skip
            if raw in data:
                user[name] = data[raw]
    if code in (4648, 4688):  # "Copy Target User to Effective", "-" left out
        pairs = [("TargetUserSid", "id"), ("TargetUserName", "name")]
        pairs.append(("TargetDomainName", "domain"))
        effective = {
            name: data[raw].split("@")[0] if name == "name" else data[raw]
            for raw, name in pairs
            if data.get(raw, "-") != "-"
        }
        if effective:
            user["effective"] = effective
    if user:
        doc["user"] = user
    if "SubjectLogonId" in data:
        _put(doc, "winlog.logon.id", data["SubjectLogonId"])
    if code in _COMMON_AUTH:
        _common_auth(doc, data)
    if code == 4688:
        _process_created(doc, data)
    source_ip = doc.get("source", {}).get("ip")
    if isinstance(source_ip, str):  # gsub "::ffff:" -> ""
        doc["source"]["ip"] = source_ip.replace("::ffff:", "")


def _common_auth(doc: dict[str, Any], data: dict[str, str]) -> None:
    """security.yml's "Rename Common Auth Fields": moved out of event_data ("-" addresses
    stay there)."""
    if "ProcessId" in data:
        pid = _pid(data.pop("ProcessId"))
        if pid is not None:
            _put(doc, "process.pid", pid)
    if "ProcessName" in data:
        _put(doc, "process.executable", data.pop("ProcessName"))
    if data.get("IpAddress", "-") != "-":
        _put(doc, "source.ip", data.pop("IpAddress"))
    if data.get("IpPort", "-") != "-":
        port = _pid(data.pop("IpPort"))
        if port is not None:
            _put(doc, "source.port", port)
    if "WorkstationName" in data:
        _put(doc, "source.domain", data.pop("WorkstationName"))
    if data.get("ClientAddress", "-") != "-":
        _put(doc, "related.ip", data.pop("ClientAddress"))
    executable = doc.get("process", {}).get("executable")
    if executable:
        _put(doc, "process.name", executable.split("\\")[-1])


def _process_created(doc: dict[str, Any], data: dict[str, str]) -> None:
    """security.yml's "Process Event 4688": the new process and its parent; ProcessId (the
    parent's pid) and CommandLine are copied and stay in event_data."""
    if "NewProcessId" in data:
        pid = _pid(data.pop("NewProcessId"))
        if pid is not None:
            _put(doc, "process.pid", pid)
    if "NewProcessName" in data:
        _put(doc, "process.executable", data.pop("NewProcessName"))
    if "ParentProcessName" in data:
        _put(doc, "process.parent.executable", data.pop("ParentProcessName"))
    for path in ("process", "process.parent"):
        node = doc.get("process", {}) if path == "process" else doc.get("process", {}).get("parent")
        if node and node.get("executable"):
            node["name"] = node["executable"].split("\\")[-1]
    if "ProcessId" in data:
        parent_pid = _pid(data["ProcessId"])
        if parent_pid is not None:
            _put(doc, "process.parent.pid", parent_pid)
    if "CommandLine" in data:
        _put(doc, "process.command_line", data["CommandLine"])


# powershell_operational.yml and powershell.yml: EventData renames (raw -> ECS).
_PS_RENAMES = {
    "HostApplication": "process.command_line", "HostName": "process.title",
    "ShellID": "powershell.id", "EngineVersion": "powershell.engine.version",
    "PipelineID": "powershell.pipeline_id", "PipelineId": "powershell.pipeline_id",
    "RunspaceID": "powershell.runspace_id", "RunspaceId": "powershell.runspace_id",
    "HostVersion": "powershell.process.executable_version",
    "CommandLine": "powershell.command.value", "CommandPath": "powershell.command.path",
    "CommandName": "powershell.command.name", "CommandType": "powershell.command.type",
    "ScriptBlockId": "powershell.file.script_block_id",
    "ScriptBlockText": "powershell.file.script_block_text",
    "NewEngineState": "powershell.engine.new_state",
    "PreviousEngineState": "powershell.engine.previous_state",
    "NewProviderState": "powershell.provider.new_state",
    "ProviderName": "powershell.provider.name",
}  # fmt: skip
_PS_LONGS = {
    "MessageNumber": "powershell.sequence", "MessageTotal": "powershell.total",
    "DetailSequence": "powershell.sequence", "DetailTotal": "powershell.total",
    "SequenceNumber": "event.sequence",
}  # fmt: skip


def _key_values(text: str, separator: str) -> dict[str, str]:
    """The ingest ``kv`` processor: pairs split on ``separator``, key and value on the first
    "=", trimmed of tabs and line breaks (spaces removed from keys afterwards)."""
    pairs: dict[str, str] = {}
    for part in text.split(separator):
        key, found, value = part.partition("=")
        if found:
            pairs["".join(key.strip(" \n\t").split())] = value.strip(" \n\t")
    return pairs


def _update(data: dict[str, str], pairs: dict[str, str]) -> None:
    """kv's pairs into event_data; the pipelines' last script removes the empty values."""
    data.update(pairs)
    for key in [key for key, value in data.items() if value == ""]:
        del data[key]


def _powershell(doc: dict[str, Any], data: dict[str, str], user_field: str) -> None:
    _put(doc, "event.module", "powershell")
    _put(doc, "event.category", "process")
    for raw, target in _PS_LONGS.items():
        if raw in data:
            number = whole_number(data.pop(raw))
            if number is not None:
                _put(doc, target, number)
    if "HostId" in data:
        data["HostID"] = data.pop("HostId")
    if "HostID" in data:
        _put(doc, "process.entity_id", data.pop("HostID"))
    for raw, target in _PS_RENAMES.items():
        if raw in data:
            _put(doc, target, data.pop(raw))
    user = data.pop(user_field, "").split("\\")
    if len(user) == 2:
        _put(doc, "user.domain", user[0])
        _put(doc, "user.name", user[1])
    connected = data.pop("ConnectedUser", "").split("\\")
    if len(connected) == 2:  # the connected user is the source, the user the destination
        _put(doc, "source.user", {"domain": connected[0], "name": connected[1]})
        if "user" in doc:
            _put(doc, "destination.user", doc.pop("user"))
        _put(doc, "user", {"domain": connected[0], "name": connected[1]})
    if "Path" in data:  # 4104's script path
        data["ScriptName"] = data.pop("Path")
    script = data.pop("ScriptName", "")
    if script:
        if "\\" in script:
            _put(doc, "file.name", ntpath.basename(script))
            _put(doc, "file.directory", script.rsplit("\\", 1)[0])
            if "." in script:
                _put(doc, "file.extension", script.rsplit(".", 1)[1])
        _put(doc, "file.path", script)


# The scripts "Parses all command invocation detail raw lines": 4103's (operational) and
# 800's (classic) line patterns, and ParameterBinding's name=...; value=...
_DETAIL = {
    4103: re.compile(r"^(.+)\((.+)\):\s*(.+)?$"),
    800: re.compile(r"^([^:(]+)\((.+)\):\s*(.+)?$"),
}
_BINDING = re.compile(r"^name=(.+);\s*value=(.+)$")


def _invocation_details(doc: dict[str, Any], text: str, code: int) -> None:
    """powershell.command.invocation_details: each line of the text as an object."""
    details: list[dict[str, Any]] = []
    for raw in text.split("\n"):
        found = _DETAIL[code].match(raw)
        if found is None:
            details.append({"value": raw})
        elif found.group(1) != "ParameterBinding":
            kind, command, value = found.groups()
            details.append({"type": kind, "related_command": command, "value": value})
        else:
            binding = _BINDING.match(found.group(3) or "")
            if binding is None:
                details.append({"value": found.group(3)})
            else:
                name, value = binding.groups()
                kind, command = found.group(1), found.group(2)
                details.append(
                    {"type": kind, "related_command": command, "name": name, "value": value}
                )
    if details:
        _put(doc, "powershell.command.invocation_details", details)


def _powershell_operational(doc: dict[str, Any], data: dict[str, str], code: int) -> None:
    if code == 4103 and "ContextInfo" in data:  # kv of ContextInfo into event_data
        _update(data, _key_values(data["ContextInfo"], "\n"))
    if code == 4103 and "Payload" in data:
        _invocation_details(doc, data["Payload"], code)
    _put(doc, "event.type", {4105: "start", 4106: "end"}.get(code, "info"))
    _powershell(doc, data, "User")
    for removed in ("ContextInfo", "Payload", "Severity", "UserData"):
        data.pop(removed, None)


def _powershell_classic(doc: dict[str, Any], data: dict[str, str], code: int) -> None:
    details = data.get("param2" if code == 800 else "param3", "")
    _update(data, _key_values(details, "\n\t"))
    if code == 800 and "param3" in data:
        _invocation_details(doc, data["param3"], code)
    _put(doc, "event.type", {400: "start", 403: "end"}.get(code, "info"))
    _powershell(doc, data, "UserId")
    for removed in ("param1", "param2", "param3"):
        data.pop(removed, None)
