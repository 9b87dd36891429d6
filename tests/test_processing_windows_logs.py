"""The log-source step, the Splunk add-on's channels and Defender XDR's refusal of them.

Expected values: the add-on's XmlWinEventLog:<channel> sources and EventData names (Splunk
Add-on for Microsoft Windows, XML rendering), the catalog's channels, Microsoft's Defender XDR
table list; by hand."""

from __future__ import annotations

import pytest

from sigma_certutil import convert
from sigma_certutil.errors import ConversionError
from sigma_certutil.rules import parse_rule


def _rule(logsource: str, selection: str) -> str:
    return (
        "title: t\nid: 3a1e4d2a-3b5f-4e6a-8d9c-0a1b2c3d4e98\nstatus: test\n"
        f"logsource: {{product: windows, {logsource}}}\n"
        f"detection:\n  selection: {selection}\n  condition: selection\nlevel: low\n"
    )


def _convert(logsource: str, selection: str, target: str) -> str:
    return convert(parse_rule(_rule(logsource, selection), "r.yml"), target)


@pytest.mark.parametrize(
    ("logsource", "selection", "expected"),
    [
        (
            "service: security",
            "{EventID: 4624, LogonType: 10}",
            'source="XmlWinEventLog:Security" EventCode=4624 LogonType=10',
        ),
        (
            "category: ps_script",
            "{ScriptBlockText|contains: 'Invoke-Expression'}",
            'source="XmlWinEventLog:Microsoft-Windows-PowerShell/Operational" EventCode=4104 '
            'ScriptBlockText="*Invoke-Expression*"',
        ),
        (
            "category: ps_classic_start",
            "{Data|contains: 'HostApplication=powershell'}",
            'source="XmlWinEventLog:Windows PowerShell" EventCode=400 '
            'Data="*HostApplication=powershell*"',
        ),
        # Splunk's CLEAN_KEYS: "Process Name" is extracted as Process_Name.
        (
            "service: windefend",
            "{EventID: 1121, ProcessName|endswith: '\\\\rundll32.exe'}",
            'source="XmlWinEventLog:Microsoft-Windows-Windows Defender/Operational" '
            'EventCode=1121 Process_Name="*\\\\rundll32.exe"',
        ),
        # AppLocker reads four channels.
        (
            "service: applocker",
            "{EventID: 8004}",
            'source IN ("XmlWinEventLog:Microsoft-Windows-AppLocker/EXE and DLL", '
            '"XmlWinEventLog:Microsoft-Windows-AppLocker/MSI and Script", '
            '"XmlWinEventLog:Microsoft-Windows-AppLocker/Packaged app-Deployment", '
            '"XmlWinEventLog:Microsoft-Windows-AppLocker/Packaged app-Execution") EventCode=8004',
        ),
    ],
)
def test_splunk_channel_source_and_fields(logsource: str, selection: str, expected: str) -> None:
    assert _convert(logsource, selection, "splunk") == expected


def test_splunk_provider_is_the_xml_extractions_name() -> None:
    query = _convert(
        "service: system", "{Provider_Name: 'Service Control Manager', EventID: 7045}", "splunk"
    )
    assert query == 'source="XmlWinEventLog:System" Name="Service Control Manager" EventCode=7045'


@pytest.mark.parametrize(
    ("logsource", "channel"),
    [
        ("service: security", "Security"),
        ("service: system", "System"),
        ("category: ps_module", "Microsoft-Windows-PowerShell/Operational"),
    ],
)
def test_xdr_refuses_channels_naming_them(logsource: str, channel: str) -> None:
    with pytest.raises(ConversionError) as raised:
        _convert(logsource, "{EventID: 1}", "kusto")
    assert raised.value.reason.startswith(f"the {channel} event log ")
    assert "has no Defender XDR table" in raised.value.reason


def test_xdr_does_not_put_share_access_on_network_events() -> None:
    """Stock microsoft_xdr puts Security 5140/5145 on DeviceNetworkEvents."""
    with pytest.raises(ConversionError, match="no Defender XDR table"):
        _convert("service: security", "{EventID: 5145, ShareName: 'x'}", "kusto")


@pytest.mark.parametrize(
    ("logsource", "message"),
    [
        ("category: file_access", "Microsoft-Windows-Kernel-File ETW provider"),
        ("service: nosuchlog", "log source nosuchlog is not a Windows event log of the catalog"),
    ],
)
def test_log_sources_outside_the_catalog_are_refused(logsource: str, message: str) -> None:
    for target in ("splunk", "lucene", "kusto"):
        with pytest.raises(ConversionError, match=message):
            _convert(logsource, "{FileName: x}", target)


@pytest.mark.parametrize(
    ("logsource", "selection", "message"),
    [
        (
            "service: security",
            "{EventID: 4624, Workstation: x}",
            "field 'Workstation' is not a field of Security Event ID 4624 "
            "(An account was successfully logged on)",
        ),
        (
            "service: system",
            "{EventID: 7045, ProcessId: 0}",
            "field 'ProcessId' is not a field of System Event ID 7045",
        ),
        (
            "category: ps_script",
            "{Payload: x}",
            "field 'Payload' is not a field of Microsoft-Windows-PowerShell/Operational "
            "Event ID 4104 (Script block logging)",
        ),
    ],
)
def test_strict_fields_name_the_field_the_event_and_the_target(
    logsource: str, selection: str, message: str
) -> None:
    for target in ("splunk", "eql"):
        with pytest.raises(ConversionError) as raised:
            _convert(logsource, selection, target)
        assert raised.value.target == target
        assert message in raised.value.reason


def test_system_fields_pass_the_strict_check() -> None:
    query = _convert("service: security", "{EventID: 4624, Computer: dc01}", "splunk")
    assert query.endswith('Computer="dc01"')


def test_a_sysmon_rule_may_name_the_events_provider() -> None:
    """Every event has its System part, Sysmon's too (SigmaHQ's
    proc_creation_win_conhost_susp_child_process filters on Provider_Name): Winlogbeat writes
    <Provider Name> as winlog.provider_name; XDR rows have no provider column."""
    selection = "{Image|endswith: '\\\\x.exe', Provider_Name: SystemTraceProvider-Process}"
    eql = _convert("category: process_creation", selection, "eql")
    assert 'winlog.provider_name:"SystemTraceProvider-Process"' in eql
    splunk = _convert("category: process_creation", selection, "splunk")
    assert splunk.endswith('Name="SystemTraceProvider-Process"')
    with pytest.raises(ConversionError, match="Defender XDR column"):
        _convert("category: process_creation", selection, "kusto")
