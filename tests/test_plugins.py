"""sigma_certutil/plugins: the targets and pipelines as pySigma plugins. In this process, each
plugin backend gives the query convert gives; installed from a wheel beside sigma-cli,
``sigma list targets`` and ``sigma list pipelines`` show them and ``sigma convert -t
certutil_<target>`` prints what ``sigma-certutil convert -t <target>`` prints."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import BUNDLED_RULE, ROOT, SMB_RULE, SNAPSHOTS, require_engine

from sigma_certutil import TARGETS, load_rule
from sigma_certutil.plugins import plugin_backends, plugin_pipelines


def _by_identifier() -> dict[str, Any]:
    return {getattr(cls, "identifier"): cls for cls in plugin_backends().values()}  # noqa: B009


def test_each_plugin_backend_converts_as_the_target_does() -> None:
    backends = _by_identifier()
    assert sorted(backends) == sorted(f"certutil_{target}" for target in TARGETS)
    for target in TARGETS:
        backend = backends[f"certutil_{target}"]()
        assert backend.requires_pipeline is False
        for rule_file in (BUNDLED_RULE, SMB_RULE):
            golden = SNAPSHOTS / rule_file.stem / f"{target}.{TARGETS[target].extension}"
            if golden.exists():
                [query] = backend.convert_rule(load_rule(rule_file))
                assert str(query) + "\n" == golden.read_text(encoding="utf-8"), (target, rule_file)


def test_a_pipeline_given_to_a_plugin_backend_joins_the_steps_by_priority() -> None:
    from sigma.processing.pipeline import ProcessingPipeline

    index = ProcessingPipeline.from_yaml(
        (ROOT / "examples" / "detection-as-code" / "pipelines" / "index.yml").read_text()
    )
    backend = _by_identifier()["certutil_splunk"]
    [query] = backend(processing_pipeline=index).convert_rule(load_rule(BUNDLED_RULE))
    golden = (SNAPSHOTS / BUNDLED_RULE.stem / "splunk.spl").read_text(encoding="utf-8")
    assert str(query) + "\n" == 'index="sysmon" ' + golden


def test_pipelines_are_functions_returning_named_pipelines() -> None:
    import inspect

    found = plugin_pipelines()
    assert {f"certutil_{target}" for target in TARGETS} <= set(found)
    assert "certutil_splunk_addon" in found and "certutil_ecs" in found
    for name, make in found.items():
        assert inspect.isfunction(make), name  # pySigma's discovery takes functions
        assert make().name, name  # sigma list pipelines prints it


@pytest.fixture(scope="module")
def plugin_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment on this Python's packages (pySigma, the backends, sigma-cli)
    with this package installed from its wheel, as a user installs it."""
    try:
        import sigma.cli  # noqa: F401
    except ImportError:
        require_engine("sigma-cli is not installed (pip install 'sigma-certutil[test]')")
    folder = tmp_path_factory.mktemp("plugins")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(folder), str(ROOT)],
        check=True, capture_output=True,
    )  # fmt: skip
    [wheel] = folder.glob("sigma_certutil-*.whl")
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", str(folder / "venv")],
        check=True, capture_output=True,
    )  # fmt: skip
    python = folder / "venv" / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    return python


def _sigma(python: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the installed package
    return subprocess.run(
        [str(python), "-c", "from sigma.cli.main import main; main()", *args],
        capture_output=True, text=True, check=False, env=env, timeout=120,
    )  # fmt: skip


def test_sigma_cli_lists_the_targets_and_pipelines(plugin_python: Path) -> None:
    targets = _sigma(plugin_python, "list", "targets")
    assert targets.returncode == 0, targets.stderr
    for target in TARGETS:
        assert f"| certutil_{target} " in targets.stdout
    pipelines = _sigma(plugin_python, "list", "pipelines")
    assert pipelines.returncode == 0, pipelines.stderr
    assert "| certutil_kusto " in pipelines.stdout and "| certutil_ecs " in pipelines.stdout


def test_sigma_convert_gives_the_query_sigma_certutil_gives(plugin_python: Path) -> None:
    for target in TARGETS:
        ours = subprocess.run(
            [str(plugin_python), "-m", "sigma_certutil", "convert", str(BUNDLED_RULE),
             "-t", target],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        theirs = _sigma(plugin_python, "convert", "-t", f"certutil_{target}", str(BUNDLED_RULE))
        assert theirs.returncode == 0, theirs.stderr
        assert theirs.stdout.removeprefix("Parsing Sigma rules\n") == ours.stdout, target
