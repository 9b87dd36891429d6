"""The target table: each row names everything about its target, every other module reads it,
and adding a target is one row (a copy of a row under a new id converts, builds, deploys and
lists without any other change)."""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT, require_engine
from sigma.conversion.base import Backend

from sigma_certutil.deploy import FORMATS
from sigma_certutil.processing.registry import STEPS, target_steps
from sigma_certutil.targets import TARGETS, get_target
from sigma_certutil.verify.engines import unavailable

PACKAGE = ROOT / "sigma_certutil"
# The only modules that may name a target by its id: the table and the stores.
ALLOWED = {PACKAGE / "targets.py", PACKAGE / "stores.py"}


def target_literals(source: str) -> list[tuple[int, str]]:
    """Lines and values of the string constants in the source that are target ids."""
    return [
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in TARGETS
    ]


def test_the_literal_check_finds_a_target_id() -> None:
    source = 'def f(target):\n    return target == "kusto" or "eql-like" in target\n'
    assert target_literals(source) == [(2, "kusto")]


def test_no_target_id_is_written_outside_the_table_and_the_stores() -> None:
    found = {
        f"{path.relative_to(ROOT)}:{line}: {value!r}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path not in ALLOWED
        for line, value in target_literals(path.read_text(encoding="utf-8"))
    }
    assert not found, "read the target row instead of naming a target:\n" + "\n".join(found)


@pytest.mark.parametrize("target_id", list(TARGETS))
def test_the_row_names_a_backend_its_package_provides(target_id: str) -> None:
    target = get_target(target_id)
    backend = target.backend.load()
    assert issubclass(backend, Backend)
    assert importlib.metadata.version(target.backend.package)
    bases = {
        cls.__module__.split(".")[2]
        for cls in backend.__mro__
        if cls.__module__.startswith("sigma.backends.")
    }
    package_module = target.backend.package.removeprefix("pysigma-backend-")
    assert package_module in bases, (bases, target.backend.package)


@pytest.mark.parametrize("target_id", list(TARGETS))
def test_the_row_names_steps_a_store_deploy_formats_and_an_engine(target_id: str) -> None:
    target = get_target(target_id)
    assert target.steps and all(name in STEPS for name in target.steps)
    assert callable(target.store.shape())
    if target.store.field_types:
        assert callable(target.store.types())
    assert target.store.indices or target.store.tables or "source=" in target.store.description
    assert all(entry.format in FORMATS for entry in target.deploy)
    if target.engine is None:
        assert target.not_executed, "a target without an engine says why"
    else:
        engine = importlib.import_module(target.engine.module)
        assert callable(engine.unavailable) and callable(engine.run)


@pytest.mark.parametrize("target_id", list(TARGETS))
def test_declared_steps_are_the_order_they_apply(target_id: str) -> None:
    target = get_target(target_id)
    applied = [name for name, _ in target_steps(target)]
    assert applied == list(target.steps), "list the row's steps by priority"
    priorities = [STEPS[name].priority for name in target.steps]
    assert priorities == sorted(priorities)


def test_no_two_targets_write_one_deploy_file() -> None:
    owners: dict[str, str] = {}
    for target in TARGETS.values():
        for entry in target.deploy:
            path = entry.path.format(stem="rule", target=target.id)
            assert path not in owners, f"{path}: {owners.get(path)} and {target.id}"
            owners[path] = target.id


def test_every_registered_step_is_used_by_a_target() -> None:
    used = {name for target in TARGETS.values() for name in target.steps}
    assert used == set(STEPS)


# A copy of the kusto and eql rows under new ids, as README "Adding a target" describes it:
# one row each (the kusto copy with a deploy path of its own).
COPIED_ROWS = """

from dataclasses import replace as _replace

TARGETS = MappingProxyType(
    {
        **TARGETS,
        "kusto_copy": _replace(
            TARGETS["kusto"],
            id="kusto_copy",
            deploy=(DeployFile("sentinel-rule", "deploy/sentinel-copy/{stem}.yaml"),),
        ),
        "eql_copy": _replace(TARGETS["eql"], id="eql_copy"),
    }
)
"""

COPY_SCRIPT = r"""
import json, sys
from pathlib import Path
from sigma_certutil import TARGETS, convert, load_bundled_rule
from sigma_certutil.build import build
from sigma_certutil.cli import main
from sigma_certutil.verify import SysmonEvent, verify

rule = load_bundled_rule()
event = {"Image": "C:\\Windows\\System32\\certutil.exe", "Initiated": "true",
         "DestinationPort": 443, "DestinationIp": "203.0.113.7", "ProcessId": 4}
[checked] = verify([rule], [SysmonEvent("certutil", event, 3)], ["kusto_copy", "eql_copy"])
out = Path(sys.argv[1])
result = build([sys.argv[2]], out, ["kusto", "kusto_copy", "eql", "eql_copy"], deploy=True)
print(json.dumps({
    "targets": list(TARGETS),
    "same": {t: convert(rule, t + "_copy") == convert(rule, t) for t in ("kusto", "eql")},
    "errors": result.errors,
    "verdicts": [r.status.value for r in checked.results],
    "files": sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()
                    and ".sigma-certutil" not in p.parts),
}))
sys.exit(main(["targets", "-t", "kusto_copy,eql_copy", "--steps"]))
"""


@pytest.mark.engine
def test_a_copied_row_is_a_whole_new_target(tmp_path: Path) -> None:
    for target in ("kusto", "eql"):
        require_engine(unavailable(target))
    tree = tmp_path / "tree"
    shutil.copytree(PACKAGE, tree / "sigma_certutil", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "pipelines", tree / "pipelines")
    table = tree / "sigma_certutil" / "targets.py"
    table.write_text(table.read_text(encoding="utf-8") + COPIED_ROWS, encoding="utf-8")
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(PACKAGE / "rules" / "net_connection_win_certutil_initiated_connection.yml", rules)
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-c", COPY_SCRIPT, str(tmp_path / "out"), str(rules)],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report_line, listing = done.stdout.split("\n", 1)
    report = json.loads(report_line)
    assert report["targets"][-2:] == ["kusto_copy", "eql_copy"]
    assert report["same"] == {"kusto": True, "eql": True}
    assert report["errors"] == []
    assert report["verdicts"] == ["agrees", "agrees"]
    stem = "net_connection_win_certutil_initiated_connection"
    assert {
        f"kusto_copy/{stem}.kql",
        f"eql_copy/{stem}.eql",
        f"deploy/sentinel-copy/{stem}.yaml",
        f"deploy/sentinel/{stem}.yaml",
        "deploy/elastic-eql_copy.ndjson",
        "deploy/elastic-eql.ndjson",
    } <= set(report["files"])
    assert "kusto_copy\tKusto KQL" in listing and "defender_xdr" in listing
