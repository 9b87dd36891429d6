"""verify/values.py: EventData fields as Sysmon writes them; what cannot be is left out with a
note, never an error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import cli

from sigma_certutil.verify import SysmonEvent, load_events
from sigma_certutil.verify.values import shown, sysmon_fields

AS_TEXT = "Sysmon writes every field as text"

KEPT: dict[str, tuple[Any, Any]] = {
    "text": ("C:\\x.exe", "C:\\x.exe"),
    "empty text": ("", ""),
    "control characters": ("a\tb\nc\x01", "a\tb\nc\x01"),
    "integer": (443, 443),
    "negative integer": (-(2**63), -(2**63)),
    "largest long": (2**63 - 1, 2**63 - 1),
    "float": (1.5, 1.5),
    "true": (True, "true"),
    "false": (False, "false"),
    "xml text": ({"#text": "x", "#attributes": {"Name": "Image"}}, "x"),
    "xml number": ({"#text": 3}, 3),
}

LEFT_OUT: dict[str, tuple[Any, str]] = {
    "list": (["a"], f"a JSON list; {AS_TEXT}"),
    "empty list": ([], f"a JSON list; {AS_TEXT}"),
    "object": ({"a": 1}, f"a JSON object; {AS_TEXT}"),
    "xml text of an object": ({"#text": {"a": 1}}, f"a JSON object; {AS_TEXT}"),
    "too large": (2**63, "a number outside 64 bits"),
    "huge": (10**100, "a number outside 64 bits"),
    "nan": (float("nan"), "not a finite number"),
    "infinity": (float("-inf"), "not a finite number"),
    "nul": ("a\x00b", "holds a NUL character, which Windows event XML cannot"),
    "surrogate": ("\ud800", "not Unicode text (a lone surrogate)"),
    "bytes": (b"x", f"a bytes; {AS_TEXT}"),
}


@pytest.mark.parametrize("case", KEPT, ids=list(KEPT))
def test_kept(case: str) -> None:
    given, kept = KEPT[case]
    assert sysmon_fields({"Field": given}) == ({"Field": kept}, ())


@pytest.mark.parametrize("case", LEFT_OUT, ids=list(LEFT_OUT))
def test_left_out_with_a_note(case: str) -> None:
    given, why = LEFT_OUT[case]
    assert sysmon_fields({"Field": given}) == ({}, (f'field "Field" left out: {why}',))


def test_null_is_an_absent_field() -> None:
    assert sysmon_fields({"Image": None}) == ({}, ())


@pytest.mark.parametrize(
    "name", ["", "a.b", "Image ", " Image", "Ima  ge", "#attributes", "Ima\x00ge", "é"]
)
def test_names_sysmon_cannot_write_are_left_out(name: str) -> None:
    note = f"field {json.dumps(name)} left out: not an event field name (A-Z, 0-9, _, inner spaces)"
    assert sysmon_fields({name: "x", "Image": "y"}) == ({"Image": "y"}, (note,))


def test_an_event_keeps_its_fields_as_sysmon_writes_them() -> None:
    event = SysmonEvent("e", {"Initiated": True, "Hashes": ["a"], "User": None})
    assert event.event == {"Initiated": "true"}
    assert event.notes == (f'field "Hashes" left out: a JSON list; {AS_TEXT}',)
    assert event == SysmonEvent("e", {"Initiated": "true"})


def test_shown_cuts_long_values() -> None:
    assert shown("x" * 100) == '"' + "x" * 38 + "…"
    assert shown(3.5) == "3.5"


def test_the_notes_are_on_stderr_and_the_run_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "odd.json"
    path.write_text(
        '{"EventID": 3, "Image": "C:\\\\x\\\\certutil.exe", "Initiated": true,\n'
        ' "DestinationPort": [443], "SourcePort": 1e999, "a.b": 1}\n',
        encoding="utf-8",
    )
    [event] = load_events(path)
    assert event.event == {"Image": r"C:\x\certutil.exe", "Initiated": "true"}
    result = cli("verify", "--events", str(path), "-t", "splunk")
    note = "sigma-certutil: note: odd.json#1: field"
    assert result.stderr.splitlines()[:3] == [
        f'{note} "DestinationPort" left out: a JSON list; {AS_TEXT}',
        f'{note} "SourcePort" left out: not a finite number',
        f'{note} "a.b" left out: not an event field name (A-Z, 0-9, _, inner spaces)',
    ]
    assert "reference  0 of 1 events: -\n" in result.stdout
