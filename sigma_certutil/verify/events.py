"""Raw Windows events from files: SigmaHQ's regression JSON or JSON lines of EventData.

An event is what the Windows event log holds: its channel, its provider, its event id and its
EventData fields (the XML's ``<Data Name="...">`` elements; unnamed ``<Data>`` elements, as
the classic "Windows PowerShell" channel writes them, are kept in order as ``param1``,
``param2``, ... as Winlogbeat names them). An event that names no channel is a Sysmon event,
as every event of the first versions of this package was.

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
from sigma_certutil.verify.values import positional_fields, shown, sysmon_fields

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


SYSMON_CHANNEL = "Microsoft-Windows-Sysmon/Operational"
SYSMON_PROVIDER = "Microsoft-Windows-Sysmon"
# The provider that writes each channel the package knows, for an event that names only its
# channel (Microsoft's event documentation and the Winlogbeat golden files' provider_name).
PROVIDERS = {
    SYSMON_CHANNEL: SYSMON_PROVIDER,
    "Security": "Microsoft-Windows-Security-Auditing",
    "Microsoft-Windows-PowerShell/Operational": "Microsoft-Windows-PowerShell",
    "Windows PowerShell": "PowerShell",
    "Microsoft-Windows-Windows Defender/Operational": "Microsoft-Windows-Windows Defender",
    "Microsoft-Windows-TaskScheduler/Operational": "Microsoft-Windows-TaskScheduler",
    "Microsoft-Windows-Bits-Client/Operational": "Microsoft-Windows-Bits-Client",
}


@dataclass(frozen=True)
class WindowsEvent:
    """One Windows event: a name, its EventData fields, its id, its channel and provider,
    and, for a Sysmon network connection, Defender XDR's ActionType when known (Sysmon does
    not say whether a connection succeeded; unknown outbound connections are taken as
    successful).

    The fields given are kept as ``values.sysmon_fields`` says (true becomes "true", a null
    field is absent); ``notes`` says which were left out and why. The provider defaults to
    the one that writes the channel (``PROVIDERS``)."""

    name: str
    event: dict[str, Any] = field(hash=False)
    event_id: int = 3
    xdr_action: str | None = None
    channel: str = SYSMON_CHANNEL
    provider: str = ""
    # The <UserData> element the fields come from (WMI-Activity's Operation_ClientFailure,
    # Security 1102's LogFileCleared), or "" when they are EventData.
    user_data: str = ""
    notes: tuple[str, ...] = field(default=(), init=False, compare=False)

    def __post_init__(self) -> None:
        fields, notes = sysmon_fields(positional_fields(self.event))
        object.__setattr__(self, "event", fields)
        object.__setattr__(self, "notes", notes)
        if not self.provider:
            object.__setattr__(self, "provider", PROVIDERS.get(self.channel, ""))

    @property
    def is_sysmon(self) -> bool:
        return self.channel == SYSMON_CHANNEL


# The name every module used before events had channels.
SysmonEvent = WindowsEvent


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


# Keys of a flat event (JSON lines) that say where the event is from, not EventData.
_SYSTEM_KEYS = ("EventID", "Channel", "Provider")


def _event(number: int, value: Any, source: Path) -> WindowsEvent:
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
        system = system or {}
        element = ""
        if not data and isinstance(event.get("UserData"), dict):
            element, data = _user_data(event["UserData"], where, source)
        event_id = system.get("EventID")
        channel, provider = system.get("Channel"), system.get("Provider")
        if isinstance(provider, dict):  # <Provider Name="..."/> as XML-to-JSON writes it
            provider = (provider.get("#attributes") or {}).get("Name", provider.get("Name"))
        data = data or {}
    else:
        element = ""
        data = {k: v for k, v in value.items() if k not in _SYSTEM_KEYS}
        event_id = value.get("EventID")
        channel, provider = value.get("Channel"), value.get("Provider")
    if isinstance(event_id, dict):  # XML-to-JSON exports keep the text under "#text"
        event_id = event_id.get("#text")
    if event_id is None:
        raise EventsError(f"{where} has no EventID", source)
    number_id = _event_id(event_id)
    if number_id is None:
        raise EventsError(
            f"{where}: EventID {shown(event_id)} is not a number from 0 to 65535", source
        )
    for part, text in (("Channel", channel), ("Provider", provider)):
        if text is not None and (not isinstance(text, str) or not text.strip()):
            raise EventsError(f"{where}: {part} {shown(text)} is not a name", source)
    return WindowsEvent(
        f"{source.name}#{number}",
        data,
        number_id,
        channel=channel.strip() if channel else SYSMON_CHANNEL,
        provider=provider.strip() if provider else "",
        user_data=element,
    )


def _user_data(value: dict[str, Any], where: str, source: Path) -> tuple[str, dict[str, Any]]:
    """(element name, fields) of ``<UserData><Element>fields</Element></UserData>``."""
    elements = {k: v for k, v in value.items() if k != "#attributes"}
    if len(elements) != 1 or not isinstance(next(iter(elements.values())), dict):
        raise EventsError(f"{where}: Event.UserData is not one element of fields", source)
    [(name, fields)] = elements.items()
    return name, {k: v for k, v in fields.items() if k != "#attributes"}


def _event_id(value: Any) -> int | None:
    """A JSON integer or decimal text from 0 to 65535, or None."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip()) if len(value.strip()) <= 5 else None
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if value in EVENT_IDS else None


def load_events(path: str | Path) -> list[WindowsEvent]:
    """Events of a file. Each value is either ``{"Event": {"System": {"EventID": ..,
    "Channel": .., "Provider": {"#attributes": {"Name": ..}}}, "EventData": {..}}}``
    (SigmaHQ's regression data; ``"UserData": {"<Element>": {..}}`` in place of EventData)
    or a flat object of EventData fields that names its
    ``EventID`` (and its ``Channel`` and ``Provider`` when it is not a Sysmon event). A file
    holding no event is an EventsError."""
    source = Path(path)
    values = _json_values(read_events_text(source), source)
    if not values:
        raise EventsError("no events in the file", source)
    return [_event(number, value, source) for number, value in enumerate(values, 1)]
