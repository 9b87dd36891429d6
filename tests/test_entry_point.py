"""The installed sigma-certutil script and ``python -m sigma_certutil``, each in a process of its
own.

The other command-line tests call sigma_certutil.cli.main(argv) in the test process, which
is faster but proves neither that the console script pyproject declares is installed and
starts, nor that main's return value becomes the process's exit status, nor that the build's
worker processes start from the script. These few tests do.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from helpers import BUNDLED_RULE, SNAPSHOTS, TEST_RULES, run_cli


def golden(name: str) -> str:
    return (SNAPSHOTS / BUNDLED_RULE.stem / name).read_text(encoding="utf-8")


def test_version_and_help() -> None:
    result = run_cli("--version")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == f"sigma-certutil {version('sigma-certutil')}\n"
    result = run_cli("--help")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith("usage: sigma-certutil ")
    assert all(command in result.stdout for command in ("convert", "build", "verify"))


def test_convert_prints_the_query() -> None:
    result = run_cli("convert", "-t", "kusto")
    assert (result.returncode, result.stdout, result.stderr) == (0, golden("kusto.kql"), "")


def test_a_usage_error_is_the_exit_status() -> None:
    result = run_cli("convert", "-t", "qradar")
    assert result.returncode == 2
    assert result.stderr == (
        "sigma-certutil: error: unknown target 'qradar' (known: splunk, lucene, eql, esql, kusto)\n"
    )


def test_build_in_worker_processes_then_check(tmp_path: Path) -> None:
    rules, out = tmp_path / "rules", tmp_path / "out"
    shutil.copytree(TEST_RULES, rules)
    shutil.copy(BUNDLED_RULE, rules)
    built = run_cli("build", str(rules), "-o", str(out), "-j", "2", "--allow-unsupported", "-q")
    assert (built.returncode, built.stderr) == (0, ""), built.stderr
    written = out / "kusto" / f"{BUNDLED_RULE.stem}.kql"
    assert written.read_text(encoding="utf-8") == golden("kusto.kql")
    checked = run_cli("check", str(out), "-q")
    assert (checked.returncode, checked.stdout, checked.stderr) == (0, "", "")


def test_module_entry_matches_console_script() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sigma_certutil", "convert", "-t", "eql"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert (result.returncode, result.stdout) == (0, golden("eql.eql"))
