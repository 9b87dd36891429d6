"""The Windows event log a rule reads, for every target: the log-source step (a log source
the catalog does not hold is refused; a PowerShell category gets its event id), each
target's channel condition, and the Splunk and Defender XDR steps for channels beside Sysmon.

The catalog is sigma_certutil/windows.py (sigma_certutil/data/windows_events.yml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sigma.exceptions import SigmaTransformationError
from sigma.processing.pipeline import ProcessingItem
from sigma.processing.transformations import (
    AddConditionTransformation,
    FieldMappingTransformation,
)
from sigma.processing.transformations.base import PreprocessingTransformation
from sigma.rule import SigmaRule

from sigma_certutil.windows import WindowsLogSource, log_source, rule_events

# Log sources of SigmaHQ's Windows rules that are not event log channels: no target stores
# them (ETW providers SigmaHQ's own configurations read with other collectors).
_NOT_EVENT_LOGS = {
    "file_access": "Microsoft-Windows-Kernel-File ETW provider",
    "file_rename": "Microsoft-Windows-Kernel-File ETW provider",
}


def _channel_source(rule: object) -> WindowsLogSource | None:
    """The rule's Windows log source when it is a channel beside Sysmon (whose steps are the
    Sysmon ones), else None."""
    if not isinstance(rule, SigmaRule):
        return None
    source = log_source(rule.logsource)
    return None if source is None or source.is_sysmon else source


@dataclass
class WindowsLogSourceCheck(PreprocessingTransformation):
    """Refuses a rule whose log source is not a Windows event log of the catalog: its query
    would run over events no target stores under that name."""

    def apply(self, rule: SigmaRule) -> None:  # type: ignore[override]
        if log_source(rule.logsource) is not None:
            return
        name = rule.logsource.service or rule.logsource.category or rule.logsource.product
        if name in _NOT_EVENT_LOGS:
            reason = f"log source {name} is the {_NOT_EVENT_LOGS[name]}, not a Windows event log"
        else:
            reason = f"log source {name or '(none)'} is not a Windows event log of the catalog"
        raise SigmaTransformationError(
            f"{reason}: the targets read Windows event logs only "
            "(sigma_certutil/data/windows_events.yml lists them)",
            source=None,
        )


@dataclass
class ChannelEventIds(AddConditionTransformation):
    """The event ids a PowerShell category means (ps_script: EventID 4104), as pySigma's
    Sysmon step adds them for the Sysmon categories."""

    def apply(self, rule: SigmaRule) -> None:  # type: ignore[override]
        source = _channel_source(rule)
        if source is None or not source.event_ids:
            return
        ids = list(source.event_ids)
        self.conditions = {"EventID": ids[0] if len(ids) == 1 else ids}  # type: ignore[dict-item]
        super().apply(rule)


@dataclass
class ChannelCondition(AddConditionTransformation):
    """The condition that selects the channel in a store: ``field`` equal to ``value_format``
    with the channel name, one value per channel the log source reads."""

    field_name: str = ""
    value_format: str = "{channel}"

    def apply(self, rule: SigmaRule) -> None:  # type: ignore[override]
        source = _channel_source(rule)
        if source is None:
            return
        values = [self.value_format.format(channel=c) for c in source.channels]
        self.conditions = {self.field_name: values[0] if len(values) == 1 else values}
        super().apply(rule)


def windows_logsource_items() -> list[ProcessingItem]:
    """Every target: the log source must be a Windows event log of the catalog; a
    PowerShell category selects its event id."""
    return [
        ProcessingItem(
            identifier="windows_logsource_required", transformation=WindowsLogSourceCheck()
        ),
        ProcessingItem(identifier="windows_channel_event_ids", transformation=ChannelEventIds()),
    ]


# Splunk Add-on for Microsoft Windows, XML rendering (renderXml = true, the add-on's
# default inputs since 8.0): source="XmlWinEventLog:<channel>", sourcetype XmlWinEventLog;
# EventData <Data Name="X"> becomes field X (docs.splunk.com/Documentation/WindowsAddOn,
# "Source types for the Splunk Add-on for Windows"; splunk/security_content data_sources/
# windows_event_log_security_4624.yml and the others name source XmlWinEventLog:Security and
# the raw EventData names). Splunk cleans field names (transforms.conf CLEAN_KEYS, default
# true): characters other than letters, digits and underscores become "_", so Windows
# Defender's "Process Name" is Process_Name. The classic rendering (WinEventLog:<channel>)
# extracts the message text's labels instead ("Account_Name", "Logon_Type"): these queries
# assume the XML rendering, as the Sysmon target does.
_SPLUNK_SYSTEM = {
    # <Provider Name='...'>: the add-on's XML extraction names it Name (splunk/
    # security_content data_sources/windows_event_log_system_7045.yml: the add-on's fields
    # Name and Guid beside an example event whose <Provider> has those attributes).
    "Provider_Name": "Name",
}


@dataclass
class SplunkChannelFields(FieldMappingTransformation):
    """The add-on's names of a channel's fields: the XML name with Splunk's cleaning, and the
    System fields' extracted names."""

    mapping: dict[str | None, str | list[str]] = field(default_factory=dict)

    def apply(self, rule: SigmaRule) -> None:  # type: ignore[override]
        source = _channel_source(rule)
        if source is None:
            return
        mapping: dict[str | None, str | list[str]] = {}
        mapping.update(_SPLUNK_SYSTEM)
        for event in rule_events(rule, source):
            for name, xml in event.xml_names:
                mapping[name] = re.sub(r"\W", "_", xml)
        self.mapping = mapping
        super().apply(rule)


def splunk_channel_items() -> list[ProcessingItem]:
    """Splunk: the add-on's source for the channel and its field names."""
    return [
        ProcessingItem(
            identifier="splunk_addon_channel_source",
            transformation=ChannelCondition(
                field_name="source", value_format="XmlWinEventLog:{channel}"
            ),
        ),
        ProcessingItem(
            identifier="splunk_addon_channel_fields", transformation=SplunkChannelFields()
        ),
    ]


@dataclass
class XdrChannelRefusal(PreprocessingTransformation):
    """Defender XDR advanced hunting holds the activity Defender for Endpoint records itself
    (MicrosoftDocs/defender-docs defender-xdr/advanced-hunting-schema-tables.md): no table
    holds the events of a Windows event log channel. Where a table records a similar
    activity (DeviceLogonEvents for logons, DeviceEvents ActionType ServiceInstalled), its
    columns and values are Defender's, not the event's, so a rule on the channel's fields
    cannot be translated without changing what it matches."""

    def apply(self, rule: SigmaRule) -> None:  # type: ignore[override]
        source = _channel_source(rule)
        if source is None:
            return
        raise SigmaTransformationError(
            f"the {source.channel} event log (log source {source.name}) has no Defender XDR "
            "table: advanced hunting keeps the activity Defender for Endpoint records itself "
            "(DeviceProcessEvents, DeviceLogonEvents, DeviceEvents, ...), not Windows event "
            "log channels, so no table holds these events and their fields",
            source=None,
        )


def xdr_channel_items() -> list[ProcessingItem]:
    """Defender XDR: channels beside Sysmon are refused."""
    return [ProcessingItem(identifier="xdr_channel_not_stored", transformation=XdrChannelRefusal())]
