"""The Windows log-source catalog: each log source's channel and events, each event's fields.

Expected values are Microsoft's (the Security auditing event pages, the providers'
manifests) and pySigma's log-source table, written here by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from helpers import shared_path
from sigma.rule import SigmaLogSource

from sigma_certutil.rules import parse_rule
from sigma_certutil.windows import (
    SYSMON_CHANNEL,
    channel_events,
    log_source,
    log_sources,
    rule_events,
    system_fields,
)


def _windows(category: str | None = None, service: str | None = None) -> SigmaLogSource:
    return SigmaLogSource(product="windows", category=category, service=service)


@pytest.mark.parametrize(
    ("logsource", "channel", "ids"),
    [
        (_windows(service="security"), "Security", ()),
        (_windows(service="system"), "System", ()),
        (_windows(category="ps_script"), "Microsoft-Windows-PowerShell/Operational", (4104,)),
        (_windows(category="ps_module"), "Microsoft-Windows-PowerShell/Operational", (4103,)),
        (_windows(category="ps_classic_start"), "Windows PowerShell", (400,)),
        (_windows(service="windefend"), "Microsoft-Windows-Windows Defender/Operational", ()),
        (_windows(service="sysmon"), SYSMON_CHANNEL, ()),
        (_windows(category="process_tampering"), SYSMON_CHANNEL, (25,)),
        (_windows(category="process_creation"), SYSMON_CHANNEL, (1,)),
        # pySigma's Sysmon step adds service sysmon and keeps the category.
        (_windows(category="sysmon_status", service="sysmon"), SYSMON_CHANNEL, (4, 16)),
    ],
)
def test_log_source_channel_and_ids(
    logsource: SigmaLogSource, channel: str, ids: tuple[int, ...]
) -> None:
    source = log_source(logsource)
    assert source is not None
    assert (source.channel, source.event_ids) == (channel, ids)


def test_applocker_reads_its_four_channels() -> None:
    source = log_source(_windows(service="applocker"))
    assert source is not None
    assert len(source.channels) == 4
    assert {e.id for e in source.events} >= {8003, 8004, 8006, 8007, 8021, 8022, 8024, 8025}


@pytest.mark.parametrize(
    "logsource",
    [_windows(service="nosuchlog"), SigmaLogSource(product="linux", category="process_creation")],
)
def test_other_log_sources_are_not_windows_event_logs(logsource: SigmaLogSource) -> None:
    assert log_source(logsource) is None


def test_security_4624_fields_are_microsofts() -> None:
    (event,) = channel_events("Security")[4624]
    assert event.provider == "Microsoft-Windows-Security-Auditing"
    assert event.title == "An account was successfully logged on"
    assert {"LogonType", "IpAddress", "TargetUserName", "SubjectUserSid", "ElevatedToken"} <= (
        event.fields
    )
    assert "Workstation" not in event.fields  # 4776's name; 4624 writes WorkstationName


def test_security_4688_has_no_sysmon_only_fields() -> None:
    (event,) = channel_events("Security")[4688]
    assert {"NewProcessName", "ParentProcessName", "CommandLine", "SubjectUserName"} <= (
        event.fields
    )
    assert not {"OriginalFileName", "Hashes", "Image", "ParentImage"} & event.fields


def test_an_id_several_providers_write_has_one_event_each() -> None:
    providers = {event.provider for event in channel_events("System")[16]}
    assert "Microsoft-Windows-Kernel-General" in providers
    assert "Microsoft-Windows-WindowsUpdateClient" in providers


def test_spaced_names_have_sigma_forms_and_keep_their_xml_name() -> None:
    (event,) = channel_events("Microsoft-Windows-Windows Defender/Operational")[1121]
    assert "ProcessName" in event.fields
    assert event.xml_name("ProcessName") == "Process Name"
    (event,) = channel_events("Microsoft-Windows-Windows Defender/Operational")[3002]
    assert {"FeatureName", "Feature_Name"} <= event.fields


def test_user_data_fields_are_marked() -> None:
    (event,) = channel_events("System")[104]
    assert event.provider == "Microsoft-Windows-Eventlog"
    assert "Channel" in event.user_data


def test_sysmon_channel_is_read_from_the_sysmon_vocabulary() -> None:
    (event,) = channel_events(SYSMON_CHANNEL)[3]
    assert event.provider == "Microsoft-Windows-Sysmon"
    assert "DestinationPort" in event.fields


def test_system_fields() -> None:
    assert {"Provider_Name", "Channel", "Computer"} <= system_fields()


def test_unknown_channel_has_no_events() -> None:
    assert channel_events("No-Such/Channel") == {}


_RULE = """
title: t
logsource: {product: windows, service: security}
detection:
  selection: {EventID: [4624, 4625], LogonType: 3}
  condition: selection
"""


def test_rule_events_are_the_ids_its_detection_names() -> None:
    rule = parse_rule(_RULE, "r.yml")
    source = log_source(rule.logsource)
    assert source is not None
    assert {e.id for e in rule_events(rule, source)} == {4624, 4625}


def test_rule_without_event_id_reads_every_event_of_its_source() -> None:
    rule = parse_rule(_RULE.replace("EventID: [4624, 4625], ", ""), "r.yml")
    source = log_source(rule.logsource)
    assert source is not None
    assert rule_events(rule, source) == source.events


@pytest.mark.shared
def test_every_windows_log_source_of_sigmahq_is_in_the_catalog() -> None:
    rules = shared_path("data", "sigmahq", "rules", "windows")
    missing = set()
    for path in Path(rules).rglob("*.yml"):
        logsource = yaml.safe_load(path.read_text(encoding="utf-8")).get("logsource", {})
        if not logsource.get("service") and not logsource.get("category"):
            continue
        found = log_source(_windows(logsource.get("category"), logsource.get("service")))
        if found is None:
            missing.add(logsource.get("service") or logsource.get("category"))
    # file_access and file_rename are ETW (Kernel-File) sources, not event log channels.
    assert missing <= {"file_access", "file_rename"}


def test_every_catalog_log_source_has_events() -> None:
    assert all(source.events for source in log_sources().values())
