"""Golden query files: tests/snapshots/<rule>/<target>.<ext>, or <target>.error holding the
message when a target refuses the rule (a refusal is output too, and must not change silently).

A mismatch fails with a unified diff. `pytest --update-snapshots` rewrites them and removes
orphans; without it, an orphaned golden file fails the run. Golden files only pin output:
the engine tests prove the queries are right.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import SNAPSHOTS, compare_golden, golden_rules

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
    compare_golden(golden, query, update_snapshots)


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
