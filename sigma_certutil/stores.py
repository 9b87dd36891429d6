"""The data stores the targets read: where a product keeps the events and in what shape.

A store is what several targets share: lucene, eql and esql read the same Elastic Common
Schema documents. It names where the events live (index patterns or tables), the event
shaper that stores a raw event as the product does (``verify`` runs the engines on its
output) and the field types the engines need. The shapers and field types are written from
each product's documentation, never from this project's pipelines (see sigma_certutil/verify/
shapes/). Functions are named as "module:function" and imported on use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any


def _resolve(reference: str) -> Callable[..., Any]:
    module, _, name = reference.partition(":")
    found: Callable[..., Any] = getattr(import_module(module), name)
    return found


@dataclass(frozen=True)
class Store:
    """One product's stored events."""

    id: str
    name: str
    # What the queries assume about the data, as `sigma-certutil targets` prints it.
    description: str
    # Where the events are: index patterns (a query names them, or the deployed rule does).
    indices: tuple[str, ...] = ()
    # The tables the queries may name.
    tables: tuple[str, ...] = ()
    # "module:function": a raw event (sigma_certutil.verify.events.WindowsEvent) as stored.
    shaper: str = ""
    # "module:function": the field types the engines index the shaped events with.
    field_types: str = ""

    def shape(self) -> Callable[..., Any]:
        """The event shaper."""
        return _resolve(self.shaper)

    def types(self) -> Callable[..., Any]:
        """The field-type function."""
        return _resolve(self.field_types)

    @property
    def where(self) -> str:
        """The index patterns or tables, comma-separated."""
        return ", ".join(self.indices or self.tables)

    @property
    def summary(self) -> str:
        """The description, with the index patterns or tables."""
        return f"{self.description} ({self.where})" if self.where else self.description


SPLUNK_ADDON = Store(
    id="splunk-addon",
    name="Splunk Add-ons for Sysmon and Microsoft Windows",
    description=(
        "Splunk Add-ons for Sysmon and Microsoft Windows, XML rendering: "
        'source="XmlWinEventLog:<channel>", EventCode, raw EventData field names'
    ),
    shaper="sigma_certutil.verify.shapes.splunk:to_splunk",
)

# Where Winlogbeat (winlogbeat-*) and the Elastic Agent's data streams write the Windows
# event logs: the Windows integration's sysmon_operational, powershell_operational,
# powershell and windows_defender, the System integration's security, system and
# application, and the Custom Windows Event Logs integration (winlog) for every other
# channel. A query names the ones of its channel (sigma_certutil/data/ecs_windows.yml).
ECS = Store(
    id="ecs",
    name="Elastic Common Schema",
    description=(
        "Elastic Common Schema as Winlogbeat (its sysmon, security and powershell modules, "
        "winlog.event_data for the other channels) and the Elastic Agent's Windows and "
        "System integrations write it"
    ),
    indices=(
        "winlogbeat-*",
        "logs-windows.sysmon_operational-*",
        "logs-system.security-*",
        "logs-system.system-*",
        "logs-system.application-*",
        "logs-windows.powershell_operational-*",
        "logs-windows.powershell-*",
        "logs-windows.windows_defender-*",
        "logs-winlog.winlog-*",
    ),
    shaper="sigma_certutil.verify.shapes.ecs:to_ecs",
    field_types="sigma_certutil.verify.shapes.ecs:ecs_fields",
)

# MicrosoftDocs/defender-docs defender-xdr/advanced-hunting-<table>-table.md.
DEFENDER_XDR = Store(
    id="defender-xdr",
    name="Microsoft Defender XDR advanced hunting",
    description="Microsoft Defender XDR advanced hunting tables",
    tables=(
        "DeviceProcessEvents",
        "DeviceNetworkEvents",
        "DeviceFileEvents",
        "DeviceRegistryEvents",
        "DeviceImageLoadEvents",
        "DeviceEvents",
    ),
    shaper="sigma_certutil.verify.shapes.xdr:to_xdr_row",
    field_types="sigma_certutil.verify.engines.kusto:xdr_table_columns",
)
