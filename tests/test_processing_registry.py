"""The step registry: every step builds fresh, its priority and source are where it says, and
a target's stack with a user's own pipelines resolves by priority in one place."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import ROOT
from sigma.processing.pipeline import ProcessingPipeline

from sigma_certutil.errors import PipelineError
from sigma_certutil.limits import Limits
from sigma_certutil.processing.registry import (
    BUNDLED_PIPELINES,
    STEPS,
    pipeline_dir,
    pipeline_path,
    resolved_steps,
    target_steps,
    user_pipeline,
)
from sigma_certutil.targets import TARGETS, get_target


@pytest.mark.parametrize("name", list(STEPS))
def test_each_step_builds_a_fresh_pipeline_with_its_priority(name: str) -> None:
    step = STEPS[name]
    first, second = step.build(), step.build()
    assert isinstance(first, ProcessingPipeline) and first is not second
    assert first.items and first.items[0] is not second.items[0]
    assert first.priority == step.priority


@pytest.mark.parametrize("name", list(STEPS))
def test_each_step_names_the_file_that_defines_it(name: str) -> None:
    source = STEPS[name].source
    if source == "pysigma-pipeline-sysmon":
        return
    assert (ROOT / source).is_file(), source


def test_pipeline_files_keep_their_own_priority() -> None:
    """A YAML step's priority is the file's, so the file also works alone with sigma-cli."""
    for step in STEPS.values():
        if step.file:
            written = yaml.safe_load((pipeline_dir() / step.file).read_text(encoding="utf-8"))
            assert step.priority == written["priority"]
    files = {step.file for step in STEPS.values() if step.file} | set(BUNDLED_PIPELINES)
    assert files == {path.name for path in pipeline_dir().glob("*.yml")}


def test_a_bundled_pipeline_is_found_by_its_bare_name(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    assert pipeline_path("security_4688.yml") == pipeline_dir() / "security_4688.yml"
    assert user_pipeline("security_4688.yml").priority == 5
    (tmp_path / "security_4688.yml").write_text("name: mine\npriority: 7\ntransformations: []\n")
    assert pipeline_path("security_4688.yml") == Path("security_4688.yml")
    assert user_pipeline("security_4688.yml").priority == 7


def _own(tmp_path: Path, priority: int) -> Path:
    path = tmp_path / f"own-{priority}.yml"
    path.write_text(
        f"name: own {priority}\npriority: {priority}\ntransformations:\n"
        "  - id: own_state\n    type: set_state\n    key: own\n    val: x\n",
        encoding="utf-8",
    )
    return path


def test_own_pipelines_join_by_priority_after_equal_project_steps(tmp_path: Path) -> None:
    target = get_target(next(iter(TARGETS)))
    early, equal, late = (user_pipeline(_own(tmp_path, p)) for p in (11, 20, 99))
    names = [name for name, _ in target_steps(target, [late, early, equal])]
    declared = list(target.steps)
    last_at_20 = max(i for i, n in enumerate(declared) if STEPS[n].priority <= 20)
    expected = [
        declared[0],
        "own pipeline 2",
        *declared[1 : last_at_20 + 1],
        "own pipeline 3",
        *declared[last_at_20 + 1 :],
        "own pipeline 1",
    ]
    assert names == expected


def test_resolved_steps_show_the_own_file(tmp_path: Path) -> None:
    own = _own(tmp_path, 40)
    target = get_target(next(iter(TARGETS)))
    resolved = resolved_steps(target, [own])
    assert [step.name for step in resolved][-1] == "own pipeline 1"
    assert (resolved[-1].priority, resolved[-1].source) == (40, str(own))
    assert [step.source for step in resolved[:-1]] == [STEPS[n].source for n in target.steps]


def test_a_broken_own_pipeline_names_its_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("name: x\ntransformations: [{type: no_such_type}]\n", encoding="utf-8")
    with pytest.raises(PipelineError, match=rf"^{broken}: invalid pipeline"):
        user_pipeline(broken)
    with pytest.raises(PipelineError, match="cannot read pipeline"):
        user_pipeline(tmp_path / "missing.yml")


def test_an_own_pipeline_is_read_strictly_and_within_the_limits(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.yml"
    os.mkfifo(fifo)  # refused from its status: opening it would wait for a writer
    with pytest.raises(PipelineError) as caught:
        user_pipeline(fifo)
    assert str(caught.value) == (
        f"{fifo}: cannot read pipeline: not a regular file (a FIFO); only regular files are read"
    )
    twice = tmp_path / "twice.yml"
    twice.write_text("name: a\nname: b\ntransformations: []\n", encoding="utf-8")
    with pytest.raises(PipelineError) as caught:
        user_pipeline(twice)
    assert str(caught.value) == f"{twice}:2: invalid pipeline: duplicate key 'name' (lines 1 and 2)"
    bomb = tmp_path / "bomb.yml"
    levels = [f"l{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 9)]
    bomb.write_text("\n".join(["l0: &a0 [x, x, x, x, x, x, x, x, x]", *levels]), encoding="utf-8")
    with pytest.raises(PipelineError, match=r":5: invalid pipeline: YAML aliases expand to more"):
        user_pipeline(bomb)
    with pytest.raises(PipelineError, match=r"over the rule_bytes limit of 10 bytes$"):
        user_pipeline(twice, Limits(rule_bytes=10))
    empty = tmp_path / "empty.yml"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(PipelineError, match=r"invalid pipeline: expected one YAML mapping$"):
        user_pipeline(empty)
