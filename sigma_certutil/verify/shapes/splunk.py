"""Sysmon events as the Splunk Add-on for Sysmon extracts them."""

from __future__ import annotations

from sigma_certutil.verify.shapes import CHANNEL, ShapedEvent


def to_splunk(case: ShapedEvent) -> dict[str, str]:
    """An event as the Splunk Add-on for Sysmon extracts it: raw names, string values."""
    fields = {name: str(value) for name, value in case.event.items()}
    fields["source"] = f"XmlWinEventLog:{CHANNEL}"
    fields["sourcetype"] = "XmlWinEventLog"
    fields["EventCode"] = str(case.event_id)
    return fields
