"""The one registry of processing steps, and a target's stack resolved from it.

A step is a pySigma ProcessingPipeline with a name: a YAML file under pipelines/ (its
``priority:`` is the file's own, so the file also works alone with sigma-cli), a Python step of
this package (its priority is written here), or pysigma-pipeline-sysmon. A target's row names
its steps in the order they apply; ``target_steps`` puts them, and a user's own pipelines, in
priority order (a test checks that the row's order is that order).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from sigma_certutil.errors import PipelineError
from sigma_certutil.limits import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:
    from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline

    from sigma_certutil.targets import Target

# pySigma and the steps built on it are imported where a pipeline is built: a build that
# converts nothing (only pipeline_dir() for the versions) needs neither.


def pipeline_dir() -> Path:
    """The pipelines folder: inside the installed package, else the source tree's own.

    A wheel carries pipelines/ as sigma_certutil/pipelines; an editable install or a source
    checkout finds them beside the package. (A plain path, not importlib.resources: the
    package is installed as files, and its readers cost a no-change rebuild 9 ms to import.)
    """
    package = Path(__file__).resolve().parent.parent
    packaged = package / "pipelines"
    return packaged if packaged.is_dir() else package.parent / "pipelines"


@cache
def _definition(name: str) -> dict[str, Any]:
    """A pipeline file's parsed YAML. Parsing is most of a conversion's time, and the files are
    part of the installed package, so each is read once per process (and copied per use)."""
    import yaml

    text = (pipeline_dir() / name).read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    definition: dict[str, Any] = yaml.load(text, Loader=loader)
    return definition


def _yaml_step(name: str) -> ProcessingPipeline:
    from sigma.processing.pipeline import ProcessingPipeline

    from sigma_certutil.processing.regex import without_recompiles

    return without_recompiles(ProcessingPipeline.from_dict(copy.deepcopy(_definition(name))))


def _sysmon_step() -> ProcessingPipeline:
    from sigma.pipelines.sysmon.sysmon import sysmon_pipeline

    pipeline: ProcessingPipeline = sysmon_pipeline()
    return pipeline


@dataclass(frozen=True)
class Step:
    """A named processing step: a pipeline file under pipelines/ (``file``), a Python step
    (``function`` of sigma_certutil.processing.``module``, returning its items, with its
    ``title`` and ``priority`` here), or, with neither, pysigma-pipeline-sysmon."""

    name: str
    file: str = ""
    module: str = ""
    function: str = ""
    title: str = ""
    own_priority: int | None = None

    def build(self) -> ProcessingPipeline:
        """A fresh pipeline (pipelines keep per-conversion state)."""
        if self.file:
            return _yaml_step(self.file)
        if not self.module:
            return _sysmon_step()
        from importlib import import_module

        from sigma.processing.pipeline import ProcessingPipeline

        items: Callable[[], list[ProcessingItem]] = getattr(
            import_module(f"sigma_certutil.processing.{self.module}"), self.function
        )
        assert self.own_priority is not None
        return ProcessingPipeline(name=self.title, priority=self.own_priority, items=items())

    @property
    def priority(self) -> int:
        if self.own_priority is not None:
            return self.own_priority
        if self.file:
            return int(_definition(self.file).get("priority", 0))
        return int(self.build().priority)

    @property
    def source(self) -> str:
        """Where the step is defined."""
        if self.file:
            return f"pipelines/{self.file}"
        if self.module:
            return f"sigma_certutil/processing/{self.module}.py"
        return "pysigma-pipeline-sysmon"


def _python(name: str, priority: int, title: str, reference: str) -> Step:
    module, _, function = reference.partition(":")
    return Step(name, module=module, function=function, title=title, own_priority=priority)


STEPS: Mapping[str, Step] = MappingProxyType(
    {
        step.name: step
        for step in (
            # Priority 10: each generic Windows category as its Sysmon event id.
            Step("pysigma_sysmon"),
            _python(
                "sysmon_rule",
                12,
                "Sysmon fields and value types",
                "sysmon_checks:sysmon_rule_items",
            ),
            _python(
                "windows_logsource",
                15,
                "Windows event logs of the catalog only",
                "windows_logs:windows_logsource_items",
            ),
            _python(
                "xdr_windows_channels",
                15,
                "Windows event log channels Defender XDR does not store",
                "windows_logs:xdr_channel_items",
            ),
            _python(
                "ecs_windows_channels",
                18,
                "Windows event log channels in Elastic Common Schema",
                "windows_ecs:ecs_channel_items",
            ),
            _python(
                "splunk_windows_channels",
                18,
                "Windows event log channels as the Splunk add-on stores them",
                "windows_logs:splunk_channel_items",
            ),
            _python(
                "ecs_registry_data",
                19,
                "Registry numbers as the ECS ingest stores them",
                "registry_values:ecs_registry_items",
            ),
            _python(
                "xdr_registry_data",
                19,
                "Registry numbers as Defender XDR stores them",
                "registry_values:xdr_registry_items",
            ),
            _python(
                "ecs_user",
                19,
                "Sysmon User as the ECS ingest splits it",
                "user_split:ecs_user_items",
            ),
            _python(
                "xdr_user", 19, "Sysmon User as Defender XDR splits it", "user_split:xdr_user_items"
            ),
            Step("splunk_addon", file="splunk_addon.yml"),
            Step("ecs", file="ecs.yml"),
            Step("defender_xdr", file="defender_xdr.yml"),
            _python("ecs_index", 20, "Where ECS events are", "index_state:ecs_index_items"),
            _python(
                "elastic_regex",
                25,
                "Sigma regular expressions as Lucene regular expressions",
                "regex:elastic_regex_items",
            ),
            Step("elastic_caseless", file="elastic_caseless.yml"),
        )
    }
)


# Pipelines shipped in pipelines/ for use with -p (each file says what it is for); a bare
# name that is not a file in the working folder names the bundled one.
BUNDLED_PIPELINES = ("security_4688.yml",)


def pipeline_path(path: str | Path) -> Path:
    """Where a ``-p`` pipeline is: the path as given, or, for the bare name of a bundled
    pipeline that is no file here, the bundled file."""
    given = Path(path)
    if str(path) in BUNDLED_PIPELINES and not given.exists():
        return pipeline_dir() / str(path)
    return given


def user_pipeline(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> ProcessingPipeline:
    """A user's own pipeline file (index names, field overrides, extra conditions), or a
    bundled one by name (BUNDLED_PIPELINES): a regular file within ``limits.rule_bytes``, its
    YAML read strictly and within the limits."""
    import yaml
    from sigma.exceptions import SigmaError
    from sigma.processing.pipeline import ProcessingPipeline

    from sigma_certutil.files import read_input
    from sigma_certutil.rule_lines import PYSIGMA_FAILURES
    from sigma_certutil.strict_yaml import YamlProblem, load_documents

    source = pipeline_path(path)
    try:
        raw = read_input(source, PipelineError, limits.rule_bytes)
    except PipelineError as error:
        raise PipelineError(f"cannot read pipeline: {error.message}", source) from error
    try:
        documents = load_documents(raw.decode("utf-8"), limits)
    except UnicodeDecodeError as error:
        raise PipelineError("invalid pipeline: not a text file (invalid UTF-8)", source) from error
    except YamlProblem as error:
        raise PipelineError(f"invalid pipeline: {error.problem}", source, error.line) from error
    except yaml.YAMLError as error:
        raise PipelineError(f"invalid pipeline: {error}", source) from error
    if len(documents) != 1 or not isinstance(documents[0].value, dict):
        raise PipelineError("invalid pipeline: expected one YAML mapping", source)
    try:
        return ProcessingPipeline.from_dict(documents[0].value)
    except PYSIGMA_FAILURES as error:
        detail = str(error) if isinstance(error, SigmaError) else f"{type(error).__name__}: {error}"
        raise PipelineError(f"invalid pipeline: {detail}", source) from error


def target_steps(
    target: Target, extra: Sequence[ProcessingPipeline] = ()
) -> list[tuple[str, ProcessingPipeline]]:
    """The target's steps, each built fresh and named, in the order they apply, with the
    user's own pipelines among them by priority (one of priority 15 runs before the target's
    field mapping at 20, one of 40 after it; equal priorities keep the project's first)."""
    steps = [
        *((name, STEPS[name].build()) for name in target.steps),
        *((f"own pipeline {number}", pipeline) for number, pipeline in enumerate(extra, 1)),
    ]
    steps.sort(key=lambda step: step[1].priority)
    return steps


@dataclass(frozen=True)
class ResolvedStep:
    """One step of a target's resolved stack, as ``sigma-certutil targets --steps`` shows it."""

    name: str
    priority: int
    source: str


def resolved_steps(target: Target, own: Sequence[str | Path] = ()) -> list[ResolvedStep]:
    """The target's stack in the order it applies, with the user's own pipeline files."""
    paths = [str(path) for path in own]
    steps = target_steps(target, [user_pipeline(path) for path in paths])
    sources = {f"own pipeline {number}": path for number, path in enumerate(paths, 1)}
    return [
        ResolvedStep(
            name, pipeline.priority, STEPS[name].source if name in STEPS else sources[name]
        )
        for name, pipeline in steps
    ]


def target_pipeline(target: Target, extra: Sequence[ProcessingPipeline] = ()) -> ProcessingPipeline:
    """The target's steps (target_steps) as one pipeline."""
    steps = [pipeline for _, pipeline in target_steps(target, extra)]
    combined = steps[0]
    for step in steps[1:]:
        combined = combined + step
    return combined
