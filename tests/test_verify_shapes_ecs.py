"""verify/shapes/ecs.py against hand-written documents in the form elastic/beats' sysmon ingest
golden files show (x-pack/winlogbeat/module/sysmon/test/testdata/ingest/*.golden.json), so a
mistake in the ECS shapes shows here instead of hiding behind the pipeline it checks."""

from __future__ import annotations

from sigma_certutil.verify.events import SysmonEvent
from sigma_certutil.verify.shapes.ecs import to_ecs


def test_process_creation_document() -> None:
    event = SysmonEvent(
        "eid1",
        {
            "RuleName": "-",
            "UtcTime": "2019-03-18 16:57:38.385",
            "ProcessGuid": "{A23EAE89-BD12-5C8F-0000-0010B8E31400}",
            "ProcessId": 3124,
            "Image": r"C:\Windows\System32\wevtutil.exe",
            "FileVersion": "6.1.7600.16385",
            "Description": "Eventing Command Line Utility",
            "Product": "Microsoft® Windows® Operating System",
            "Company": "Microsoft Corporation",
            "OriginalFileName": "wevtutil.exe",
            "CommandLine": "wevtutil  cl Application",
            "CurrentDirectory": "C:\\",
            "User": r"VAGRANT-2012-R2\vagrant",
            "IntegrityLevel": "High",
            "Hashes": "SHA1=B1D9C7A1B3F0D1C2E3F4A5B6C7D8E9F0A1B2C3D4,"
            "IMPHASH=ABCDEF0123456789ABCDEF0123456789",
            "ParentProcessId": 2536,
            "ParentImage": r"C:\Windows\System32\cmd.exe",
            "ParentCommandLine": '"C:\\Windows\\system32\\cmd.exe"',
        },
        1,
    )
    doc = to_ecs(event)
    assert doc["event"]["code"] == "1"
    assert doc["event"]["category"] == ["process"]
    assert doc["process"] == {
        "entity_id": "{A23EAE89-BD12-5C8F-0000-0010B8E31400}",
        "pid": 3124,
        "executable": r"C:\Windows\System32\wevtutil.exe",
        "name": "wevtutil.exe",
        "command_line": "wevtutil  cl Application",
        "working_directory": "C:\\",
        "parent": {
            "pid": 2536,
            "executable": r"C:\Windows\System32\cmd.exe",
            "name": "cmd.exe",
            "command_line": '"C:\\Windows\\system32\\cmd.exe"',
        },
        "pe": {
            "original_file_name": "wevtutil.exe",
            "company": "Microsoft Corporation",
            "description": "Eventing Command Line Utility",
            "file_version": "6.1.7600.16385",
            "product": "Microsoft® Windows® Operating System",
            "imphash": "abcdef0123456789abcdef0123456789",
        },
        "hash": {"sha1": "b1d9c7a1b3f0d1c2e3f4a5b6c7d8e9f0a1b2c3d4"},
    }
    assert doc["user"] == {"domain": "VAGRANT-2012-R2", "name": "vagrant"}
    assert "rule" not in doc  # "-" is no rule name
    # Copied, not renamed, and never split: these stay beside the ECS fields.
    assert doc["winlog"]["event_data"] == {
        "FileVersion": "6.1.7600.16385",
        "Description": "Eventing Command Line Utility",
        "Product": "Microsoft® Windows® Operating System",
        "Company": "Microsoft Corporation",
        "IntegrityLevel": "High",
    }


def test_registry_value_set_document() -> None:
    event = SysmonEvent(
        "eid13",
        {
            "EventType": "SetValue",
            "Image": r"C:\Windows\regedit.exe",
            "TargetObject": r"HKLM\System\CurrentControlSet\Services\x\Start",
            "Details": "DWORD (0x00000004)",
        },
        13,
    )
    doc = to_ecs(event)
    assert doc["registry"] == {
        "path": r"HKLM\System\CurrentControlSet\Services\x\Start",
        "hive": "HKLM",
        "key": r"System\CurrentControlSet\Services\x\Start",
        "value": "Start",
        "data": {"strings": ["4"]},
    }
    assert doc["event"]["category"] == ["configuration", "registry"]
    assert doc["winlog"]["event_data"] == {"EventType": "SetValue"}


def test_a_number_field_that_is_no_number_is_not_converted() -> None:
    """Winlogbeat converts the pids and ports to long: a value that is not a whole number of
    64 bits gives no ECS field (and the raw field is removed as always)."""
    event = SysmonEvent(
        "odd",
        {
            "ProcessId": "abc",
            "Image": r"C:\x\certutil.exe",
            "SourcePort": "443",
            "DestinationPort": "99999999999999999999",
            "ParentProcessId": "0x10",
            "DestinationIp": 3,
        },
    )
    doc = to_ecs(event)
    assert "pid" not in doc["process"]
    assert "pid" not in doc["process"].get("parent", {})
    assert doc["source"] == {"port": 443}
    # DestinationIp is converted to an ip (`convert: type: ip`, ignore_failure): "3" is none.
    assert "destination" not in doc
    assert "ProcessId" not in doc["winlog"].get("event_data", {})


def test_values_the_ingest_removes_leave_no_field() -> None:
    # sysmon.yml's first script removes null, "", "-" and the zero GUID from EventData.
    event = SysmonEvent(
        "empty",
        {
            "Image": r"C:\x\cmd.exe",
            "ParentImage": "-",
            "OriginalFileName": "",
            "ParentProcessGuid": "{00000000-0000-0000-0000-000000000000}",
            "DestinationIp": "fe80::1",
        },
        1,
    )
    doc = to_ecs(event)
    assert "parent" not in doc["process"]
    assert "pe" not in doc["process"]
    assert doc["destination"] == {"ip": "fe80::1"}


def test_every_value_is_text_as_winlogbeat_reads_it() -> None:
    event = SysmonEvent("numbers", {"Product": 7, "RuleName": 1.5, "Company": True}, 1)
    doc = to_ecs(event)
    assert doc["process"]["pe"] == {"product": "7", "company": "true"}
    assert doc["rule"] == {"name": "1.5"}
