"""Files in OUT and rule folders that are not what a build made: FIFOs where a manifest, an
output, the build state or a rule file belongs are refused or replaced, never waited on; a
deeply nested condition converts in a build as it does alone.

Each case runs the installed script with a timeout, so a regression fails instead of hanging.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from helpers import BUNDLED_RULE, entry_point

TIMEOUT = 60


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [entry_point(), *args], capture_output=True, text=True, check=False, timeout=TIMEOUT
    )


def _built(tmp_path: Path) -> tuple[Path, Path]:
    rules, out = tmp_path / "rules", tmp_path / "out"
    rules.mkdir()
    shutil.copy(BUNDLED_RULE, rules / "certutil.yml")
    assert _run("build", str(rules), "-o", str(out), "-q", "-t", "eql").returncode == 0
    return rules, out


def test_a_fifo_as_the_manifest_is_refused_by_check(tmp_path: Path) -> None:
    _, out = _built(tmp_path)
    (out / "manifest.json").unlink()
    os.mkfifo(out / "manifest.json")
    result = _run("check", str(out), "-q")
    assert result.returncode == 2
    assert result.stderr == (
        f"sigma-certutil: error: {out / 'manifest.json'}: not a regular file (a FIFO); "
        "only regular files are read\n"
    )


def test_a_fifo_where_an_output_goes_is_replaced(tmp_path: Path) -> None:
    rules, out = _built(tmp_path)
    query = out / "eql" / "certutil.eql"
    expected = query.read_bytes()
    query.unlink()
    os.mkfifo(query)
    result = _run("build", str(rules), "-o", str(out), "-q", "-t", "eql")
    assert result.returncode == 0, result.stderr
    assert query.is_file() and query.read_bytes() == expected


def test_a_fifo_as_the_build_state_is_ignored(tmp_path: Path) -> None:
    rules, out = _built(tmp_path)
    state = out / ".sigma-certutil" / "state.json"
    state.unlink()
    os.mkfifo(state)
    result = _run("build", str(rules), "-o", str(out), "-q", "-t", "eql")
    assert result.returncode == 0, result.stderr


def test_a_rule_file_that_became_a_fifo_is_listed(tmp_path: Path) -> None:
    rules, out = _built(tmp_path)
    rule = rules / "certutil.yml"
    rule.unlink()
    os.mkfifo(rule)
    result = _run("build", str(rules), "-o", str(out), "-q", "-t", "eql")
    assert result.returncode == 1
    assert result.stderr == (
        f"sigma-certutil: error: {rule}: not a regular file (a FIFO); only regular files are read\n"
    )


def test_a_deeply_nested_condition_converts_in_a_build(tmp_path: Path) -> None:
    """pySigma recurses per nesting level; 60 levels (within the limit of 64) build as they
    convert alone."""
    rules, out = tmp_path / "rules", tmp_path / "out"
    rules.mkdir()
    text = BUNDLED_RULE.read_text(encoding="utf-8")
    nested = "(" * 60 + "selection" + ")" * 60
    (rules / "deep.yml").write_text(
        text.replace("condition: selection", f"condition: {nested}"), encoding="utf-8"
    )
    built = _run("build", str(rules), "-o", str(out), "-q", "-t", "eql")
    assert built.returncode == 0, built.stderr
    alone = _run("convert", str(rules / "deep.yml"), "-t", "eql")
    assert alone.returncode == 0, alone.stderr
    assert (out / "eql" / "deep.eql").read_text(encoding="utf-8") == alone.stdout
