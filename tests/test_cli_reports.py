"""--junit, --sarif and --format github on build and check, and build --test
(sigma_certutil/cli/reports.py, cli/build.py); through main(argv) and the installed script."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from helpers import cli, example_repo, require_engine, run_cli
from test_reports_sarif import validate

from sigma_certutil.verify.engines import unavailable

NETWORK = "rules/network/net_connection_win_certutil_initiated_connection"
PROCESS = "rules/proc_creation_certutil_urlcache_download"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo = example_repo(tmp_path)
    monkeypatch.chdir(repo)
    return repo


def test_build_writes_junit_and_sarif(repo: Path) -> None:
    done = cli("build", "rules", "-o", "queries", "-q", "--junit", "b.xml", "--sarif", "b.sarif")
    assert done == (0, "", "")
    suites = ET.parse("b.xml").getroot()
    assert (suites.get("name"), suites.get("tests"), suites.get("failures")) == (
        "sigma-certutil build", "10", "0"
    )  # fmt: skip
    names = {(c.get("classname"), c.get("name")) for c in suites.iter("testcase")}
    assert (f"{PROCESS}.yml", "kusto") in names
    log = json.loads(Path("b.sarif").read_text(encoding="utf-8"))
    validate(log)
    assert log["runs"][0]["results"] == []


def test_check_reports_the_rule_whose_query_drifted(repo: Path) -> None:
    assert cli("build", "rules", "-o", "queries", "-q").code == 0
    Path("queries/eql/proc_creation_certutil_urlcache_download.eql").write_text(
        "process where true\n", encoding="utf-8"
    )
    done = cli("check", "queries", "-q", "--format", "github", "--sarif", "c.sarif")
    assert done.code == 1
    assert done.stdout.splitlines()[-1] == (
        f"::error file={PROCESS}.yml,title={PROCESS}.yml [eql]::eql/"
        f"proc_creation_certutil_urlcache_download.eql differs from what {PROCESS}.yml builds now"
    )
    log = json.loads(Path("c.sarif").read_text(encoding="utf-8"))
    validate(log)
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "check/eql"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == f"{PROCESS}.yml"


def test_a_rule_that_does_not_build_is_annotated_at_its_line(repo: Path) -> None:
    Path("rules/bad.yml").write_text(
        "title: x\nlogsource: {product: windows, category: process_creation}\n"
        "detection:\n  sel: {Image|endswithx: a}\n  condition: sel\n",
        encoding="utf-8",
    )
    done = cli("build", "rules", "-o", "queries", "-q", "--format", "github")
    assert done.code == 1
    assert (
        "::error file=rules/bad.yml,line=4,title=rules/bad.yml::rules/bad.yml:4: Unknown modifier"
        in done.stdout
    )


def test_test_with_check_is_a_usage_error(repo: Path) -> None:
    done = cli("build", "rules", "-o", "queries", "--check", "--test")
    assert done == (
        2, "",
        "sigma-certutil: error: --test runs the tests of the queries a build writes: "
        "not with --check\n",
    )  # fmt: skip


@pytest.mark.engine
def test_build_test_runs_the_tests_of_the_queries_it_wrote(repo: Path) -> None:
    for target in ("eql", "lucene", "kusto"):
        require_engine(unavailable(target))
    done = run_cli(
        "build", "rules", "-o", "queries", "-p", "pipelines/index.yml", "--test",
        "--junit", "t.xml", cwd=repo,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "test: 2 rules tested, 0 untested; reference 2 passed; splunk 2 not executed; "
        "lucene 2 passed; eql 2 passed; esql 2 not executed; kusto 2 passed\n"
    )
    suites = ET.parse(repo / "t.xml").getroot()
    assert [(s.get("name"), s.get("tests")) for s in suites] == [
        ("sigma-certutil build", "10"),
        ("sigma-certutil test", "12"),
    ]
    # What is tested is the file the build wrote: a query edited by hand fails its test.
    query = repo / "queries" / "eql" / "net_connection_win_certutil_initiated_connection.eql"
    query.write_text("network where true\n", encoding="utf-8")
    os.utime(query, (1, 1))
    again = run_cli(
        "build", "rules", "-o", "queries", "-p", "pipelines/index.yml", "--test", cwd=repo
    )
    assert again.returncode == 0  # the build rewrote it, and its test passes
    assert query.read_text(encoding="utf-8").startswith("network where winlog.channel")
