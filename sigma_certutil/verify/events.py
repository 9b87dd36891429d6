"""Raw Sysmon events from files: SigmaHQ's regression JSON or JSON lines of EventData.

A file must be a regular file of at most ``MAX_BYTES`` of UTF-8 JSON holding at least one
event; anything else is an EventsError naming the file (and the line, for malformed JSON).
Each event's fields are kept as Sysmon writes them (``values``): a field that cannot be is
left out, with a note on the event.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sigma_certutil.errors import EventsError
from sigma_certutil.verify.values import shown, sysmon_fields

MAX_BYTES = 64 * 1024 * 1024  # 64 MiB
# Windows event ids are 16-bit.
EVENT_IDS = range(0, 65536)

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


@dataclass(frozen=True)
class SysmonEvent:
    """One Sysmon event: a name, its EventData fields as Sysmon writes them, its id, and,
    for a network connection, Defender XDR's ActionType when known (Sysmon does not say
    whether a connection succeeded; unknown outbound connections are taken as successful).

    The fields given are kept as ``values.sysmon_fields`` says (true becomes "true", a null
    field is absent); ``notes`` says which were left out and why."""

    name: str
    event: dict[str, Any] = field(hash=False)
    event_id: int = 3
    xdr_action: str | None = None
    notes: tuple[str, ...] = field(default=(), init=False, compare=False)

    def __post_init__(self) -> None:
        fields, notes = sysmon_fields(self.event)
        object.__setattr__(self, "event", fields)
        object.__setattr__(self, "notes", notes)


def _kind(mode: int) -> str | None:
    """What a file that is not a regular file is, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a file")


def _nonblocking(path: str, flags: int) -> int:
    # A FIFO put in the file's place after the check must not block the open.
    return os.open(path, flags | getattr(os, "O_NONBLOCK", 0))


def read_events_text(source: Path) -> str:
    """The text of an events file, after checking that it is one."""
    try:
        kind = _kind(os.stat(source).st_mode)
        if kind is None:
            with open(source, "rb", opener=_nonblocking) as handle:
                kind = _kind(os.fstat(handle.fileno()).st_mode)
                data = handle.read(MAX_BYTES + 1) if kind is None else b""
    except FileNotFoundError as error:
        raise EventsError("events file not found", source) from error
    except OSError as error:
        raise EventsError(f"cannot read events: {error.strerror or error}", source) from error
    if kind is not None:
        raise EventsError(f"not a regular file ({kind})", source)
    if len(data) > MAX_BYTES:
        raise EventsError(f"over the {MAX_BYTES // 2**20} MiB limit of an events file", source)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        byte = data[error.start : error.start + 1].hex()
        raise EventsError(f"not UTF-8 text (byte 0x{byte})", source, line) from error


def _json_values(text: str, source: Path) -> list[Any]:
    """Every JSON value in the text: one document, several back to back, or JSON lines."""
    decoder, position = json.JSONDecoder(), 0
    values: list[Any] = []
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            return values
        try:
            value, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise EventsError(f"malformed JSON: {error.msg}", source, error.lineno) from error
        except RecursionError as error:
            line = text.count("\n", 0, position) + 1
            raise EventsError("malformed JSON: nested too deeply", source, line) from error
        except ValueError as error:  # a number of more digits than Python converts
            line = text.count("\n", 0, position) + 1
            raise EventsError("malformed JSON: a number too long", source, line) from error
        values.extend(value if isinstance(value, list) else [value])


def _event(number: int, value: Any, source: Path) -> SysmonEvent:
    """The event of the file's ``number``-th JSON value."""
    where = f"event {number}"
    if not isinstance(value, dict):
        raise EventsError(f"{where} is not a JSON object", source)
    if "Event" in value and isinstance(value["Event"], dict):
        event = value["Event"]
        system, data = event.get("System", {}), event.get("EventData", {})
        for part, found in (("System", system), ("EventData", data)):
            if found is not None and not isinstance(found, dict):
                raise EventsError(f"{where}: Event.{part} is not a JSON object", source)
        event_id = (system or {}).get("EventID")
        data = data or {}
    else:
        data = {k: v for k, v in value.items() if k != "EventID"}
        event_id = value.get("EventID")
    if isinstance(event_id, dict):  # XML-to-JSON exports keep the text under "#text"
        event_id = event_id.get("#text")
    if event_id is None:
        raise EventsError(f"{where} has no EventID", source)
    number_id = _event_id(event_id)
    if number_id is None:
        raise EventsError(
            f"{where}: EventID {shown(event_id)} is not a number from 0 to 65535", source
        )
    return SysmonEvent(f"{source.name}#{number}", data, number_id)


def _event_id(value: Any) -> int | None:
    """A JSON integer or decimal text from 0 to 65535, or None."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip()) if len(value.strip()) <= 5 else None
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if value in EVENT_IDS else None


def load_events(path: str | Path) -> list[SysmonEvent]:
    """Events of a file. Each value is either ``{"Event": {"System": {"EventID": ..},
    "EventData": {..}}}`` (SigmaHQ's regression data) or a flat object of EventData fields
    that names its ``EventID``. A file holding no event is an EventsError."""
    source = Path(path)
    values = _json_values(read_events_text(source), source)
    if not values:
        raise EventsError("no events in the file", source)
    return [_event(number, value, source) for number, value in enumerate(values, 1)]
