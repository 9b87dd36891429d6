"""The examples run as a user would run them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import BUNDLED_RULE, ROOT, SNAPSHOTS, entry_point, require_engine, run_cli

from sigma_certutil import TARGETS
from sigma_certutil.verify.engines import unavailable


def test_python_example_prints_every_target() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "convert_rules.py")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert all(f"## {target_id} (" in result.stdout for target_id in TARGETS)


def test_makefile_writes_one_query_file_per_target(tmp_path: Path) -> None:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    rule = tmp_path / "rule.yml"
    rule.write_text(BUNDLED_RULE.read_text(encoding="utf-8"), encoding="utf-8")
    env_path = os.pathsep.join(
        [str(Path(entry_point()).parent), str(Path(sys.executable).parent), os.environ["PATH"]]
    )
    command = ["make", "-f", str(ROOT / "examples" / "Makefile"), f"RULE={rule}", "OUT=queries"]
    subprocess.run(command, cwd=tmp_path, check=True, capture_output=True, env={"PATH": env_path})
    for target in TARGETS.values():
        written = tmp_path / "queries" / f"{target.id}.{target.extension}"
        golden = SNAPSHOTS / BUNDLED_RULE.stem / written.name
        assert written.read_text(encoding="utf-8") == golden.read_text(encoding="utf-8")
    again = subprocess.run(
        [*command, "--question"], cwd=tmp_path, check=False, env={"PATH": env_path}
    )
    assert again.returncode == 0, "an unchanged rule must leave nothing to rebuild"


def _checked_out_example(tmp_path: Path) -> Path:
    """A copy of the detection-as-code example as a checkout can leave it: every rule newer
    than the committed queries (git gives each file the time it writes it)."""
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "examples" / "detection-as-code", repo)
    later = (repo / "queries" / "manifest.json").stat().st_mtime + 10
    for rule in (repo / "rules").rglob("*.yml"):
        os.utime(rule, (later, later))
    return repo


def test_detection_as_code_makefile(tmp_path: Path) -> None:
    """make queries builds, a second make does nothing, make check passes, and fails once a
    rule changes without its queries."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    repo = _checked_out_example(tmp_path)
    env = {**os.environ, "SIGMA_CERTUTIL": entry_point()}
    make = ["make", "--no-print-directory"]
    first = subprocess.run([*make, "queries"], cwd=repo, env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stdout + first.stderr
    spl = repo / "queries" / "splunk" / "net_connection_win_certutil_initiated_connection.spl"
    assert spl.read_text(encoding="utf-8").startswith('index="sysmon" source="XmlWinEventLog:')
    again = subprocess.run([*make, "-q", "queries"], cwd=repo, env=env, check=False)
    assert again.returncode == 0, "nothing changed: make must have nothing to do"
    assert subprocess.run([*make, "check"], cwd=repo, env=env, check=False).returncode == 0
    rule = repo / "rules" / "network" / "net_connection_win_certutil_initiated_connection.yml"
    rule.write_text(rule.read_text(encoding="utf-8").replace("- 445\n", ""), encoding="utf-8")
    drift = subprocess.run([*make, "check"], cwd=repo, env=env, capture_output=True, text=True)
    assert drift.returncode != 0
    assert "(built now)" in drift.stdout


DETECTION_AS_CODE = ROOT / "examples" / "detection-as-code"


def test_detection_as_code_commits_the_queries_build_makes_today(tmp_path: Path) -> None:
    """queries/ holds what the README says: when this fails, a change altered the example's
    queries or versions: run `make -C examples/detection-as-code queries` and read the diff."""
    repo = tmp_path / "repo"
    shutil.copytree(DETECTION_AS_CODE, repo, ignore=shutil.ignore_patterns(".sigma-certutil"))
    manifest = json.loads((repo / "queries" / "manifest.json").read_text(encoding="utf-8"))
    assert {Path(o["path"]).parts[0] for o in manifest["outputs"]} == set(TARGETS)
    result = run_cli("check", "queries", cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr


def test_detection_as_code_workflow_installs_as_a_team_can_and_lints() -> None:
    import yaml

    workflow = yaml.safe_load(
        (DETECTION_AS_CODE / ".github" / "workflows" / "detections.yml").read_text(encoding="utf-8")
    )
    source = workflow["env"]["SIGMA_CERTUTIL"]
    assert source.startswith("sigma-certutil[verify] @ git+https://") or source.endswith(".whl")
    steps = workflow["jobs"]["detections"]["steps"]
    runs = [step.get("run", "") for step in steps]
    assert 'pip install "$SIGMA_CERTUTIL"' in runs
    assert not any("pip install ." in run or "../" in run for run in runs)
    assert "make ci" in runs  # lint, check and test (test_detection_as_code_make_test_and_ci)
    makefile = (DETECTION_AS_CODE / "Makefile").read_text(encoding="utf-8")
    assert "$(SIGMA_CERTUTIL) lint rules $(LINT_REPORTS)" in makefile
    uploads = [step for step in steps if "upload-sarif" in step.get("uses", "")]
    assert uploads and uploads[0]["with"]["sarif_file"] == "reports"


def test_detection_as_code_lints_clean_with_its_config(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(DETECTION_AS_CODE, repo)
    result = run_cli("lint", "rules", cwd=repo)
    assert (result.returncode, result.stdout) == (0, ""), result.stderr
    # The config is read: it turns on a check that is off by default.
    rule = repo / "rules" / "proc_creation_certutil_urlcache_download.yml"
    text = rule.read_text(encoding="utf-8")
    edited = text.replace("        ParentImage|endswith:\n", "        ParentImage:\n")
    edited = edited.replace("'\\winword.exe'", "'*\\winword.exe'")
    edited = edited.replace("'\\excel.exe'", "'*\\excel.exe'")
    assert edited.count("*") == text.count("*") + 2
    rule.write_text(edited, encoding="utf-8")
    found = run_cli("lint", "rules", cwd=repo)
    assert found.returncode == 1
    assert found.stdout.startswith(
        "rules/proc_creation_certutil_urlcache_download.yml:22: wildcards_instead_of_modifiers: "
    )


def test_the_readme_python_example_runs_as_written() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("\n## Python\n") :]
    code = section[section.index("```python\n") + len("```python\n") : section.index("\n```\n")]
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr
    golden = (SNAPSHOTS / "proc_creation_certutil_urlcache_download" / "kusto.kql").read_text(
        encoding="utf-8"
    )
    assert result.stdout.startswith(golden)
    assert "\neql Elastic EQL " in result.stdout and "\nesql Elasticsearch ES|QL " in result.stdout


@pytest.mark.engine
def test_detection_as_code_make_test_and_ci(tmp_path: Path) -> None:
    """make test passes on the example's events and fails once an event is misfiled; make ci
    writes the JUnit and SARIF reports and prints annotations."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    for target in ("eql", "lucene", "kusto"):
        require_engine(unavailable(target))
    repo = _checked_out_example(tmp_path)
    env = {**os.environ, "SIGMA_CERTUTIL": entry_point()}
    make = ["make", "--no-print-directory"]
    passed = subprocess.run([*make, "test"], cwd=repo, env=env, capture_output=True, text=True)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    ci = subprocess.run([*make, "ci"], cwd=repo, env=env, capture_output=True, text=True)
    assert ci.returncode == 0, ci.stdout + ci.stderr
    assert sorted(p.name for p in (repo / "reports").iterdir()) == [
        "check.sarif", "check.xml", "lint.sarif", "lint.xml", "test.sarif", "test.xml"
    ]  # fmt: skip
    events = repo / "rules" / "proc_creation_certutil_urlcache_download.nomatch.jsonl"
    events.rename(events.with_name("proc_creation_certutil_urlcache_download.match2.jsonl"))
    match = repo / "rules" / "proc_creation_certutil_urlcache_download.match.jsonl"
    match.write_text(
        match.read_text(encoding="utf-8")
        + events.with_name("proc_creation_certutil_urlcache_download.match2.jsonl").read_text(
            encoding="utf-8"
        ),
        encoding="utf-8",
    )
    failed = subprocess.run([*make, "ci"], cwd=repo, env=env, capture_output=True, text=True)
    assert failed.returncode != 0
    assert (
        "::error file=rules/proc_creation_certutil_urlcache_download.yml,line=13,"
        "title=rules/proc_creation_certutil_urlcache_download.yml [eql]::did not match "
        "proc_creation_certutil_urlcache_download.match.jsonl#2, "
        "proc_creation_certutil_urlcache_download.match.jsonl#3"
    ) in failed.stdout
