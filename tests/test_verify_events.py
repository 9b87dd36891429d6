"""verify/events.py: an events file that is not one, or holds no usable event, is one line on
stderr naming the file (and the line), exit code 2, both through the command line and the
API (EventsError)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import cli

from sigma_certutil.errors import EventsError
from sigma_certutil.verify import load_events
from sigma_certutil.verify.events import MAX_BYTES

EVENT = b'{"EventID": 3, "Image": "C:\\\\x\\\\certutil.exe"}\n'
NOT_ID = "is not a number from 0 to 65535"

# Name -> (file content, the message after "<path>").
CONTENT: dict[str, tuple[bytes, str]] = {
    "empty_list": (b"[]", ": no events in the file"),
    "empty_file": (b"", ": no events in the file"),
    "whitespace": (b" \n\t\n", ": no events in the file"),
    "list_of_empty_lists": (b"[]\n[]\n", ": no events in the file"),
    "number": (b"3", ": event 1 is not a JSON object"),
    "list_of_list": (b"[[{}]]", ": event 1 is not a JSON object"),
    "second_line_a_string": (EVENT + b'"x"\n', ": event 2 is not a JSON object"),
    "no_event_id": (b'{"Image": "x"}', ": event 1 has no EventID"),
    "null_event_id": (b'{"EventID": null}', ": event 1 has no EventID"),
    "text_event_id": (b'{"EventID": "three"}', f': event 1: EventID "three" {NOT_ID}'),
    "fraction_event_id": (b'{"EventID": 3.5}', f": event 1: EventID 3.5 {NOT_ID}"),
    "bool_event_id": (b'{"EventID": true}', f": event 1: EventID true {NOT_ID}"),
    "negative_event_id": (b'{"EventID": -1}', f": event 1: EventID -1 {NOT_ID}"),
    "large_event_id": (b'{"EventID": 65536}', f": event 1: EventID 65536 {NOT_ID}"),
    "huge_event_id": (
        b'{"EventID": ' + b"9" * 60 + b"}",
        f": event 1: EventID {'9' * 39}… {NOT_ID}",
    ),
    "list_event_id": (b'{"EventID": [3]}', f": event 1: EventID [3] {NOT_ID}"),
    "regression_text_event_id": (
        b'{"Event": {"System": {"EventID": {"#text": "x3"}}, "EventData": {}}}',
        f': event 1: EventID "x3" {NOT_ID}',
    ),
    "system_a_list": (
        b'{"Event": {"System": [], "EventData": {}}}',
        ": event 1: Event.System is not a JSON object",
    ),
    "event_data_a_string": (
        b'{"Event": {"System": {"EventID": 3}, "EventData": "x"}}',
        ": event 1: Event.EventData is not a JSON object",
    ),
    "not_utf8": (EVENT + b'{"EventID": 3, "Image": "\xff"}\n', ":2: not UTF-8 text (byte 0xff)"),
    "utf16": ('{"EventID": 3}'.encode("utf-16"), ":1: not UTF-8 text (byte 0xff)"),
    "malformed": (b'{"EventID": 3,\n "Image": }\n', ":2: malformed JSON: Expecting value"),
    "truncated": (EVENT + b'{"EventID": 3', ":2: malformed JSON: Expecting ',' delimiter"),
    "nested_too_deeply": (EVENT + b"[" * 100_000, ":2: malformed JSON: nested too deeply"),
    "number_too_long": (
        b'{"EventID": 3, "X": 1' + b"0" * 5000 + b"}",
        ":1: malformed JSON: a number too long",
    ),
}


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _over_the_limit(path: Path) -> None:
    with path.open("wb") as handle:  # sparse: nothing is written but the size
        handle.truncate(MAX_BYTES + 1)


# Name -> (make the file at the path, the message after "<path>").
FILES: dict[str, tuple[Callable[[Path], object], str]] = {
    "missing": (lambda path: None, ": events file not found"),
    "directory": (Path.mkdir, ": not a regular file (a directory)"),
    "fifo": (_fifo, ": not a regular file (a FIFO)"),
    "over_the_limit": (_over_the_limit, ": over the 64 MiB limit of an events file"),
}


def _check(path: Path, message: str) -> None:
    """The command line and the API give the same one-line message."""
    result = cli("verify", "--events", str(path), "-t", "splunk")
    assert (result.code, result.stderr) == (2, f"sigma-certutil: error: {path}{message}\n")
    assert result.stdout == ""
    with pytest.raises(EventsError) as raised:
        load_events(path)
    assert str(raised.value) == f"{path}{message}"
    assert raised.value.source == str(path)


@pytest.mark.parametrize("case", CONTENT, ids=list(CONTENT))
def test_bad_content(case: str, tmp_path: Path) -> None:
    content, message = CONTENT[case]
    path = tmp_path / f"{case}.json"
    path.write_bytes(content)
    _check(path, message)


@pytest.mark.parametrize("case", FILES, ids=list(FILES))
def test_not_an_events_file(case: str, tmp_path: Path) -> None:
    make, message = FILES[case]
    path = tmp_path / f"{case}.json"
    make(path)
    _check(path, message)


def test_an_error_from_a_cause_is_raised_from_it(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    for content, cause in ((b"{", json.JSONDecodeError), (b"\xff", UnicodeDecodeError)):
        path.write_bytes(content)
        with pytest.raises(EventsError) as raised:
            load_events(path)
        assert isinstance(raised.value.__cause__, cause)


def test_a_device_is_not_opened() -> None:
    _check(Path(os.devnull), ": not a regular file (a character device)")


def test_the_limit_is_the_file_size_and_a_file_at_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    with path.open("wb") as handle:
        handle.write(EVENT)
        handle.write(b" " * (MAX_BYTES - len(EVENT)))
    assert len(load_events(path)) == 1


def test_one_document_several_documents_and_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "e.json"
    path.write_bytes(b"[" + EVENT.strip() + b", " + EVENT.strip() + b"]" + EVENT + EVENT)
    assert [event.name for event in load_events(path)] == [f"e.json#{n}" for n in range(1, 5)]


def test_a_byte_order_mark_is_read_as_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + EVENT)
    [event] = load_events(path)
    assert event.event == {"Image": r"C:\x\certutil.exe"}


def test_event_ids_as_sysmon_exports_write_them(tmp_path: Path) -> None:
    path = tmp_path / "ids.json"
    path.write_text(
        '{"EventID": "3"}\n{"EventID": 13}\n'
        '{"Event": {"System": {"EventID": {"#text": "22", "#attributes": {}}}}}\n'
        '{"Event": {"System": {"EventID": 1}, "EventData": null}}\n',
        encoding="utf-8",
    )
    assert [event.event_id for event in load_events(path)] == [3, 13, 22, 1]


def test_the_first_bad_file_stops_the_run(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.jsonl", tmp_path / "bad.json"
    good.write_bytes(EVENT)
    bad.write_bytes(b"[]")
    result = cli("verify", "--events", str(good), str(bad), "-t", "splunk")
    assert (result.code, result.stderr) == (
        2,
        f"sigma-certutil: error: {bad}: no events in the file\n",
    )


def test_channel_and_provider_of_regression_json_and_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "windows.json"
    path.write_text(
        '{"Event": {"System": {"EventID": 4648, "Channel": "Security", "Provider": '
        '{"#attributes": {"Name": "Microsoft-Windows-Security-Auditing"}}}, '
        '"EventData": {"TargetUserName": "testuser"}}}\n'
        '{"EventID": 7045, "Channel": "System", "Provider": "Service Control Manager", '
        '"ServiceName": "x"}\n'
        '{"EventID": 4104, "Channel": "Microsoft-Windows-PowerShell/Operational"}\n'
        '{"EventID": 1, "Image": "C:\\\\x.exe"}\n',
        encoding="utf-8",
    )
    events = load_events(path)
    assert [(e.channel, e.provider, e.event_id) for e in events] == [
        ("Security", "Microsoft-Windows-Security-Auditing", 4648),
        ("System", "Service Control Manager", 7045),
        ("Microsoft-Windows-PowerShell/Operational", "Microsoft-Windows-PowerShell", 4104),
        ("Microsoft-Windows-Sysmon/Operational", "Microsoft-Windows-Sysmon", 1),
    ]
    assert events[1].event == {"ServiceName": "x"}  # Channel and Provider are not EventData


def test_unnamed_data_is_kept_in_order_as_params(tmp_path: Path) -> None:
    path = tmp_path / "classic.json"
    path.write_text(
        '{"Event": {"System": {"EventID": 400, "Channel": "Windows PowerShell"}, '
        '"EventData": {"Data": ["Available", "None", "\\tHostName=ConsoleHost"]}}}',
        encoding="utf-8",
    )
    [event] = load_events(path)
    assert event.provider == "PowerShell"
    assert event.event == {
        "param1": "Available",
        "param2": "None",
        "param3": "\tHostName=ConsoleHost",
    }


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"EventID": 1, "Channel": 3}', ": event 1: Channel 3 is not a name"),
        ('{"EventID": 1, "Channel": " "}', ': event 1: Channel " " is not a name'),
        ('{"EventID": 1, "Provider": ["x"]}', ': event 1: Provider ["x"] is not a name'),
    ],
)
def test_a_channel_or_provider_that_is_no_name(line: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(line, encoding="utf-8")
    _check(path, message)


def test_user_data_is_read_as_the_fields_of_its_element(tmp_path: Path) -> None:
    path = tmp_path / "wmi.json"
    path.write_text(
        '{"Event": {"System": {"EventID": 5858, '
        '"Channel": "Microsoft-Windows-WMI-Activity/Operational"}, "UserData": '
        '{"Operation_ClientFailure": {"#attributes": {"xmlns": "x"}, "ClientProcessId": 25920, '
        '"Operation": "Start IWbemServices::ExecMethod"}}}}\n'
        '{"Event": {"System": {"EventID": 1102, "Channel": "Security"}, "UserData": '
        '{"A": {}, "B": {}}}}\n',
        encoding="utf-8",
    )
    with pytest.raises(EventsError) as raised:
        load_events(path)
    assert str(raised.value) == f"{path}: event 2: Event.UserData is not one element of fields"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0], encoding="utf-8")
    [event] = load_events(path)
    assert event.user_data == "Operation_ClientFailure"
    assert event.event == {"ClientProcessId": 25920, "Operation": "Start IWbemServices::ExecMethod"}
