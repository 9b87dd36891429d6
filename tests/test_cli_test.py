"""sigma-certutil test (sigma_certutil/cli/test.py): exit codes, one line per failure, the
reports; through main(argv), and once through the installed script."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from helpers import BUNDLED_RULE, cli, example_repo, require_engine, run_cli
from test_reports_sarif import validate

from sigma_certutil.verify.engines import unavailable

NETWORK = "rules/network/net_connection_win_certutil_initiated_connection"
PROCESS = "rules/proc_creation_certutil_urlcache_download"
PASSING = (
    "test: 2 rules tested, 0 untested; reference 2 passed; splunk 2 not executed; "
    "lucene 2 passed; eql 2 passed; esql 2 not executed; kusto 2 passed\n"
)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example repository as the current folder, as CI runs in it."""
    for target in ("eql", "lucene", "kusto"):
        require_engine(unavailable(target))
    repo = example_repo(tmp_path)
    monkeypatch.chdir(repo)
    return repo


def _move_first_event(source: Path, destination: Path) -> None:
    """Move the first event of one JSON lines file to the end of another."""
    first, *rest = source.read_text(encoding="utf-8").splitlines(keepends=True)
    source.write_text("".join(rest), encoding="utf-8")
    destination.write_text(destination.read_text(encoding="utf-8") + first, encoding="utf-8")


@pytest.mark.engine
def test_the_example_passes_on_every_engine(repo: Path) -> None:
    assert cli("test", "rules") == (0, PASSING, "")
    assert cli("test") == (0, PASSING, "")  # rules/ by default


@pytest.mark.engine
def test_an_event_that_must_not_match_but_does_is_one_line_per_target(repo: Path) -> None:
    # The first "must match" event of the network rule is filed as one that must not.
    _move_first_event(Path(f"{NETWORK}.match.jsonl"), Path(f"{NETWORK}.nomatch.jsonl"))
    done = cli("test", "rules")
    assert done.code == 1
    wrong = (
        "matched net_connection_win_certutil_initiated_connection.nomatch.jsonl#4,"
        " which must not match"
    )
    assert done.stdout.splitlines()[:4] == [
        f"{NETWORK}.yml:18: reference: the rule itself {wrong}",
        f"{NETWORK}.yml:18: lucene: {wrong}",
        f"{NETWORK}.yml:18: eql: {wrong}",
        f"{NETWORK}.yml:18: kusto: {wrong}",
    ]
    assert (
        "reference 1 passed, 1 failed; splunk 2 not executed; lucene 1 passed, 1 failed"
        in done.stdout
    )


@pytest.mark.engine
def test_untested_rules_pass_unless_tests_are_required(repo: Path) -> None:
    for path in Path("rules").glob("proc_creation_*.jsonl"):
        path.unlink()
    done = cli("test", "rules")
    assert done.code == 0
    assert done.stdout.startswith("test: 1 rule tested, 1 untested; reference 1 passed;")
    required = cli("test", "rules", "--require-tests", "-q")
    assert required == (
        1,
        f"{PROCESS}.yml:13: untested: no test events; looked for {PROCESS}.match.json, "
        f"{PROCESS}.nomatch.json\n",
        "",
    )


@pytest.mark.engine
def test_only_targets_without_an_engine_checks_nothing(repo: Path) -> None:
    done = cli("test", "rules", "-t", "splunk,esql")
    assert done.code == 1
    assert (
        done.stderr
        == "sigma-certutil: error: nothing was checked: no target's query ran on an engine\n"
    )
    assert "splunk 2 not executed; esql 2 not executed" in done.stdout


@pytest.mark.engine
def test_a_test_file_that_cannot_be_read_is_an_input_error(repo: Path) -> None:
    Path(f"{PROCESS}.match.jsonl").write_text("{not json\n", encoding="utf-8")
    done = cli("test", "rules")
    assert done.code == 2
    assert done.stderr == (
        f"sigma-certutil: error: {PROCESS}.match.jsonl:1: malformed JSON: "
        "Expecting property name enclosed in double quotes\n"
    )
    assert "test: 1 rule tested" in done.stdout  # the other rule was tested


@pytest.mark.engine
def test_junit_sarif_and_github_annotations(repo: Path) -> None:
    _move_first_event(Path(f"{NETWORK}.match.jsonl"), Path(f"{NETWORK}.nomatch.jsonl"))
    done = cli("test", "rules", "--junit", "out.xml", "--sarif", "out.sarif", "--format", "github")
    assert done.code == 1
    annotations = [line for line in done.stdout.splitlines() if line.startswith("::")]
    assert annotations[1] == (
        f"::error file={NETWORK}.yml,line=18,title={NETWORK}.yml [lucene]::matched "
        "net_connection_win_certutil_initiated_connection.nomatch.jsonl#4, which must not match"
    )
    assert len(annotations) == 4  # the reference, lucene, eql, kusto
    suite = ET.parse("out.xml").getroot()[0]
    cases = {(c.get("classname"), c.get("name")): [e.tag for e in c] for c in suite}
    assert cases[(f"{NETWORK}.yml", "lucene")] == ["failure"]
    assert cases[(f"{NETWORK}.yml", "splunk")] == ["skipped"]
    assert cases[(f"{PROCESS}.yml", "eql")] == []
    assert len(cases) == 12  # two rules, the reference and five targets each
    log = json.loads(Path("out.sarif").read_text(encoding="utf-8"))
    validate(log)
    results = log["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == [
        "test/reference",
        "test/lucene",
        "test/eql",
        "test/kusto",
    ]
    assert results[1]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": f"{NETWORK}.yml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 18},
    }


def test_a_missing_rule_folder_is_a_usage_error(tmp_path: Path) -> None:
    done = cli("test", str(tmp_path / "nowhere"))
    assert done == (2, "", f"sigma-certutil: error: {tmp_path}/nowhere: no such file or folder\n")


@pytest.mark.engine
def test_through_the_installed_script(repo: Path) -> None:
    done = run_cli("test", "rules", "--junit", "out.xml", cwd=repo)
    assert (done.returncode, done.stdout, done.stderr) == (0, PASSING, "")
    assert ET.parse(repo / "out.xml").getroot().get("tests") == "12"


def test_a_broken_pipeline_is_an_input_error_even_without_tested_rules(tmp_path: Path) -> None:
    rule = tmp_path / "a.yml"
    rule.write_text(Path(BUNDLED_RULE).read_text(encoding="utf-8"), encoding="utf-8")
    broken = tmp_path / "p.yml"
    broken.write_text("name: x\ntransformations: 3\n", encoding="utf-8")
    done = cli("test", str(rule), "-p", str(broken))
    assert done.code == 2
    assert done.stderr.startswith(f"sigma-certutil: error: {broken}: invalid pipeline: ")
