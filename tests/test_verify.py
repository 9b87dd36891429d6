"""sigma-certutil verify: each target's engine against the Sigma reference on raw events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import BUNDLED_RULE, cli, require_engine, shared_path

from sigma_certutil import load_bundled_rule, load_rule
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


@pytest.mark.engine
def test_a_known_difference_is_reported_as_disagreement(tmp_path: Path) -> None:
    """Lucene regular expressions have no escape for a tab, so \\s becomes a space there: a
    command line separated by a tab is the documented difference, and verify shows it."""
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
    assert result.code == 1, result.stdout + result.stderr
    assert "  lucene     disagrees: no event\n" in result.stdout
    assert "  kusto      agrees: tab.jsonl#1\n" in result.stdout


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
