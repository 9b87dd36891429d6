"""Events stored the way each target's store keeps them, one module per store.

Written from each ingest's documented behaviour, not from the project's pipelines, so a
wrong mapping cannot check itself:
- ``ecs``: elastic/beats x-pack/winlogbeat/module/sysmon/ingest/sysmon.yml, every event id;
- ``splunk``: the Splunk Add-on for Sysmon (XmlWinEventLog source, EventCode, raw field names);
- ``xdr``: the Defender XDR table rows (MicrosoftDocs/defender-docs advanced-hunting tables).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

CHANNEL = "Microsoft-Windows-Sysmon/Operational"


class ShapedEvent(Protocol):
    """What the shapers read of an event: Sysmon's EventData fields and event id, and, for a
    network connection, the XDR ActionType when it is known (a raw Sysmon event does not say
    whether a connection succeeded)."""

    @property
    def event(self) -> Mapping[str, Any]: ...

    @property
    def event_id(self) -> int: ...

    @property
    def xdr_action(self) -> str | None: ...
