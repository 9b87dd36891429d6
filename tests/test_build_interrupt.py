"""Interrupted builds: Ctrl-C and SIGTERM stop the workers, remove the build's temporary
files and print one line (exit 130, 143); SIGKILL takes the workers with it; whatever the
moment, the next build leaves OUT byte for byte as a clean build into a fresh folder."""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from helpers import cli, entry_point, golden_rules

from sigma_certutil.build import build
from sigma_certutil.build import workers as build_workers
from sigma_certutil.build.records import RuleRecord, Task

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

LINE = (
    "sigma-certutil: interrupted; each file in OUT is whole, and the next build brings OUT up "
    "to date\n"
)
TRIALS = (signal.SIGINT, signal.SIGTERM, signal.SIGKILL) * 2


def _copies(folder: Path, count: int) -> None:
    """``count`` copies of each golden rule, each with a title and id of its own (one
    deploy file takes them all)."""
    folder.mkdir(parents=True, exist_ok=True)
    for rule in golden_rules():
        text = rule.read_text(encoding="utf-8")
        for index in range(count):
            name = f"{rule.stem}-{index:03}"
            own = re.sub(r"^title: (.*)$", rf"title: \1 ({index})", text, count=1, flags=re.M)
            rule_id = uuid.uuid5(uuid.NAMESPACE_URL, name)
            own = re.sub(r"^id: .*$", f"id: {rule_id}", own, count=1, flags=re.M)
            (folder / f"{name}.yml").write_text(own, encoding="utf-8")


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and ".sigma-certutil" not in path.parts
    }


def _temporaries(folder: Path) -> list[str]:
    return [str(path) for path in folder.rglob("*.tmp")]


def _build(rules: Path, out: Path) -> list[str]:
    return [entry_point(), "build", str(rules), "-o", str(out), "-q", "--allow-unsupported",
            "--deploy", "-j", "2"]  # fmt: skip


def _alive_in_group(group: int) -> list[int]:
    """The processes of a process group that have not ended (zombies have)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def _wait_for_workers(group: int) -> None:
    if not Path("/proc/self/stat").exists():
        return
    deadline = time.monotonic() + 10
    while _alive_in_group(group):
        assert time.monotonic() < deadline, "a worker outlived its build"
        time.sleep(0.02)


def test_interrupted_builds_leave_out_for_the_next_build_to_finish(tmp_path: Path) -> None:
    rules, older = tmp_path / "rules", tmp_path / "older-rules"
    _copies(rules, 12)
    _copies(older, 6)
    for rule in list(older.iterdir())[::3]:  # edited since: converted again
        rule.write_text(rule.read_text(encoding="utf-8").replace("status: ", "status: x"))
    reference, previous = tmp_path / "reference", tmp_path / "previous"
    started = time.monotonic()
    assert subprocess.run(_build(rules, reference), check=False, timeout=300).returncode == 0
    duration = time.monotonic() - started
    subprocess.run(_build(older, previous), check=False, timeout=300, capture_output=True)
    expected = _tree(reference)
    seed = int(os.environ.get("INTERRUPT_SEED", random.randrange(10**6)))
    chance = random.Random(seed)
    interrupted = 0
    for index, signum in enumerate(TRIALS):
        out = tmp_path / f"out{index}"
        if index % 2:  # half the trials interrupt a rebuild over an older build
            shutil.copytree(previous, out)
        process = subprocess.Popen(
            _build(rules, out), stderr=subprocess.PIPE, text=True, start_new_session=True
        )
        delay = chance.uniform(0.25, max(0.3, 0.9 * duration))
        time.sleep(delay)
        if signum == signal.SIGINT:  # as Ctrl-C: to the whole process group
            os.killpg(process.pid, signum)
        else:
            os.kill(process.pid, signum)
        _, stderr = process.communicate(timeout=120)
        where = f"seed {seed}, trial {index} ({signum.name} after {delay:.2f} s)"
        _wait_for_workers(process.pid)
        if signum != signal.SIGKILL and process.returncode == -signum and not stderr:
            # It came as the process ended, with its work done: nothing to interrupt.
            assert _tree(out) == expected, where
        elif process.returncode != 0:  # not done before the signal came
            interrupted += 1
            code = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGKILL: -9}[signum]
            assert process.returncode == code, f"{where}: {stderr}"
            assert stderr == ("" if signum == signal.SIGKILL else LINE), where
            if signum != signal.SIGKILL:
                assert _temporaries(out) == [], where
        again = subprocess.run(_build(rules, out), capture_output=True, text=True, timeout=300)
        assert (again.returncode, again.stderr) == (0, ""), where
        assert _temporaries(out) == [], where
        assert _tree(out) == expected, where
    assert subprocess.run([entry_point(), "check", str(out), "-q"], timeout=300).returncode == 0
    assert interrupted >= len(TRIALS) // 2, f"seed {seed}: most builds ended before the signal"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_build_in_process_exits_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signum: signal.Signals
) -> None:
    rules, out, fresh = tmp_path / "rules", tmp_path / "out", tmp_path / "fresh"
    _copies(rules, 1)
    real = build_workers.convert_rule
    seen: list[str] = []

    def convert_rule(task: Task, *args: object) -> RuleRecord:
        seen.append(task.source)
        if len(seen) == 6:
            os.kill(os.getpid(), signum)  # Python raises it here, in the main thread
        return real(task, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(build_workers, "convert_rule", convert_rule)
    result = cli("build", str(rules), "-o", str(out), "-q", "--allow-unsupported", "-j", "1")
    assert (result.code, result.stderr) == (128 + signum, LINE)
    assert _temporaries(out) == []
    assert len(seen) == 6
    monkeypatch.undo()
    assert cli("build", str(rules), "-o", str(out), "-q", "--allow-unsupported").code == 0
    build([rules], fresh, allow_unsupported=True, workers=1)
    assert _tree(out) == _tree(fresh)


def test_an_interrupted_check_wrote_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules, out = tmp_path / "rules", tmp_path / "out"
    _copies(rules, 1)
    build([rules], out, ["eql"], workers=1)
    (out / "eql" / next(iter(sorted(p.name for p in (out / "eql").iterdir())))).write_text("x")

    def interrupt(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(build_workers, "convert_rule", interrupt)
    result = cli("check", str(out), "-q")
    assert (result.code, result.stderr) == (
        130,
        "sigma-certutil: interrupted; nothing was written\n",
    )
