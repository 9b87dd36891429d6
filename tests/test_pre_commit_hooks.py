""".pre-commit-hooks.yaml: valid for pre-commit (its own schema, pre_commit.clientlib), each
hook's entry one of this package's commands, and the hooks working as pre-commit runs them."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from helpers import BUNDLED_RULE, ROOT, run_cli
from lint_rules import write_rule

HOOKS = ROOT / ".pre-commit-hooks.yaml"


def _hooks() -> dict[str, dict[str, object]]:
    clientlib = pytest.importorskip("pre_commit.clientlib")
    loaded = clientlib.load_manifest(str(HOOKS))  # raises InvalidManifestError when invalid
    return {hook["id"]: hook for hook in loaded}


def test_the_manifest_is_valid_for_pre_commit() -> None:
    hooks = _hooks()
    assert sorted(hooks) == ["sigma-certutil-check", "sigma-certutil-lint"]
    for hook in hooks.values():
        assert hook["language"] == "python"  # pre-commit pip-installs this repository
        assert str(hook["entry"]).split()[0] == "sigma-certutil"  # [project.scripts]
        assert re.search(str(hook["files"]), "rules/windows/proc_creation_x.yml")
        assert re.search(str(hook["files"]), "rules/a.yaml")
        assert not re.search(str(hook["files"]), "README.md")


def test_the_schema_check_can_fail(tmp_path: Path) -> None:
    clientlib = pytest.importorskip("pre_commit.clientlib")
    broken = tmp_path / ".pre-commit-hooks.yaml"
    broken.write_text("- id: x\n  name: x\n  language: python\n", encoding="utf-8")
    with pytest.raises(clientlib.InvalidManifestError, match="entry"):
        clientlib.load_manifest(str(broken))


def _run(hook: dict[str, object], files: list[str], cwd: Path) -> tuple[int, str]:
    """The hook as pre-commit runs it: entry, args, then the staged file names."""
    command = [*str(hook["entry"]).split()[1:], *map(str, hook.get("args", []))]  # type: ignore[call-overload]
    if hook.get("pass_filenames", True):
        command += files
    result = run_cli(*command, cwd=cwd)
    return result.returncode, result.stdout + result.stderr


def test_the_lint_hook_on_staged_files(tmp_path: Path) -> None:
    hook = _hooks()["sigma-certutil-lint"]
    write_rule(tmp_path, "rules/good.yml")
    write_rule(tmp_path, "rules/bad.yml", {"level: high": "level: urgent", "0f5": "1f5"})
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "ci.yml").write_text("on: [push]\n", encoding="utf-8")
    code, output = _run(hook, ["rules/good.yml", ".github/ci.yml"], tmp_path)
    assert code == 0, output
    code, output = _run(hook, ["rules/good.yml", "rules/bad.yml"], tmp_path)
    assert code == 1
    assert "rules/bad.yml:21: level_value: level 'urgent' is not one of" in output


def test_the_check_hook_fails_on_drift(tmp_path: Path) -> None:
    hook = _hooks()["sigma-certutil-check"]
    (tmp_path / "rules").mkdir()
    rule = tmp_path / "rules" / "r.yml"
    shutil.copy(BUNDLED_RULE, rule)
    assert (
        run_cli("build", "rules", "-o", "queries", "-t", "splunk", "-q", cwd=tmp_path).returncode
        == 0
    )
    assert _run(hook, ["rules/r.yml"], tmp_path)[0] == 0
    rule.write_text(rule.read_text(encoding="utf-8").replace("- 445\n", ""), encoding="utf-8")
    code, output = _run(hook, ["rules/r.yml"], tmp_path)
    assert code == 1 and "(built now)" in output
