"""Load the YAML processing pipelines and compose them for a target."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from sigma.pipelines.sysmon.sysmon import sysmon_pipeline
from sigma.processing.pipeline import ProcessingPipeline

from sigma_certutil.targets import Target
from sigma_certutil.transformations import PYTHON_STEPS, sysmon_rule_pipeline


def pipeline_dir() -> Traversable:
    """The pipelines folder: inside the installed package, else the source tree's own.

    A wheel carries pipelines/ as sigma_certutil/pipelines; an editable install or a source
    checkout finds them beside the package.
    """
    packaged = files("sigma_certutil") / "pipelines"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "pipelines"


def load_pipeline(name: str) -> ProcessingPipeline:
    """One pipeline, built fresh (pipelines keep per-conversion state): a YAML file under
    pipelines/, or a Python step of sigma_certutil.transformations.PYTHON_STEPS."""
    if not name.endswith(".yml"):
        return PYTHON_STEPS[name]()
    return ProcessingPipeline.from_yaml((pipeline_dir() / name).read_text(encoding="utf-8"))


def target_pipeline(target: Target) -> ProcessingPipeline:
    """pysigma-pipeline-sysmon and Sysmon's value types, then the target's files, by priority."""
    sysmon: ProcessingPipeline = sysmon_pipeline()
    steps = [sysmon, sysmon_rule_pipeline(), *(load_pipeline(name) for name in target.pipelines)]
    steps.sort(key=lambda pipeline: pipeline.priority)
    combined = steps[0]
    for step in steps[1:]:
        combined = combined + step
    return combined
