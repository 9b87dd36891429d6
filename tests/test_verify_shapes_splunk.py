"""verify/shapes/splunk.py: events as the Splunk Add-on for Microsoft Windows extracts them
with XML rendering (source XmlWinEventLog:<channel>, EventCode, EventData names)."""

from __future__ import annotations

from engines.cases import windows_fixtures
from helpers import TESTS

from sigma_certutil.verify.events import WindowsEvent
from sigma_certutil.verify.shapes.splunk import to_splunk

FIXTURES = windows_fixtures(TESTS / "fixtures" / "windows_events.yml")


def test_a_security_event_has_its_channel_in_the_source() -> None:
    event = FIXTURES["security/process_created"].event
    fields = to_splunk(event)
    assert fields["source"] == "XmlWinEventLog:Security"
    assert fields["sourcetype"] == "XmlWinEventLog"
    assert fields["EventCode"] == "4688"
    assert fields["NewProcessName"] == r"C:\Windows\System32\wevtutil.exe"
    assert fields["TargetUserName"] == "-"  # the add-on keeps "-" as it is


def test_a_sysmon_event_keeps_the_sysmon_source() -> None:
    fields = to_splunk(WindowsEvent("e", {"Image": "x"}, 1))
    assert fields["source"] == "XmlWinEventLog:Microsoft-Windows-Sysmon/Operational"


def test_names_with_spaces_are_cleaned_and_unnamed_data_is_one_data_field() -> None:
    defender = to_splunk(FIXTURES["defender/malware_detected"].event)
    assert defender["Threat_Name"] == "HackTool:Win32/Mimikatz.D"
    assert "Threat Name" not in defender
    classic = to_splunk(FIXTURES["powershell_classic/engine_started_version_2"].event)
    assert classic["Data"].startswith("Available\nNone\n\tNewEngineState=Available")
    assert not any(name.startswith("param") for name in classic)
    assert classic["source"] == "XmlWinEventLog:Windows PowerShell"


def test_the_provider_is_name() -> None:
    # splunk/security_content data_sources/windows_event_log_system_7045.yml: the add-on's
    # fields of <Provider Name=... Guid=...> are Name and Guid.
    fields = to_splunk(FIXTURES["system/service_installed_psexec"].event)
    assert fields["Name"] == "Service Control Manager"
    screenconnect = to_splunk(FIXTURES["application/screenconnect_command"].event)
    assert screenconnect["Name"] == "ScreenConnect"
    assert screenconnect["Data"] == "Executed command of length 6: whoami"
