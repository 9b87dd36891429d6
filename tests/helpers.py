"""What the tests share: paths, rule lists, the engine and shared-data gates, the CLI runners."""

from __future__ import annotations

import contextlib
import difflib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest
from engines.cases import Case, load_sysmon_json

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SNAPSHOTS = TESTS / "snapshots"
TEST_RULES = TESTS / "rules"
BUNDLED_RULE = (
    ROOT / "sigma_certutil" / "rules" / "net_connection_win_certutil_initiated_connection.yml"
)
# The language matrix's missing-value and typed-value rows: rules/ and events.yml.
LANGUAGE_MISSING = TESTS / "fixtures" / "language" / "missing"
# A second golden rule beside the bundled one (another log source, an inbound connection).
SMB_RULE = TEST_RULES / "net_connection_inbound_smb_to_user_binary.yml"
# The shared reference material beside the project (SigmaHQ rules and regression data, real
# Sysmon events); SIGMA_CERTUTIL_SHARED points elsewhere.
SHARED = Path(os.environ.get("SIGMA_CERTUTIL_SHARED", ROOT.parent / "shared"))


def _under_ci() -> bool:
    return os.environ.get("CI") == "true"


def two_rules(tmp_path: Path) -> Path:
    """A rule folder under tmp_path with the bundled rule as certutil.yml and the SMB rule as
    smb.yml."""
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(BUNDLED_RULE, rules / "certutil.yml")
    shutil.copy(SMB_RULE, rules / "smb.yml")
    return rules


EXAMPLE_REPO = ROOT / "examples" / "detection-as-code"


def example_repo(tmp_path: Path) -> Path:
    """A copy of examples/detection-as-code under tmp_path: its rules, their test events
    (``<stem>.match.jsonl``, ``<stem>.nomatch.jsonl``) and its pipeline; no queries."""
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLE_REPO, repo, ignore=shutil.ignore_patterns("queries", ".sigma-certutil"))
    return repo


def built_queries(out: Path, rule_file: Path) -> dict[str, str]:
    """What a build into ``out`` made of one rule file: each target's query, or
    "refused: <message>" as its manifest lists the refusal."""
    import json

    from sigma_certutil.build import safe_stem
    from sigma_certutil.targets import TARGETS

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    found = {
        entry["target"]: f"refused: {entry['message']}"
        for entry in manifest["refused"]
        if entry["source"] == str(rule_file)
    }
    for target, spec in TARGETS.items():
        query = out / target / f"{safe_stem(rule_file)}.{spec.extension}"
        if query.exists():
            # Bytes as written: a Lucene regular expression may hold a carriage return.
            found[target] = query.read_bytes().decode("utf-8").removesuffix("\n")
    return found


def golden_rules() -> list[Path]:
    """Every rule pinned by golden files: the bundled rule, the suite's own rules and the
    language matrix's rules."""
    return [
        BUNDLED_RULE,
        *sorted(TEST_RULES.glob("*.yml")),
        *sorted((LANGUAGE_MISSING / "rules").glob("*.yml")),
    ]


def compare_golden(golden: Path, text: str, update: bool) -> None:
    """Compare ``text`` with its golden file, or write it there with --update-snapshots."""
    if update:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
        return
    assert golden.exists(), f"no golden file {golden}; run pytest --update-snapshots"
    expected = golden.read_bytes().decode("utf-8")  # as written: a query may hold a CR
    if text != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                text.splitlines(keepends=True),
                fromfile=str(golden),
                tofile="current output",
            )
        )
        pytest.fail(f"query differs from its golden file:\n{diff}", pytrace=False)


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


class Result(NamedTuple):
    code: int
    stdout: str
    stderr: str


def cli(*argv: str) -> Result:
    """sigma_certutil.cli.main(argv) in this process, with what it writes to stdout and
    stderr; an argparse exit (usage error, --help, --version) gives its exit code."""
    from sigma_certutil.cli import main

    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            code = main(list(argv))
        except SystemExit as exit_:
            if exit_.code is None or isinstance(exit_.code, int):
                code = exit_.code or 0
            else:  # as the interpreter does: the message on stderr, status 1
                print(exit_.code, file=sys.stderr)
                code = 1
    return Result(code, stdout.getvalue(), stderr.getvalue())


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
