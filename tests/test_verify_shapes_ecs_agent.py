"""verify/shapes/ecs_agent.py against the Elastic Agent packages' pipeline tests: the
windows_defender data stream's 1116 (elastic/integrations packages/windows/data_stream/
windows_defender/_dev/test/pipeline/test-events-windows-defender-events.json and its
-expected.json, the event of one path), written as the raw event and compared with what the
expected document holds."""

from __future__ import annotations

from sigma_certutil.verify.events import WindowsEvent
from sigma_certutil.verify.shapes.ecs_agent import to_ecs_agent

DETECTED = WindowsEvent(
    "1116",
    {
        "Product Name": "Microsoft Defender Antivirus",
        "Detection ID": "{21A294A2-FE84-4DE0-B1D0-47D6DCD4DA9A}",
        "Threat Name": "Virus:DOS/EICAR_Test_File",
        "Severity Name": "Severe",
        "Category Name": "Virus",
        "Path": r"file:_C:\Users\Topsy\Desktop\eat_more_yams.exe",
        "Detection User": r"NT AUTHORITY\SYSTEM",
        "Action Name": "Not Applicable",
        "Error Description": "The operation completed successfully. ",
    },
    1116,
    channel="Microsoft-Windows-Windows Defender/Operational",
    provider="Microsoft-Windows-Windows Defender",
)


def test_a_defender_detection_as_the_windows_defender_data_stream_stores_it() -> None:
    doc = to_ecs_agent(DETECTED)
    assert doc["event"]["action"] == "malware-detected"
    assert doc["event"]["category"] == ["malware"]
    assert "module" not in doc["event"]
    assert doc["file"] == {
        "extension": "exe",
        "name": "eat_more_yams.exe",
        "path": r"C:\Users\Topsy\Desktop\eat_more_yams.exe",
    }
    assert doc["user"] == {"domain": "NT AUTHORITY", "name": "SYSTEM"}
    data = doc["winlog"]["event_data"]
    assert data["Threat_Name"] == "Virus:DOS/EICAR_Test_File"
    assert data["Path"] == r"file:_C:\Users\Topsy\Desktop\eat_more_yams.exe"  # copied
    assert data["Detection_User"] == r"NT AUTHORITY\SYSTEM"


def test_the_process_name_is_moved_to_process_executable() -> None:
    """default.yml renames Process_Name to process.executable (process.name for 1126) and
    takes the name from it; the raw field is gone."""
    event = WindowsEvent(
        "1117",
        {"Process Name": r"C:\Users\topsyk\AppData\Local\Microsoft\OneDrive\OneDrive.exe"},
        1117,
        channel="Microsoft-Windows-Windows Defender/Operational",
    )
    doc = to_ecs_agent(event)
    assert doc["process"] == {
        "executable": r"C:\Users\topsyk\AppData\Local\Microsoft\OneDrive\OneDrive.exe",
        "name": "OneDrive.exe",
    }
    assert "Process_Name" not in doc.get("winlog", {}).get("event_data", {})
