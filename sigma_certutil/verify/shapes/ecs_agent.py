"""Windows events of the channels beside Sysmon's as the Elastic Agent's integrations store
them, where that differs from Winlogbeat (``ecs_windows``):

- every data stream: no event.module (the data stream names the dataset instead; the
  packages' pipeline tests, elastic/integrations packages/system/data_stream/security/_dev/
  test/pipeline/test-4698-scheduled-task-created.json-expected.json and packages/windows/
  data_stream/powershell_operational/_dev/test/pipeline/test-events.json-expected.json);
- Windows Defender (logs-windows.windows_defender-*), which Winlogbeat has no module for:
  packages/windows/data_stream/windows_defender/elasticsearch/ingest_pipeline/default.yml
  moves Process_Name to process.executable (process.name for 1126), Target_Commandline and
  Parent_Commandline to the command lines, copies Path (without its "file:_" prefix) to
  file.path, Detection_User (or User) to user.domain and user.name, Destination to
  destination.domain and Sha256 to file.hash.sha256, and names 1116/1117 malware-detected.
  (A Path of several "file:_...; file:_..." evidence paths, which newer versions split into
  windows_defender.evidence_paths, is not modelled: file.path is what follows the last ":_".)
"""

from __future__ import annotations

import re
from typing import Any

from sigma_certutil.verify.shapes import ShapedEvent
from sigma_certutil.verify.shapes.ecs_windows import to_ecs_windows

DEFENDER = "Microsoft-Windows-Windows Defender/Operational"


def to_ecs_agent(case: ShapedEvent) -> dict[str, Any]:
    """The ECS document the Elastic Agent's integrations write for an event of a channel
    other than Sysmon's."""
    doc = to_ecs_windows(case)
    doc["event"].pop("module", None)
    if case.channel == DEFENDER:
        _defender(doc, doc.get("winlog", {}).get("event_data", {}), case.event_id)
    return doc


def _defender(doc: dict[str, Any], data: dict[str, str], code: int) -> None:
    event = doc["event"]
    if code in (1116, 1117):
        event["action"] = "malware-detected"
        if code == 1117 and data.get("Action_Name") == "Quarantine":
            event["action"] = "malware-quarantined"
        event["category"] = ["malware"]
    elif code == 5007:
        event["action"], event["category"] = "antivirus-configuration-changed", ["configuration"]
    elif code == 2050:
        event["action"], event["category"] = "file-uploaded", ["file"]
    else:
        event["category"] = ["process"]
    user = (data.get("Detection_User") or data.get("User") or "").split("\\")
    if len(user) == 2 and all(user):
        doc["user"] = {"domain": user[0], "name": user[1]}
    path = data.get("Path") or data.get("FileName") or data.get("Filename")
    if path:
        file_path = re.sub(r".*:_", "", path)
        doc.setdefault("file", {})["path"] = file_path
        name = file_path.rsplit("\\", 1)[-1]
        doc["file"]["name"] = name
        if "." in name:
            doc["file"]["extension"] = name.rsplit(".", 1)[1]
    if data.get("Sha256", "-") != "-":
        doc.setdefault("file", {}).setdefault("hash", {})["sha256"] = data["Sha256"]
    process = doc.setdefault("process", {})
    if "Target_Commandline" in data:
        process["command_line"] = data.pop("Target_Commandline")
    if "Parent_Commandline" in data:
        process.setdefault("parent", {})["command_line"] = data.pop("Parent_Commandline")
    if "Process_Name" in data:
        process["name" if code == 1126 else "executable"] = data.pop("Process_Name")
    if process.get("executable") and "name" not in process:
        process["name"] = process["executable"].rsplit("\\", 1)[-1]
    if not process:
        del doc["process"]
    if data.get("Destination"):
        doc.setdefault("destination", {})["domain"] = data["Destination"]
