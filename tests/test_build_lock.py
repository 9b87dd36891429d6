"""One build at a time per OUT: a second build or check exits 2 at once, naming the process
that holds OUT/.sigma-certutil/lock; the lock goes with its process, however it ends. What
no manifest lists in the target folders, and temporary files of processes that are gone,
are drift for check and removed by build."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT, cli, run_cli, two_rules

from sigma_certutil.build import build

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="no fcntl locks")

HOLD = (
    "import sys, time\n"
    "from pathlib import Path\n"
    "from sigma_certutil.build.lock import locked\n"
    "with locked(Path(sys.argv[1]), write=True):\n"
    "    print('held', flush=True)\n"
    "    time.sleep(60)\n"
)


def _holder(out: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(out)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert process.stdout is not None and process.stdout.readline() == "held\n"
    return process


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_second_build_or_check_exits_2_naming_the_holder(tmp_path: Path) -> None:
    rules, out = two_rules(tmp_path), tmp_path / "out"
    assert cli("build", str(rules), "-o", str(out), "-q", "-t", "eql").code == 0
    holder = _holder(out)
    try:
        says = (
            f"sigma-certutil: error: {out}: another sigma-certutil process (pid {holder.pid}) "
            "is building into it; try again when it is done\n"
        )
        for argv in (("build", str(rules), "-o", str(out), "-t", "eql"), ("check", str(out))):
            result = cli(*argv, "-q")
            assert (result.code, result.stderr) == (2, says)
        installed = run_cli("build", str(rules), "-o", str(out), "-q", "-t", "eql")
        assert (installed.returncode, installed.stderr) == (2, says)
        assert (out / ".sigma-certutil" / "lock").read_text(encoding="utf-8") == f"{holder.pid}\n"
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    # The system released it with the process.
    assert cli("build", str(rules), "-o", str(out), "-q", "-t", "eql").code == 0
    assert cli("check", str(out), "-q").code == 0
    lock = (out / ".sigma-certutil" / "lock").read_text(encoding="utf-8")
    assert lock == f"{os.getpid()}\n"


def test_a_check_writes_no_lock_and_takes_one_only_when_a_build_made_it(tmp_path: Path) -> None:
    rules, out = two_rules(tmp_path), tmp_path / "out"
    build([rules], out, ["eql"], check=True, workers=1)
    assert not out.exists()
    build([rules], out, ["eql"], workers=1)
    (out / ".sigma-certutil" / "lock").unlink()
    assert build([rules], out, ["eql"], check=True, workers=1).diffs == {}
    assert not (out / ".sigma-certutil" / "lock").exists()


def test_check_reports_and_build_removes_query_files_no_manifest_lists(tmp_path: Path) -> None:
    rules, out = two_rules(tmp_path), tmp_path / "out"
    assert cli("build", str(rules), "-o", str(out), "-q", "-t", "eql,kusto").code == 0
    strays = ["eql/stray.eql", "kusto/old-name.kql"]
    for stray in strays:
        (out / stray).write_text("from a build that never wrote its manifest\n")
    others = ["eql/notes.txt", "eql/.hidden.eql", "eql/x.kql", "splunk/other.spl", "keep.eql"]
    for other in others:
        (out / other).parent.mkdir(exist_ok=True)
        (out / other).write_text("not ours\n")
    drift = cli("check", str(out), "-q")
    assert drift.code == 1
    assert drift.stdout == "".join(
        f"{stray}: no manifest lists this file; a build removes it\n" for stray in strays
    )
    result = build([rules], out, ["eql", "kusto"], workers=1)  # nothing changed but those
    assert result.removed == strays
    assert not any((out / stray).exists() for stray in strays)
    assert all((out / other).exists() for other in others)
    assert cli("check", str(out), "-q").code == 0


def test_temporary_files_of_processes_that_are_gone_are_removed(tmp_path: Path) -> None:
    rules, out = two_rules(tmp_path), tmp_path / "out"
    build([rules], out, ["eql"], deploy=True, workers=1)
    dead, alive = _dead_pid(), os.getpid()
    left = [
        f"eql/.certutil.eql.{dead}.0.tmp",
        f"eql/.gone.eql.{dead}.12.tmp",
        f".manifest.json.{dead}.0.tmp",
        f".sigma-certutil/.state.json.{dead}.1.tmp",
        f"deploy/.elastic-eql.ndjson.{dead}.0.tmp",
        f"deploy/sentinel/.x.yaml.{dead}.0.tmp",
    ]
    kept = [
        f"eql/.certutil.eql.{alive}.0.tmp",  # a process that runs
        f"eql/.notes.txt.{dead}.0.tmp",  # not a name this package writes there
        f"eql/.certutil.eql.{dead}.x.tmp",
        f".other.json.{dead}.0.tmp",
        f"rules/.a.yml.{dead}.0.tmp",
    ]
    for name in left + kept:
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text("partial")
    drift = cli("check", str(out), "-q")
    assert drift.code == 1
    assert drift.stdout.splitlines() == [
        f"{name}: a temporary file an interrupted build left; a build removes it"
        for name in sorted(left)
    ]
    result = build([rules], out, ["eql"], deploy=True, workers=1)
    assert (result.written, result.removed, result.errors) == ([], [], [])
    assert [name for name in left + kept if (out / name).exists()] == kept


def test_a_build_that_cannot_start_makes_no_output_folder(tmp_path: Path) -> None:
    result = cli("build", str(tmp_path / "missing"), "-o", str(tmp_path / "out"), "-q")
    assert result.code == 2
    assert not (tmp_path / "out").exists()
