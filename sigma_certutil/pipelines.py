"""Load the YAML processing pipelines and compose them for a target."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sigma_certutil.errors import RuleError

if TYPE_CHECKING:
    from sigma.processing.pipeline import ProcessingPipeline

    from sigma_certutil.targets import Target

# pySigma and the steps built on it are imported where a pipeline is built: a build that
# converts nothing (only pipeline_dir() for the versions) needs neither.


def pipeline_dir() -> Path:
    """The pipelines folder: inside the installed package, else the source tree's own.

    A wheel carries pipelines/ as sigma_certutil/pipelines; an editable install or a source
    checkout finds them beside the package. (A plain path, not importlib.resources: the
    package is installed as files, and its readers cost a no-change rebuild 9 ms to import.)
    """
    package = Path(__file__).resolve().parent
    packaged = package / "pipelines"
    return packaged if packaged.is_dir() else package.parent / "pipelines"


@cache
def _definition(name: str) -> dict[str, Any]:
    """A pipeline file's parsed YAML. Parsing is most of a conversion's time, and the files are
    part of the installed package, so each is read once per process."""
    import yaml

    text = (pipeline_dir() / name).read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    definition: dict[str, Any] = yaml.load(text, Loader=loader)
    return definition


def load_pipeline(name: str) -> ProcessingPipeline:
    """One pipeline, built fresh (pipelines keep per-conversion state): a YAML file under
    pipelines/, or a Python step of sigma_certutil.transformations.PYTHON_STEPS."""
    from sigma.processing.pipeline import ProcessingPipeline

    from sigma_certutil.transformations import PYTHON_STEPS, without_recompiles

    if not name.endswith(".yml"):
        return PYTHON_STEPS[name]()
    return without_recompiles(ProcessingPipeline.from_dict(copy.deepcopy(_definition(name))))


def user_pipeline(path: str | Path) -> ProcessingPipeline:
    """A user's own pipeline file (index names, field overrides, extra conditions)."""
    import yaml
    from sigma.exceptions import SigmaError
    from sigma.processing.pipeline import ProcessingPipeline

    source = Path(path)
    try:
        return ProcessingPipeline.from_yaml(source.read_text(encoding="utf-8"))
    except OSError as error:
        raise RuleError(f"cannot read pipeline: {error.strerror}", source) from error
    except (SigmaError, yaml.YAMLError) as error:
        raise RuleError(f"invalid pipeline: {error}", source) from error


def target_steps(
    target: Target, extra: Sequence[ProcessingPipeline] = ()
) -> list[tuple[str, ProcessingPipeline]]:
    """The target's pipelines, each built fresh and named, in the order they apply:
    pysigma-pipeline-sysmon and Sysmon's value types, the target's files and the user's own
    pipelines, all by priority (a user pipeline of priority 15 runs before the target's field
    mapping at 20, one of 40 after it; equal priorities keep the project's first)."""
    from sigma.pipelines.sysmon.sysmon import sysmon_pipeline

    from sigma_certutil.transformations import sysmon_rule_pipeline

    sysmon: ProcessingPipeline = sysmon_pipeline()
    steps = [
        ("pysigma-pipeline-sysmon", sysmon),
        ("sysmon_rule", sysmon_rule_pipeline()),
        *((name, load_pipeline(name)) for name in target.pipelines),
        *((f"own pipeline {number}", pipeline) for number, pipeline in enumerate(extra, 1)),
    ]
    steps.sort(key=lambda step: step[1].priority)
    return steps


def target_pipeline(target: Target, extra: Sequence[ProcessingPipeline] = ()) -> ProcessingPipeline:
    """The target's steps (target_steps) as one pipeline."""
    steps = [pipeline for _, pipeline in target_steps(target, extra)]
    combined = steps[0]
    for step in steps[1:]:
        combined = combined + step
    return combined
