"""Shared test plumbing: rule lists, the snapshot switch and the engine gate."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from engines.cases import Case, load_sysmon_json

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SNAPSHOTS = TESTS / "snapshots"
TEST_RULES = TESTS / "rules"
BUNDLED_RULE = (
    ROOT / "sigma_certutil" / "rules" / "net_connection_win_certutil_initiated_connection.yml"
)
# The shared reference material beside the project (real Sysmon events).
SHARED = Path(os.environ.get("SIGMA_CERTUTIL_SHARED", ROOT.parent / "shared"))


def golden_rules() -> list[Path]:
    """Every rule pinned by golden files: the bundled rule and the suite's own rules."""
    return [BUNDLED_RULE, *sorted(TEST_RULES.glob("*.yml"))]


def real_eid3_cases() -> list[Case]:
    """The real Sysmon Event ID 3 events of the shared folder; certutil's must match."""
    folder = SHARED / "data" / "events" / "sysmon-eid3"
    if not folder.is_dir():
        pytest.skip(f"no real events at {folder}")
    return [
        load_sysmon_json(p, p.name.startswith("certutil")) for p in sorted(folder.glob("*.json"))
    ]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-snapshots",
        action="store_true",
        help="rewrite golden query files from the current output and delete orphaned ones",
    )


@pytest.fixture
def update_snapshots(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-snapshots"))


def require_engine(reason: str | None) -> None:
    """Skip a test whose engine is missing; under CI=true a missing engine is a failure."""
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"engine unavailable under CI: {reason}")
    pytest.skip(reason)
