"""Golden query files: tests/snapshots/<rule>/<target>.<ext>, or <target>.error holding the
message when a target refuses the rule (a refusal is output too, and must not change silently).

A mismatch fails with a unified diff. `pytest --update-snapshots` rewrites them and removes
orphans; without it, an orphaned golden file fails the run. Golden files only pin output:
the engine tests prove the queries are right.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from helpers import SNAPSHOTS, golden_rules

from sigma_certutil import TARGETS, ConversionError, convert, load_rule

CASES = [(rule, target) for rule in golden_rules() for target in TARGETS.values()]


def render(rule: Path, target_id: str) -> tuple[str, str]:
    """The golden file's extension and text for a rule and target."""
    try:
        return TARGETS[target_id].extension, convert(load_rule(rule), target_id) + "\n"
    except ConversionError as error:
        # The reason alone: the file's path names the rule and the target.
        return "error", error.reason + "\n"


def snapshot_path(rule: Path, target_id: str, extension: str) -> Path:
    return SNAPSHOTS / rule.stem / f"{target_id}.{extension}"


@pytest.mark.parametrize(
    ("rule", "target_id"),
    [(rule, target.id) for rule, target in CASES],
    ids=[f"{rule.stem}-{target.id}" for rule, target in CASES],
)
def test_golden_query(rule: Path, target_id: str, update_snapshots: bool) -> None:
    extension, query = render(rule, target_id)
    golden = snapshot_path(rule, target_id, extension)
    if update_snapshots:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(query, encoding="utf-8")
        return
    assert golden.exists(), f"no golden file {golden}; run pytest --update-snapshots"
    expected = golden.read_bytes().decode("utf-8")  # as written: a query may hold a CR
    if query != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                query.splitlines(keepends=True),
                fromfile=str(golden),
                tofile="current output",
            )
        )
        pytest.fail(f"query differs from its golden file:\n{diff}", pytrace=False)


def test_no_orphaned_golden_files(update_snapshots: bool) -> None:
    expected = {
        snapshot_path(rule, target.id, render(rule, target.id)[0]) for rule, target in CASES
    }
    present = {path for path in SNAPSHOTS.rglob("*") if path.is_file()}
    orphans = sorted(present - expected)
    if update_snapshots:
        for orphan in orphans:
            orphan.unlink()
        return
    assert not orphans, f"golden files with no rule or target: {[str(p) for p in orphans]}"
