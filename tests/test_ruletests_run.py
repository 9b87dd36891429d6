"""sigma_certutil/ruletests/run.py: testing rule files, a bad one among them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from helpers import example_repo

from sigma_certutil.errors import MissingDependencyError
from sigma_certutil.reports import Status
from sigma_certutil.ruletests import run_rule_tests


def test_a_rule_that_does_not_load_is_an_error_case_at_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("title: x\nlogsource: {}\ndetection:\n  sel: {a: 1}\n", encoding="utf-8")
    run = run_rule_tests([bad], ["eql"])
    (case,) = run.cases
    assert (case.status, case.source, case.line, case.target) == (Status.ERROR, bad, 3, None)
    assert case.message == f"{bad}:3: 'detection' has no 'condition'"
    assert [str(error) for error in run.errors] == [case.message]
    assert (run.tested, run.untested, run.failed) == (0, 0, True)


def test_untested_rules_are_counted_and_named(tmp_path: Path) -> None:
    repo = example_repo(tmp_path)
    for events in (repo / "rules").rglob("*.jsonl"):
        events.unlink()
    run = run_rule_tests(sorted((repo / "rules").rglob("*.yml")), ["eql"], require_tests=True)
    assert (run.tested, run.untested) == (0, 2)
    assert [(case.status, case.check, case.target) for case in run.cases] == [
        (Status.FAILED, "untested", None),
        (Status.FAILED, "untested", None),
    ]


def test_without_the_reference_nothing_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("sigma.backends.sqlite", "sigma.backends.sqlite.sqlite"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(MissingDependencyError, match="pip install 'sigma-certutil\\[verify\\]'"):
        run_rule_tests([], ["eql"])
