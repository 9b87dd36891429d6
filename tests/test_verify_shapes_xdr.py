"""verify/shapes/xdr.py against facts from Microsoft's docs and published XDR results.

Independent of the project's pipeline: the expected values come from the advanced hunting
table references (column names and types), Microsoft's hunting queries (ActionType values,
AdditionalFields keys) and published DeviceRegistryEvents / NamedPipeEvent results (hive
spelling, the pipe object path), as cited in sigma_certutil/verify/shapes/xdr.py.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
from engines.cases import Case
from engines.kusto import duckdb_kql_unavailable, run_kql, xdr_table_columns
from helpers import require_engine

import sigma_certutil.verify
from sigma_certutil.verify.shapes.xdr import NOT_RECORDED, to_xdr_row

HKU_SID = "S-1-5-21-1111111111-2222222222-3333333333-1001"

# One Sysmon event per covered id, with the values SigmaHQ's regression JSON stores (ids as
# numbers or strings, "-" for none).
EVENTS: dict[int, dict[str, Any]] = {
    1: {
        "ProcessId": 6180, "Image": r"C:\Windows\System32\rundll32.exe",
        "FileVersion": "10.0.19041.1 (WinBuild.160101.0800)",
        "Description": "Windows host process (Rundll32)", "Product": "Microsoft Windows",
        "Company": "Microsoft Corporation", "OriginalFileName": "RUNDLL32.EXE",
        "CommandLine": r'rundll32.exe javascript:"\..\mshtml,RunHTMLApplication"',
        "CurrentDirectory": "C:\\", "User": r"CORP\bob", "LogonId": "0x33e8d150",
        "IntegrityLevel": "Medium",
        "Hashes": "MD5=FF9D1ED3795B9AD94F2390D5E5DA5905,SHA256=A80CB394D251F781DBD5FFB889D38FD"
        "D2095ADE63110578CA62F62CF795B7538,IMPHASH=3D4392A18BB23C56D311A2D64B6E5BA0",
        "ParentProcessId": "4410", "ParentImage": r"C:\Windows\System32\mshta.exe",
        "ParentCommandLine": "mshta.exe http://example.test/a.hta", "ParentUser": r"CORP\bob",
    },
    3: {
        "ProcessId": 812, "Image": r"C:\Windows\System32\certutil.exe", "Protocol": "tcp",
        "Initiated": "true", "SourceIp": "10.0.0.5", "SourcePort": "49700",
        "DestinationIp": "93.184.216.34", "DestinationHostname": "example.test",
        "DestinationPort": "443",
    },
    6: {
        "ImageLoaded": r"C:\Windows\System32\drivers\RTCore64.sys",
        "Hashes": "SHA1=01A578A3A39697C4DE8E3DAB04DBA55A4C35163E,"
        "MD5=2D8E4F38B36C334D0A32A7324832501D",
        "Signed": "true", "Signature": "Micro-Star Int'l Co. Ltd.", "SignatureStatus": "Valid",
    },
    7: {
        "ProcessId": 4460, "Image": r"C:\Windows\System32\WerFaultSecure.exe",
        "ImageLoaded": r"C:\Windows\System32\dbgcore.dll", "Description": "Windows Core Debugging",
        "Hashes": "SHA1=5E4F2C531C549BB72A658ED9DD16D491EDDBB286", "User": r"CORP\bob",
    },
    8: {
        "SourceProcessId": 4242, "SourceImage": r"C:\Windows\System32\rundll32.exe",
        "TargetProcessId": 712, "TargetImage": r"C:\Windows\System32\lsass.exe",
        "StartFunction": "LoadLibraryA", "SourceUser": r"CORP\bob",
        "TargetUser": r"NT AUTHORITY\SYSTEM",
    },
    10: {
        "SourceProcessId": 7224, "SourceImage": r"C:\Users\bob\AppData\Local\Temp\dump.exe",
        "TargetProcessId": 860, "TargetImage": r"C:\WINDOWS\system32\lsass.exe",
        "GrantedAccess": "0x1fffff", "SourceUser": r"CORP\bob",
    },
    11: {
        "ProcessId": 2212, "Image": r"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE",
        "TargetFilename": r"C:\Users\bob\AppData\Roaming\Microsoft\Windows\Start Menu\Programs"
        r"\Startup\update.lnk",
        "User": r"CORP\bob",
    },
    12: {
        "EventType": "CreateKey", "ProcessId": 7124,
        "Image": r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
        "TargetObject": rf"HKU\{HKU_SID}_Classes\ms-settings\Shell\Open\command",
    },
    13: {
        "EventType": "SetValue", "ProcessId": 6020, "Image": r"C:\Windows\System32\reg.exe",
        "TargetObject": r"HKLM\System\CurrentControlSet\Services\WinDefend\Start",
        "Details": "DWORD (0x00000004)", "User": r"CORP\bob",
    },
    14: {
        "EventType": "RenameKey", "ProcessId": 9001, "Image": r"C:\Temp\tool.exe",
        "TargetObject": r"HKLM\SOFTWARE\Microsoft\Windows Defender\Features",
        "NewName": r"HKLM\SOFTWARE\Microsoft\Windows Defender\Features_old",
    },
    17: {
        "EventType": "CreatePipe", "ProcessId": 4611, "PipeName": r"\postex_4e2a",
        "Image": r"C:\Windows\System32\rundll32.exe", "User": r"CORP\bob",
    },
    18: {
        "EventType": "ConnectPipe", "ProcessId": 5000, "PipeName": r"\postex_4e2a",
        "Image": r"C:\Users\bob\AppData\Local\Temp\beacon.exe",
    },
    22: {
        "ProcessId": 1200, "QueryName": "c2.duckdns.org", "QueryStatus": "0",
        "QueryResults": "::ffff:10.0.0.1;", "Image": r"C:\Windows\System32\svchost.exe",
    },
    23: {
        "ProcessId": 3300, "Image": r"C:\Windows\System32\cmd.exe",
        "TargetFilename": r"C:\Users\bob\AppData\Roaming\Microsoft\Windows\PowerShell"
        r"\PSReadLine\ConsoleHost_history.txt",
        "Hashes": "SHA256=0000000000000000000000000000000000000000000000000000000000000000",
        "Archived": "true",
    },
    26: {
        "ProcessId": 3300, "Image": r"C:\Windows\System32\cmd.exe",
        "TargetFilename": r"C:\Temp\x.txt", "IsExecutable": "false",
    },
}  # fmt: skip
TABLES = {
    1: "DeviceProcessEvents", 3: "DeviceNetworkEvents", 6: "DeviceEvents",
    7: "DeviceImageLoadEvents", 8: "DeviceEvents", 10: "DeviceEvents", 11: "DeviceFileEvents",
    12: "DeviceRegistryEvents", 13: "DeviceRegistryEvents", 14: "DeviceRegistryEvents",
    17: "DeviceEvents", 18: "DeviceEvents", 22: "DeviceEvents", 23: "DeviceFileEvents",
    26: "DeviceFileEvents",
}  # fmt: skip
ACTIONS = {
    1: "ProcessCreated", 3: "ConnectionSuccess", 6: "DriverLoad", 7: "ImageLoaded",
    8: "CreateRemoteThreadApiCall", 10: "OpenProcessApiCall", 11: "FileCreated",
    12: "RegistryKeyCreated", 13: "RegistryValueSet", 14: "RegistryKeyRenamed",
    17: "NamedPipeEvent", 18: "NamedPipeEvent", 22: "DnsQueryResponse", 23: "FileDeleted",
    26: "FileDeleted",
}  # fmt: skip
BY_ID = [pytest.param(event_id, id=f"eid{event_id}") for event_id in sorted(EVENTS)]


def row_of(event_id: int, **changes: Any) -> tuple[str, dict[str, Any]]:
    shaped = to_xdr_row(Case(f"eid{event_id}", True, {**EVENTS[event_id], **changes}, event_id))
    assert shaped is not None
    return shaped


def filled(row: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in row.items() if value not in ("", None)}


@pytest.mark.parametrize("event_id", BY_ID)
def test_table_and_action_type(event_id: int) -> None:
    table, row = row_of(event_id)
    assert (table, row["ActionType"]) == (TABLES[event_id], ACTIONS[event_id])


@pytest.mark.parametrize("event_id", BY_ID)
def test_row_has_the_tables_columns_typed_as_documented(event_id: int) -> None:
    table, row = row_of(event_id)
    columns = xdr_table_columns(table)
    assert list(row) == list(columns)
    for name, value in row.items():
        kind = columns[name]
        if kind == "string":
            assert isinstance(value, str), name  # Kusto strings are never null
        elif value is not None:
            assert kind in ("int", "long") and type(value) is int, (name, kind, value)


def test_documented_types_of_the_columns_relied_on() -> None:
    # MicrosoftDocs/defender-docs advanced-hunting-*-table.md
    assert xdr_table_columns("DeviceNetworkEvents")["RemotePort"] == "int"
    assert xdr_table_columns("DeviceNetworkEvents")["LocalPort"] == "int"
    for table in ("DeviceProcessEvents", "DeviceEvents"):
        assert xdr_table_columns(table)["ProcessId"] == "long"
        assert xdr_table_columns(table)["AdditionalFields"] == "string"
    assert xdr_table_columns("DeviceProcessEvents")["LogonId"] == "long"
    assert xdr_table_columns("DeviceRegistryEvents")["RegistryValueData"] == "string"
    assert xdr_table_columns("DeviceImageLoadEvents")["InitiatingProcessId"] == "long"


def test_process_creation() -> None:
    _, row = row_of(1)
    assert filled(row) == {
        "ActionType": "ProcessCreated",
        "FolderPath": r"C:\Windows\System32\rundll32.exe",  # the full image path
        "FileName": "rundll32.exe",
        "ProcessId": 6180,
        "ProcessCommandLine": r'rundll32.exe javascript:"\..\mshtml,RunHTMLApplication"',
        "ProcessVersionInfoOriginalFileName": "RUNDLL32.EXE",
        "ProcessVersionInfoFileDescription": "Windows host process (Rundll32)",
        "ProcessVersionInfoProductName": "Microsoft Windows",
        "ProcessVersionInfoCompanyName": "Microsoft Corporation",
        "ProcessIntegrityLevel": "Medium",
        "AccountDomain": "CORP",
        "AccountName": "bob",
        "LogonId": 0x33E8D150,
        "MD5": "ff9d1ed3795b9ad94f2390d5e5da5905",
        "SHA256": "a80cb394d251f781dbd5ffb889d38fdd2095ade63110578ca62f62cf795b7538",
        "InitiatingProcessFolderPath": r"C:\Windows\System32\mshta.exe",
        "InitiatingProcessFileName": "mshta.exe",
        "InitiatingProcessId": 4410,
        "InitiatingProcessCommandLine": "mshta.exe http://example.test/a.hta",
        "InitiatingProcessAccountDomain": "CORP",
        "InitiatingProcessAccountName": "bob",
    }


def test_sysmon_none_is_empty() -> None:
    _, row = row_of(1, OriginalFileName="-", Description="-", Company="-", FileVersion="?")
    assert row["ProcessVersionInfoOriginalFileName"] == ""
    assert row["ProcessVersionInfoFileDescription"] == ""


def test_image_load_is_the_dll_loaded_by_the_process() -> None:
    _, row = row_of(7)
    assert row["FolderPath"] == r"C:\Windows\System32\dbgcore.dll"
    assert row["SHA1"] == "5e4f2c531c549bb72a658ed9dd16d491eddbb286"
    assert row["InitiatingProcessFolderPath"] == r"C:\Windows\System32\WerFaultSecure.exe"
    assert row["InitiatingProcessId"] == 4460
    # the DLL's version fields have no column; the initiating process's are another file's
    assert row["InitiatingProcessVersionInfoFileDescription"] == ""


def test_cross_process_target_and_caller() -> None:
    _, row = row_of(10)
    assert (row["FileName"], row["ProcessId"]) == ("lsass.exe", 860)
    assert row["InitiatingProcessFolderPath"] == r"C:\Users\bob\AppData\Local\Temp\dump.exe"
    assert row["InitiatingProcessId"] == 7224


def test_zero_hashes_are_not_written() -> None:
    _, row = row_of(23)
    assert row["SHA256"] == ""


@pytest.mark.parametrize(
    ("event_id", "changes", "expected"),
    [
        (
            12,
            {},
            {"RegistryKey": rf"HKEY_CURRENT_USER\{HKU_SID}_Classes\ms-settings\Shell\Open\command"},
        ),
        (
            13,
            {},
            {
                "RegistryKey": r"HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\WinDefend",
                "RegistryValueName": "Start",
                "RegistryValueData": "4",
                "RegistryValueType": "Dword",
            },
        ),
        (
            13,
            {
                "TargetObject": rf"HKU\{HKU_SID}\Software\Microsoft\Windows\CurrentVersion\Run\Upd",
                "Details": r"C:\Users\bob\AppData\Local\Temp\upd.exe",
            },
            {
                "RegistryKey": rf"HKEY_CURRENT_USER\{HKU_SID}\Software\Microsoft\Windows"
                r"\CurrentVersion\Run",
                "RegistryValueName": "Upd",
                "RegistryValueData": r"C:\Users\bob\AppData\Local\Temp\upd.exe",
                "RegistryValueType": "String",
            },
        ),
        (
            13,
            {"TargetObject": r"HKLM\SOFTWARE\Classes\CLSID\{1}\InprocServer32\(Default)",
             "Details": "QWORD (0x00000001-0x00000002)"},
            {
                "RegistryKey": r"HKEY_LOCAL_MACHINE\SOFTWARE\Classes\CLSID\{1}\InprocServer32",
                "RegistryValueData": str((1 << 32) + 2),
                "RegistryValueType": "QWord",
            },
        ),
        (
            12,
            {"EventType": "DeleteValue",
             "TargetObject": r"HKLM\SOFTWARE\Microsoft\Windows Defender\Exclusions\Paths\C:\Temp"},
            {
                "PreviousRegistryKey": r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows Defender"
                r"\Exclusions\Paths",
                "PreviousRegistryValueName": r"C:\Temp",
            },
        ),
        (
            12,
            {"EventType": "DeleteKey", "TargetObject": r"HKLM\SOFTWARE\Evil"},
            {"PreviousRegistryKey": r"HKEY_LOCAL_MACHINE\SOFTWARE\Evil"},
        ),
        (
            14,
            {},
            {
                "RegistryKey": r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows Defender"
                r"\Features_old",
                "PreviousRegistryKey": r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows Defender"
                r"\Features",
            },
        ),
    ],
    ids=["hku-key", "dword-currentcontrolset", "hku-string", "qword-default", "deleted-value",
         "deleted-key", "renamed-key"],
)  # fmt: skip
def test_registry_as_xdr_writes_it(
    event_id: int, changes: dict[str, str], expected: dict[str, str]
) -> None:
    _, row = row_of(event_id, **changes)
    registry = {name: value for name, value in filled(row).items() if "Registry" in name}
    assert registry == expected


@pytest.mark.parametrize(
    ("event_id", "operation", "end"),
    [(17, "File created", "Server"), (18, "File opened", "Client")],
)
def test_pipe_is_the_object_path_in_additional_fields(
    event_id: int, operation: str, end: str
) -> None:
    _, row = row_of(event_id)
    assert json.loads(str(row["AdditionalFields"])) == {
        "PipeName": r"\Device\NamedPipe\postex_4e2a",
        "FileOperation": operation,
        "NamedPipeEnd": end,
    }
    assert row["InitiatingProcessId"] == EVENTS[event_id]["ProcessId"]


def test_dns_query_name_in_additional_fields_and_no_process() -> None:
    _, row = row_of(22)
    assert json.loads(str(row["AdditionalFields"])) == {"DnsQueryString": "c2.duckdns.org"}
    assert row["InitiatingProcessFolderPath"] == ""


@pytest.mark.parametrize(
    ("initiated", "action", "remote", "local"),
    [
        ("true", "ConnectionSuccess", ("93.184.216.34", 443), ("10.0.0.5", 49700)),
        ("false", "InboundConnectionAccepted", ("10.0.0.5", 49700), ("93.184.216.34", 443)),
    ],
)
def test_network_sides_from_the_device(
    initiated: str, action: str, remote: tuple[str, int], local: tuple[str, int]
) -> None:
    _, row = row_of(3, Initiated=initiated)
    assert row["ActionType"] == action
    assert (row["RemoteIP"], row["RemotePort"]) == remote
    assert (row["LocalIP"], row["LocalPort"]) == local
    assert row["RemoteUrl"] == "example.test"


@pytest.mark.parametrize("event_id", sorted(NOT_RECORDED))
def test_events_xdr_does_not_record(event_id: int) -> None:
    assert to_xdr_row(Case("x", True, {"UtcTime": "2024-01-01 00:00:00.000"}, event_id)) is None


@pytest.mark.engine
@pytest.mark.parametrize(
    ("event_id", "query"),
    [
        # Shaped as Microsoft's own hunting queries read them (Azure-Sentinel "Hunting
        # Queries/Microsoft 365 Defender/"; published NamedPipeEvent and OpenProcessApiCall
        # hunts), with parse_json where they use extractjson.
        (
            22,
            'DeviceEvents\n| where ActionType == "DnsQueryResponse"\n'
            "| extend query = tostring(parse_json(AdditionalFields).DnsQueryString)\n"
            '| where query endswith ".duckdns.org"',
        ),
        (
            17,
            'DeviceEvents\n| where ActionType == "NamedPipeEvent"\n'
            "| extend PipeName = tostring(parse_json(AdditionalFields).PipeName)\n"
            '| where PipeName startswith @"\\Device\\NamedPipe\\postex_"',
        ),
        (
            10,
            'DeviceEvents\n| where ActionType == "OpenProcessApiCall"\n'
            '| where FileName =~ "lsass.exe" and InitiatingProcessFileName !in~ ("MsMpEng.exe")',
        ),
        (
            13,
            "DeviceRegistryEvents\n"
            '| where RegistryKey endswith @"\\Services\\WinDefend" and RegistryValueName == "Start"'
            '\n| where RegistryValueType == "Dword" and RegistryValueData == "4"',
        ),
        (3, "DeviceNetworkEvents\n| where RemotePort in (80, 443) and LocalPort > 1024"),
    ],
    ids=["dns", "pipe", "lsass", "registry-dword", "network-ports"],
)
def test_rows_answer_microsofts_queries(event_id: int, query: str) -> None:
    require_engine(duckdb_kql_unavailable())
    table, row = row_of(event_id)
    assert len(run_kql(query, table, xdr_table_columns(table), [row])) == 1


SHAPES = Path(sigma_certutil.verify.__file__).parent / "shapes"


SHAPES_PACKAGE = "sigma_certutil.verify.shapes"


@pytest.mark.parametrize("module", sorted(p.name for p in SHAPES.glob("*.py")))
def test_shapes_do_not_read_the_pipelines(module: str) -> None:
    """A wrong pipeline mapping must not test itself: the shapes import nothing of the
    project but other shapes, the XDR table columns and the Windows events' own vocabulary
    (Sysmon's, and the catalog of the other channels), and read no pipeline file."""
    source = SHAPES / module
    imported = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    allowed = {
        "sigma_certutil.sysmon",
        "sigma_certutil.windows",
        "sigma_certutil.verify.shapes",
        "sigma_certutil.verify.engines.kusto",
    }
    project = {
        name
        for name in imported
        if name.startswith("sigma_certutil") and not name.startswith(f"{SHAPES_PACKAGE}.")
    }
    assert project <= allowed, project - allowed
    text = source.read_text(encoding="utf-8")
    assert not any(name in text for name in ("pipeline_dir", "load_pipeline", "target_pipeline"))


def test_numbers_that_are_no_numbers_or_out_of_range_are_empty() -> None:
    """A number column holds a whole number of its width (int 32, long 64 bits) or nothing."""
    case = Case(
        "odd",
        True,
        {
            "ProcessId": "abc",
            "Image": r"C:\x\certutil.exe",
            "Initiated": "true",
            "SourcePort": "443",
            "DestinationPort": 99999999999,
            "DestinationIp": 3,
        },
    )
    shaped = to_xdr_row(case)
    assert shaped is not None
    table, row = shaped
    assert table == "DeviceNetworkEvents"
    assert (row["InitiatingProcessId"], row["LocalPort"], row["RemotePort"]) == (None, 443, None)
    assert row["RemoteIP"] == "3"
    process = {"Image": r"C:\x.exe", "ProcessId": "1.5", "LogonId": "0x" + "f" * 17}
    shaped = to_xdr_row(Case("odd", True, process, 1))
    assert shaped is not None
    assert (shaped[1]["ProcessId"], shaped[1]["LogonId"]) == (None, None)
    shaped = to_xdr_row(Case("hex", True, {**process, "LogonId": "0x3e7"}, 1))
    assert shaped is not None
    assert shaped[1]["LogonId"] == 999


def test_security_4688_is_a_process_created_row() -> None:
    """DeviceProcessEvents documents the same fact as 4688: the new process (NewProcess*),
    its creator (ProcessId, ParentProcessName), the account ("-" target: the subject's)."""
    from engines.cases import windows_fixtures
    from helpers import TESTS

    from sigma_certutil.verify.shapes.xdr import not_recorded

    fixtures = windows_fixtures(TESTS / "fixtures" / "windows_events.yml")
    table, row = to_xdr_row(fixtures["security/process_created"].event) or ("", {})
    assert table == "DeviceProcessEvents"
    assert {k: row[k] for k in ("ActionType", "FolderPath", "FileName", "ProcessId")} == {
        "ActionType": "ProcessCreated",
        "FolderPath": r"C:\Windows\System32\wevtutil.exe",
        "FileName": "wevtutil.exe",
        "ProcessId": 0x11CC,
    }
    assert row["ProcessCommandLine"] == '"C:\\Windows\\system32\\wevtutil.exe" cl Security'
    assert row["InitiatingProcessFileName"] == "powershell.exe"
    assert row["InitiatingProcessId"] == 0x122C
    assert (row["AccountDomain"], row["AccountName"]) == ("VAGRANT", "vagrant")
    for name in ("security/logon_service", "system/service_installed_psexec",
                 "powershell/script_block", "defender/malware_detected"):  # fmt: skip
        event = fixtures[name].event
        assert to_xdr_row(event) is None
        reason = not_recorded(event)
        assert reason is not None and reason.startswith(f"{event.channel} event "), reason
