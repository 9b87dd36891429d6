"""Events stored the way each target's store keeps them, one module per store.

Written from each ingest's documented behaviour, not from the project's pipelines, so a
wrong mapping cannot check itself:
- ``ecs``: elastic/beats x-pack/winlogbeat/module/sysmon/ingest/sysmon.yml, every event id,
  and ``ecs_windows`` for the other channels (the security and powershell modules' ingest
  pipelines, plain winlog.event_data for channels without a module);
- ``splunk``: the Splunk Add-on for Microsoft Windows with XML rendering
  (XmlWinEventLog:<channel> source, EventCode, EventData names as fields);
- ``xdr``: the Defender XDR table rows (MicrosoftDocs/defender-docs advanced-hunting tables).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Protocol

CHANNEL = "Microsoft-Windows-Sysmon/Operational"
_LONG = range(-(2**63), 2**63)
# Short enough to fit 64 bits (checked after).
_DECIMAL = re.compile(r"[+-]?[0-9]{1,20}")
_HEXADECIMAL = re.compile(r"0[xX][0-9A-Fa-f]{1,16}")


class ShapedEvent(Protocol):
    """What the shapers read of an event: its EventData fields, event id, channel and
    provider, and, for a Sysmon network connection, the XDR ActionType when it is known (a
    raw Sysmon event does not say whether a connection succeeded)."""

    @property
    def event(self) -> Mapping[str, Any]: ...

    @property
    def event_id(self) -> int: ...

    @property
    def xdr_action(self) -> str | None: ...

    @property
    def channel(self) -> str: ...

    @property
    def provider(self) -> str: ...

    @property
    def user_data(self) -> str: ...


def whole_number(value: object, hexadecimal: bool = False) -> int | None:
    """A Sysmon number field (a process id, a port) as a 64-bit integer: a JSON integer or
    decimal text (or 0x-hexadecimal text, as Sysmon writes a logon id, when ``hexadecimal``);
    None when it is not one, as an ingest that converts the field to a number then stores no
    number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        number = int(value.strip(), 10)
    elif isinstance(value, str) and hexadecimal and _HEXADECIMAL.fullmatch(value.strip()):
        number = int(value.strip(), 16)
    else:
        return None
    return number if number in _LONG else None
