"""sigma-certutil verify: each target's engine against the Sigma reference on raw events."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import BUNDLED_RULE, ROOT, cli, require_engine, shared_path

from sigma_certutil import load_bundled_rule, load_rule
from sigma_certutil.errors import MissingDependencyError
from sigma_certutil.verify import Verdict, load_events, verify
from sigma_certutil.verify.engines import unavailable


def _real_eid3_files() -> list[Path]:
    """The real Sysmon Event ID 3 events of the shared folder."""
    return sorted(shared_path("data", "events", "sysmon-eid3").glob("*.json"))


def _require_engines() -> None:
    for target in ("eql", "lucene", "kusto"):
        require_engine(unavailable(target))


@pytest.mark.engine
@pytest.mark.shared
def test_flagship_agrees_on_real_events() -> None:
    _require_engines()
    events = [e for path in _real_eid3_files() for e in load_events(path)]
    [checked] = verify([load_bundled_rule()], events)
    assert checked.reference == ("certutil_0dba975d.json#1",)
    statuses = {r.target: r.status.value for r in checked.results}
    assert statuses == {
        "splunk": "converted, not executed",
        "lucene": "agrees",
        "eql": "agrees",
        "esql": "converted, not executed",
        "kusto": "agrees",
    }
    assert not checked.disagrees


def _jsonl(path: Path, events: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return path


@pytest.mark.engine
def test_json_lines_of_event_data(tmp_path: Path) -> None:
    _require_engines()
    events = _jsonl(
        tmp_path / "events.jsonl",
        [
            {"EventID": 3, "Image": r"C:\WINDOWS\system32\CERTUTIL.EXE", "Initiated": "true",
             "DestinationPort": 80, "Protocol": "tcp"},
            {"EventID": 3, "Image": r"C:\x\xcertutil.exe", "Initiated": "true",
             "DestinationPort": 80},
        ],
    )  # fmt: skip
    [checked] = verify([load_bundled_rule()], load_events(events))
    assert checked.reference == ("events.jsonl#1",)
    agreeing = [r for r in checked.results if r.status is Verdict.AGREES]
    assert all(r.matched == ("events.jsonl#1",) for r in agreeing)
    result = cli("verify", "--events", str(events))
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout.endswith("checked 3 queries on their engines: 3 agree\n")


@pytest.mark.engine
def test_white_space_in_a_regular_expression_is_every_white_space_character(
    tmp_path: Path,
) -> None:
    """Lucene regular expressions have no escape for a tab: \\s is written as the white-space
    characters themselves, so a command line separated by tabs matches in Lucene as in Kusto's
    RE2 and the reference."""
    _require_engines()
    rule = tmp_path / "tab.yml"
    rule.write_text(
        (Path(__file__).parent / "rules" / "proc_creation_curl_header_regex.yml").read_text(
            encoding="utf-8"
        ),
        encoding="utf-8",
    )
    events = _jsonl(
        tmp_path / "tab.jsonl",
        [{"EventID": 1, "Image": r"C:\Windows\System32\curl.exe", "CommandLine": "curl\t-H\tx"}],
    )
    result = cli("verify", str(rule), "--events", str(events), "-t", "lucene", "-t", "kusto")
    assert result.code == 0, result.stdout + result.stderr
    assert "  lucene     agrees: tab.jsonl#1\n" in result.stdout
    assert "  kusto      agrees: tab.jsonl#1\n" in result.stdout
    assert result.stdout.endswith("checked 2 queries on their engines: 2 agree\n")


@pytest.mark.engine
@pytest.mark.shared
def test_cli_json_and_exit_code(tmp_path: Path) -> None:
    _require_engines()
    result = cli("verify", "--events", *map(str, _real_eid3_files()), "--json")
    assert result.code == 0, result.stderr
    [row] = json.loads(result.stdout)
    assert row["rule"] == "bundled"
    assert row["reference"] == ["certutil_0dba975d.json#1"]
    assert {t["target"]: t["status"] for t in row["targets"]}["eql"] == "agrees"


@pytest.mark.engine
def test_rule_a_target_refuses_is_not_a_disagreement(tmp_path: Path) -> None:
    _require_engines()
    rule = tmp_path / "user.yml"
    rule.write_text(
        BUNDLED_RULE.read_text(encoding="utf-8").replace(
            "Initiated: 'true'", "DestinationIsIpv6: 'false'"
        ),
        encoding="utf-8",
    )
    events = _jsonl(
        tmp_path / "e.jsonl",
        [
            {
                "EventID": 3,
                "Image": r"C:\certutil.exe",
                "DestinationIsIpv6": "false",
                "DestinationPort": 443,
            }
        ],
    )
    [checked] = verify([load_rule(rule)], load_events(events), ["eql", "splunk"])
    assert [r.status.value for r in checked.results] == ["not converted", "converted, not executed"]
    assert "DestinationIsIpv6" in checked.results[0].detail
    assert not checked.disagrees


def test_malformed_events_file(tmp_path: Path) -> None:
    events = tmp_path / "bad.json"
    events.write_text('{"EventID": 3,\n "Image": }\n', encoding="utf-8")
    result = cli("verify", "--events", str(events))
    assert result.code == 2
    assert result.stderr.startswith(f"sigma-certutil: error: {events}:2: malformed JSON")
    assert result.stderr.count("\n") == 1


# --- what exits how ------------------------------------------------------------------------

EVENT = {"EventID": 3, "Image": r"C:\x\certutil.exe", "Initiated": "true", "DestinationPort": 80}
NOTHING_RAN = (
    "sigma-certutil: error: nothing was checked: no target's query ran on an engine (each was"
    " not converted or has no engine here)\n"
)
INSTALL = "pip install 'sigma-certutil[verify]'"
NO_REFERENCE = (
    "sigma-certutil: error: pySigma's SQLite backend (sigma.backends.sqlite) is not installed;"
    f" verify's Sigma reference needs it: {INSTALL}\n"
)


def test_nothing_executed_exits_1_with_one_line(tmp_path: Path) -> None:
    events = _jsonl(tmp_path / "e.jsonl", [EVENT])
    result = cli("verify", "--events", str(events), "-t", "splunk,esql")
    assert (result.code, result.stderr) == (1, NOTHING_RAN)
    assert result.stdout.endswith(
        "  esql       converted, not executed (no ES|QL engine)\n"
        "checked nothing: no target's query ran on an engine\n"
    )


def test_nothing_converted_exits_1(tmp_path: Path) -> None:
    rule = tmp_path / "user.yml"
    rule.write_text(
        BUNDLED_RULE.read_text(encoding="utf-8").replace("Initiated: 'true'", "Hashes: x"),
        encoding="utf-8",
    )
    events = _jsonl(tmp_path / "e.jsonl", [EVENT])
    result = cli("verify", str(rule), "--events", str(events), "-t", "kusto", "--json")
    assert (result.code, result.stderr) == (1, NOTHING_RAN)
    [row] = json.loads(result.stdout)
    assert row["targets"][0]["status"] == "not converted"


def test_json_keeps_its_shape(tmp_path: Path) -> None:
    events = _jsonl(tmp_path / "e.jsonl", [EVENT])
    result = cli("verify", "--events", str(events), "-t", "splunk", "--json")
    assert json.loads(result.stdout) == [
        {
            "rule": "bundled",
            "title": "Uncommon Network Connection Initiated By Certutil.EXE",
            "reference": ["e.jsonl#1"],
            "targets": [
                {
                    "target": "splunk",
                    "status": "converted, not executed",
                    "matched": [],
                    "detail": "no Splunk engine can run here",
                }
            ],
        }
    ]


def test_without_the_reference_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("sigma.backends.sqlite", "sigma.backends.sqlite.sqlite"):
        monkeypatch.setitem(sys.modules, name, None)
    events = _jsonl(tmp_path / "e.jsonl", [EVENT])
    result = cli("verify", "--events", str(events))
    assert (result.code, result.stderr, result.stdout) == (2, NO_REFERENCE, "")
    with pytest.raises(MissingDependencyError) as raised:
        verify([load_bundled_rule()], load_events(events))
    assert str(raised.value) == NO_REFERENCE.removeprefix("sigma-certutil: error: ").strip()


def _main_without(
    modules: list[str], *argv: str, path: str | None = None
) -> subprocess.CompletedProcess[str]:
    """main(argv) in a Python of its own in which ``modules`` cannot be imported, as after
    a plain ``pip install .`` (and with PATH set to ``path``)."""
    code = (
        "import sys\n"
        f"for name in {modules!r}:\n"
        "    sys.modules[name] = None\n"
        "from sigma_certutil.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    env = dict(os.environ, PATH=path if path is not None else os.environ.get("PATH", ""))
    return subprocess.run(
        [sys.executable, "-c", code, *argv],
        capture_output=True, text=True, cwd=ROOT, env=env, check=False, timeout=120,
    )  # fmt: skip


def test_without_the_verify_extra_the_reference_names_what_to_install(tmp_path: Path) -> None:
    events = _jsonl(tmp_path / "e.jsonl", [EVENT])
    done = _main_without(["sigma.backends.sqlite"], "verify", "--events", str(events))
    assert (done.returncode, done.stderr, done.stdout) == (2, NO_REFERENCE, "")


def test_without_any_engine_nothing_is_checked_and_exits_2(tmp_path: Path) -> None:
    events = _jsonl(tmp_path / "e.jsonl", [EVENT])
    done = _main_without(
        ["eql", "duckdb", "duckdb_kql"], "verify", "--events", str(events), path=""
    )
    lucene = "a JDK and Debian's liblucene8-java: apt-get install default-jdk-headless"
    assert done.returncode == 2, done.stderr
    assert done.stderr == (
        "sigma-certutil: error: nothing was checked: engine unavailable ("
        f"lucene: java is not on PATH (lucene needs {lucene} liblucene8-java); "
        f"eql: eql is not installed ({INSTALL}); kusto: duckdb is not installed ({INSTALL}))\n"
    )
    assert f"  eql        engine unavailable (eql is not installed ({INSTALL}))\n" in done.stdout
    assert done.stdout.endswith("checked nothing: no target's query ran on an engine\n")


@pytest.mark.engine
def test_a_missing_engine_alone_does_not_fail_the_run(tmp_path: Path) -> None:
    require_engine(unavailable("kusto"))
    events = _jsonl(tmp_path / "e.jsonl", [EVENT])
    done = _main_without(["eql"], "verify", "--events", str(events), "-t", "eql,kusto")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.endswith(
        f"  eql        engine unavailable (eql is not installed ({INSTALL}))\n"
        "  kusto      agrees: e.jsonl#1\n"
        "checked 1 query on their engines: 1 agrees\n"
    )


@pytest.mark.engine
def test_odd_values_reach_every_engine_without_an_engine_error(tmp_path: Path) -> None:
    """Values Sysmon never writes are kept as it would write them or left out: every engine
    runs on the result, and agrees with the reference."""
    _require_engines()
    odd: list[dict[str, object]] = [
        {**EVENT, "ProcessId": "abc", "SourcePort": 2**70, "DestinationIp": 3, "User": [1]},
        {**EVENT, "DestinationPort": "80", "Initiated": True, "SourceIp": {"a": None}},
        {**EVENT, "Image": "C:\\x\\certutil.exe\u0000", "Protocol": float("nan")},
        {**EVENT, "DestinationPort": 2**63, "CommandLine": "\ud800", "SourcePort": 1.5},
        {"EventID": "3", "Image": {"#text": EVENT["Image"]}, "Initiated": "true",
         "DestinationPort": 443, "a.b": 1, "": 2},
    ]  # fmt: skip
    path = tmp_path / "odd.jsonl"
    path.write_text("".join(json.dumps(event) + "\n" for event in odd), encoding="utf-8")
    [checked] = verify([load_bundled_rule()], load_events(path))
    assert checked.reference == ("odd.jsonl#1", "odd.jsonl#2", "odd.jsonl#5")
    assert {r.target: r.status for r in checked.results if r.status.executed} == {
        "lucene": Verdict.AGREES,
        "eql": Verdict.AGREES,
        "kusto": Verdict.AGREES,
    }


def test_the_help_states_the_exit_codes() -> None:
    result = cli("verify", "--help")
    assert result.code == 0
    assert "\nNeeds: pip install 'sigma-certutil[verify]'\n" in result.stdout
    assert result.stdout.endswith(
        "exit codes:\n"
        "  0  at least one target's query ran on its engine, and all that ran agree\n"
        "     with the reference\n"
        "  1  a target disagrees or its engine fails; or nothing was checked (no\n"
        "     target's query ran: each was not converted or has no engine here)\n"
        "  2  usage or input error (a rule, an events file); the reference's SQLite\n"
        "     backend is not installed; or nothing was checked because an engine is\n"
        "     not installed\n"
        "  3  internal error\n"
        "A target whose engine is missing is reported 'engine unavailable': while\n"
        "another target ran, that alone does not change the exit code.\n"
    )


def _windows_events_file(tmp_path: Path) -> Path:
    """A JSON-lines file of Security and System events, as a user would export them."""
    lines = [
        {"EventID": 4697, "Channel": "Security", "ServiceName": "updsvc",
         "ServiceFileName": r"C:\Windows\Temp\updsvc.exe", "SubjectUserName": "WIN10$"},
        {"EventID": 4697, "Channel": "Security", "ServiceName": "winlogbeat",
         "ServiceFileName": r"C:\Program Files\Winlogbeat\winlogbeat.exe"},
        {"EventID": 7045, "Channel": "System", "Provider": "Service Control Manager",
         "ServiceName": "updsvc", "ImagePath": r"C:\Windows\Temp\updsvc.exe"},
    ]  # fmt: skip
    path = tmp_path / "windows.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    return path


SERVICE_RULE = (
    ROOT / "tests" / "rules" / "windows_channels" / ("security_service_installed_from_temp.yml")
)


def test_verify_reads_events_of_other_channels(tmp_path: Path) -> None:
    """The command accepts Security and System events: the reference reads the rule's
    channel (service: security), so the System 7045 with the same path does not match."""
    result = cli("verify", str(SERVICE_RULE), "--events", str(_windows_events_file(tmp_path)),
                 "--json")  # fmt: skip
    [row] = json.loads(result.stdout)
    assert row["reference"] == ["windows.jsonl#1"]
    assert [t["target"] for t in row["targets"]] == ["splunk", "lucene", "eql", "esql", "kusto"]
    kusto = {t["target"]: t for t in row["targets"]}["kusto"]
    assert kusto["status"] == "not converted"


@pytest.mark.engine
def test_verify_agrees_on_security_events(tmp_path: Path) -> None:
    require_engine(unavailable("eql"))
    result = cli("verify", str(SERVICE_RULE), "--events", str(_windows_events_file(tmp_path)),
                 "-t", "eql", "-t", "lucene")  # fmt: skip
    assert result.code == 0, result.stdout + result.stderr
    assert "checked 2 queries on their engines: 2 agree" in result.stdout
