"""What the tests share: paths, rule lists, the engine and shared-data gates, the CLI runner."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
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
# The shared reference material beside the project (SigmaHQ rules and regression data, real
# Sysmon events); SIGMA_CERTUTIL_SHARED points elsewhere.
SHARED = Path(os.environ.get("SIGMA_CERTUTIL_SHARED", ROOT.parent / "shared"))


def _under_ci() -> bool:
    return os.environ.get("CI") == "true"


def golden_rules() -> list[Path]:
    """Every rule pinned by golden files: the bundled rule and the suite's own rules."""
    return [BUNDLED_RULE, *sorted(TEST_RULES.glob("*.yml"))]


def require_engine(reason: str | None) -> None:
    """Skip a test whose engine is missing; under CI=true a missing engine is a failure."""
    if reason is None:
        return
    if _under_ci():
        pytest.fail(f"engine unavailable under CI: {reason}")
    pytest.skip(reason)


def shared_path(*parts: str) -> Path:
    """SHARED/parts, which a test needs: when it is absent the test skips naming it, and fails
    under CI=true (CI always has the shared data)."""
    path = SHARED.joinpath(*parts)
    if path.exists():
        return path
    reason = f"no shared data at {path} (SIGMA_CERTUTIL_SHARED or ../shared)"
    if _under_ci():
        pytest.fail(f"shared data missing under CI: {reason}")
    pytest.skip(reason)


def real_eid3_cases() -> list[Case]:
    """The real Sysmon Event ID 3 events of the shared folder; certutil's must match."""
    folder = shared_path("data", "events", "sysmon-eid3")
    return [
        load_sysmon_json(p, p.name.startswith("certutil")) for p in sorted(folder.glob("*.json"))
    ]


# --- the command line -----------------------------------------------------------------------


def entry_point() -> str:
    """The installed sigma-certutil console script."""
    beside_python = Path(sys.executable).parent / "sigma-certutil"
    found = str(beside_python) if beside_python.exists() else shutil.which("sigma-certutil")
    if not found:
        pytest.fail("the sigma-certutil console script is not installed (pip install -e .)")
    return found


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The installed console script in a process of its own."""
    return subprocess.run(
        [entry_point(), *args], capture_output=True, text=True, cwd=cwd, check=False, timeout=120
    )
