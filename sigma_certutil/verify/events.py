"""Raw Sysmon events from files: SigmaHQ's regression JSON or JSON lines of EventData."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sigma_certutil.errors import EventsError


@dataclass(frozen=True)
class SysmonEvent:
    """One Sysmon event: a name, its EventData fields as Sysmon writes them, its id, and,
    for a network connection, Defender XDR's ActionType when known (Sysmon does not say
    whether a connection succeeded; unknown outbound connections are taken as successful)."""

    name: str
    event: dict[str, Any] = field(hash=False)
    event_id: int = 3
    xdr_action: str | None = None


def _json_values(text: str) -> list[Any]:
    """Every JSON value in the text: one document, several back to back, or JSON lines."""
    decoder, position = json.JSONDecoder(), 0
    values: list[Any] = []
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            return values
        value, position = decoder.raw_decode(text, position)
        values.extend(value if isinstance(value, list) else [value])


def load_events(path: str | Path) -> list[SysmonEvent]:
    """Events of a file. Each value is either ``{"Event": {"System": {"EventID": ..},
    "EventData": {..}}}`` (SigmaHQ's regression data) or a flat object of EventData fields
    that names its ``EventID``."""
    source = Path(path)
    try:
        values = _json_values(source.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise EventsError("events file not found", source) from error
    except (OSError, UnicodeDecodeError) as error:
        raise EventsError(f"cannot read events: {error}", source) from error
    except json.JSONDecodeError as error:
        raise EventsError(f"malformed JSON: {error.msg}", source, error.lineno) from error
    events = []
    for number, value in enumerate(values, 1):
        name = f"{source.name}#{number}"
        if isinstance(value, dict) and isinstance(value.get("Event"), dict):
            event = value["Event"]
            system = event.get("System") or {}
            data = event.get("EventData") or {}
            event_id = system.get("EventID")
        elif isinstance(value, dict):
            data = {k: v for k, v in value.items() if k != "EventID"}
            event_id = value.get("EventID")
        else:
            raise EventsError(f"event {number} is not a JSON object", source)
        if isinstance(event_id, dict):  # XML-to-JSON exports keep the text under "#text"
            event_id = event_id.get("#text")
        try:
            events.append(SysmonEvent(name, dict(data), int(str(event_id))))
        except ValueError:
            raise EventsError(f"event {number} has no EventID", source) from None
    return events
