"""Run the installed sigma-certutil entry point."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def entry_point() -> str:
    beside_python = Path(sys.executable).parent / "sigma-certutil"
    found = str(beside_python) if beside_python.exists() else shutil.which("sigma-certutil")
    if not found:
        pytest.fail("the sigma-certutil console script is not installed (pip install -e .)")
    return found


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [entry_point(), *args], capture_output=True, text=True, cwd=cwd, check=False, timeout=120
    )
