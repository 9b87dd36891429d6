"""EventData fields as Windows writes them, whatever the JSON holds.

Sysmon (and every other provider) writes every EventData field as text in the event's XML,
under a name of letters and digits (a few providers put spaces inside); JSON exports keep
the text or turn numbers into JSON numbers. An event keeps:

- text (a NUL character or a lone surrogate cannot be in Windows event XML: such a field is
  left out);
- a whole number of 64 bits, or a finite number;
- ``true`` and ``false`` as Sysmon's text, "true" and "false";
- an XML-to-JSON ``{"#text": ...}`` (with or without ``#attributes``) as its text.

A ``null`` field is absent. Any other field (a list, an object, a number out of range, NaN,
a name Sysmon cannot write) is left out of the event, with a note saying why; every engine
and the Sigma reference then see the same event, in which that field is missing.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

# Sysmon's names are letters, digits and _; other providers put spaces inside a few names
# (Windows Defender's "Threat Name", "Process Name").
_NAME = re.compile(r"[A-Za-z0-9_]+(?: [A-Za-z0-9_]+)*")
_LONG = range(-(2**63), 2**63)
_NOT_A_NAME = "not an event field name (A-Z, 0-9, _, inner spaces)"
_AS_TEXT = "Sysmon writes every field as text"


def shown(value: object, limit: int = 40) -> str:
    """A value as JSON, cut to ``limit`` characters, for a message."""
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def positional_fields(data: Mapping[Any, Any]) -> Mapping[Any, Any]:
    """EventData with its unnamed ``<Data>`` elements, which XML-to-JSON exports write as one
    list under ``Data`` (the classic "Windows PowerShell" channel's events 400, 600 and 800),
    named ``param1``, ``param2``, ... in order, as Winlogbeat names them (elastic/beats
    x-pack/winlogbeat/module/powershell/ingest/powershell.yml splits ``param2`` or ``param3``).
    Other EventData is returned as it is."""
    positional = data.get("Data") if isinstance(data, Mapping) else None
    if not isinstance(positional, list | tuple):
        return data
    fields = {k: v for k, v in data.items() if k != "Data"}
    for number, value in enumerate(positional, 1):
        fields.setdefault(f"param{number}", value)
    return fields


def sysmon_fields(data: Mapping[Any, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The fields an event keeps, and a note for each field left out."""
    fields: dict[str, Any] = {}
    notes: list[str] = []
    for name, raw in data.items():
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            notes.append(f"field {shown(name)} left out: {_NOT_A_NAME}")
            continue
        value, why = sysmon_value(raw)
        if why is not None:
            notes.append(f"field {shown(name)} left out: {why}")
        elif value is not None:
            fields[name] = value
    return fields, tuple(notes)


def sysmon_value(value: object) -> tuple[str | int | float | None, str | None]:
    """(the value an event keeps, None) or (None, why it is left out); (None, None) for a
    null, which is an absent field."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        return ("true" if value else "false"), None
    if isinstance(value, int):
        return (value, None) if value in _LONG else (None, "a number outside 64 bits")
    if isinstance(value, float):
        return (value, None) if math.isfinite(value) else (None, "not a finite number")
    if isinstance(value, str):
        if "\x00" in value:
            return None, "holds a NUL character, which Windows event XML cannot"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return None, "not Unicode text (a lone surrogate)"
        return value, None
    if isinstance(value, Mapping):
        if "#text" in value and set(value) <= {"#text", "#attributes"}:
            text = value["#text"]
            if not isinstance(text, Mapping | list):
                return sysmon_value(text)
        return None, f"a JSON object; {_AS_TEXT}"
    if isinstance(value, list | tuple):
        return None, f"a JSON list; {_AS_TEXT}"
    return None, f"a {type(value).__name__}; {_AS_TEXT}"
