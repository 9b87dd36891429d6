"""Shared test plumbing: rule lists, the snapshot switch and the engine gate."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
