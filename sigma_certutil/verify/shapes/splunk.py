"""Windows events as the Splunk Add-on for Microsoft Windows (and the Splunk Add-on for
Sysmon) extract them from XML rendering (``renderXml = true`` in inputs.conf, the add-on's
recommended setting): ``source`` and ``sourcetype`` XmlWinEventLog, ``EventCode``, the
channel in ``source="XmlWinEventLog:<channel>"``, and every ``<Data Name="...">`` element of
EventData as a field of that name, its text as the value (Splunk Add-on for Microsoft
Windows docs, "Source types for the Splunk Add-on for Microsoft Windows"; the add-on's
props.conf [XmlWinEventLog] KV_MODE = xml and its field extractions).

With classic rendering the source would be ``WinEventLog:<channel>``, and the fields the
names of the message text's labels (``Account_Name``, ``Process_Command_Line``, ...): this
package's queries assume XML rendering.

A name with characters other than letters, digits and _ (Windows Defender's "Threat Name")
becomes one with _ in their place, as Splunk's key cleaning does (transforms.conf.spec,
CLEAN_KEYS, on by default: "replaces ... non-alphanumeric characters with underscores").

A ``<UserData>`` event's fields (WMI-Activity 5858) are its element's child elements, under
their names, as the add-on's XML extraction takes an element's text as a field of the
element's name (an approximation: the add-on's transforms are not read here).

The System part's ``<Provider Name="..."/>`` is the field ``Name`` (its Guid attribute
``Guid``): splunk/security_content data_sources/windows_event_log_system_7045.yml lists the
add-on's (Splunk Add-on for Microsoft Windows 9.1.1) fields of XmlWinEventLog:System 7045
as Name, Guid, EventSourceName, ... beside an example event whose <Provider> carries
exactly those attributes, and no other field for the provider. An EventData element named
Name would share the field (XML extraction makes it multivalue): the shape keeps the
EventData value then.

Unnamed ``<Data>`` elements (the classic PowerShell channel, ScreenConnect's and SQL
Server's Application events) are taken as one multivalue ``Data`` field, as the XML
extraction names an element without a Name attribute by its tag: an assumption, since no
source here shows the add-on's field for them (security_content's data sources list none
for such events); the search model compares one value, so they are joined with line breaks.
"""

from __future__ import annotations

import re

from sigma_certutil.verify.shapes import ShapedEvent


def to_splunk(case: ShapedEvent) -> dict[str, str]:
    """An event as the add-on extracts it: EventData names, string values."""
    fields = {
        re.sub(r"[^A-Za-z0-9_]", "_", name): "\n".join(map(str, value))
        if isinstance(value, list)  # unnamed <Data> elements, in order
        else str(value)
        for name, value in case.event.items()
    }
    unnamed = sorted(
        (int(name[5:]), value)
        for name, value in fields.items()
        if name.startswith("param") and name[5:].isdigit()
    )
    if unnamed and "Data" not in fields:
        for number, _ in unnamed:
            del fields[f"param{number}"]
        fields["Data"] = "\n".join(value for _, value in unnamed)
    if case.provider and "Name" not in fields:
        fields["Name"] = case.provider
    fields["source"] = f"XmlWinEventLog:{case.channel}"
    fields["sourcetype"] = "XmlWinEventLog"
    fields["EventCode"] = str(case.event_id)
    return fields
