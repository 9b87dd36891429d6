"""The build's worker processes: a worker that dies (killed, out of memory, a crash in a
backend) costs the rule it was converting, listed against that rule, and never hangs the
build; every other rule is built as without the death."""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest
from helpers import SMB_RULE

import sigma_certutil.build.workers as workers
from sigma_certutil.build import build
from sigma_certutil.build.records import RuleRecord, Task


class _Hung(Exception):
    pass


@pytest.fixture
def no_hang() -> Iterator[None]:
    """Fail the test, rather than wait forever, when the build does not finish."""

    def hung(signum: int, frame: FrameType | None) -> None:
        raise _Hung("the build did not finish in 60 s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _rules(tmp_path: Path, count: int) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    for index in range(count):
        shutil.copy(SMB_RULE, rules / f"smb{index:02}.yml")
    return rules


def test_a_worker_that_dies_costs_only_its_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_hang: None
) -> None:
    rules = _rules(tmp_path, 40)
    killer = rules / "smb17.yml"
    convert_rule = workers.convert_rule

    def dies_on_the_killer(task: Task, *args: object) -> RuleRecord:
        if task.source == str(killer):
            os.kill(os.getpid(), signal.SIGKILL)
        return convert_rule(task, *args)  # type: ignore[arg-type]

    # Forked workers inherit the patched module.
    monkeypatch.setattr(workers, "convert_rule", dies_on_the_killer)
    result = build([rules], tmp_path / "out", ["eql"], workers=2)
    assert result.errors == [f"{killer}: internal error: the worker process converting it died"]
    built = sorted(path.name for path in (tmp_path / "out" / "eql").iterdir())
    assert built == sorted(f"smb{index:02}.eql" for index in range(40) if index != 17)
    monkeypatch.undo()
    again = build([rules], tmp_path / "out", ["eql"], workers=2)
    assert again.errors == [] and again.written == ["eql/smb17.eql", "manifest.json"]
