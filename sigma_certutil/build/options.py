"""BuildOptions: what a build is asked for and what it converts with.

The manifest records them (``check`` rebuilds from them), the build state keeps a copy
(``to_json``), and a build compares them to decide what of the last build it may reuse.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sigma_certutil.limits import DEFAULT_LIMITS, LIMIT_NAMES, Limits
from sigma_certutil.targets import TARGETS
from sigma_certutil.versions import build_versions


@dataclass(frozen=True)
class BuildOptions:
    """A build's sources (paths as given), output folder, targets, user pipelines, whether a
    target's refusal is a skip rather than an error, whether deploy files are written, and the
    versions it converts with (this package, pySigma, the backends, digests of the pipelines).

    Two builds into one folder with equal options make the same files from the same rules.
    ``out`` is where the JSON form is kept, so it is not part of it."""

    sources: tuple[str, ...]
    out: Path
    targets: tuple[str, ...]
    pipelines: tuple[str, ...] = ()
    allow_unsupported: bool = False
    deploy: bool = False
    versions: Mapping[str, str] = field(default_factory=dict, hash=False)
    # What a rule may hold (the manifest records them only when they are not the defaults).
    limits: Limits = DEFAULT_LIMITS
    # Globs of rule files and folders left out, and whether a YAML file that is no rule is an
    # error (the manifest records them only when given).
    exclude: tuple[str, ...] = ()
    strict: bool = False

    @classmethod
    def create(
        cls,
        sources: Sequence[str | Path],
        out: str | Path,
        targets: Sequence[str] | None = None,
        pipelines: Sequence[str | Path] = (),
        *,
        allow_unsupported: bool = False,
        deploy: bool = False,
        limits: Limits = DEFAULT_LIMITS,
        exclude: Sequence[str] = (),
        strict: bool = False,
    ) -> BuildOptions:
        """The options of a build run now: every target when none is given, and the versions
        installed (which reads the pipeline files; an unknown target raises TargetError)."""
        target_ids = tuple(targets or TARGETS)
        return cls(
            sources=tuple(map(str, sources)),
            out=Path(out),
            targets=target_ids,
            pipelines=tuple(map(str, pipelines)),
            allow_unsupported=allow_unsupported,
            deploy=deploy,
            versions=build_versions(target_ids, pipelines),
            limits=limits,
            exclude=tuple(exclude),
            strict=strict,
        )

    def converts_as(self, other: BuildOptions) -> bool:
        """Whether each rule converts to the same queries under both: the same versions and
        targets (the user's pipelines count by their contents, in the versions), and the same
        limits (a rule over one is a failure the build keeps)."""
        return (
            dict(self.versions) == dict(other.versions)
            and self.targets == other.targets
            and self.limits == other.limits
        )

    def to_json(self) -> dict[str, Any]:
        """The options as the manifest lists them, in its order."""
        data: dict[str, Any] = {
            "versions": dict(self.versions),
            "sources": list(self.sources),
            "pipelines": list(self.pipelines),
            "targets": list(self.targets),
            "allow_unsupported": self.allow_unsupported,
        }
        if self.limits != DEFAULT_LIMITS:
            data["limits"] = {name: getattr(self.limits, name) for name in LIMIT_NAMES}
        if self.exclude:
            data["exclude"] = list(self.exclude)
        if self.strict:
            data["strict"] = True
        data["deploy"] = self.deploy
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any], out: str | Path) -> BuildOptions:
        """The options from ``to_json``'s object or a manifest (whose other keys are ignored;
        one written before ``deploy`` existed did not deploy). ValueError names a missing or
        mistyped key, an unknown target, a path with a NUL character and a pipeline that is
        not a .yml or .yaml file."""
        versions = data.get("versions")
        if not isinstance(versions, dict) or not all(
            isinstance(value, str) for value in versions.values()
        ):
            raise ValueError('"versions": not an object of strings')
        allow_unsupported, deploy = data.get("allow_unsupported"), data.get("deploy", False)
        if not isinstance(allow_unsupported, bool):
            raise ValueError('"allow_unsupported": not true or false')
        if not isinstance(deploy, bool):
            raise ValueError('"deploy": not true or false')
        targets, pipelines = _strings(data, "targets"), _paths(data, "pipelines")
        exclude = _strings(data, "exclude") if "exclude" in data else ()
        strict = data.get("strict", False)
        if not isinstance(strict, bool):
            raise ValueError('"strict": not true or false')
        for target in targets:
            if target not in TARGETS:
                raise ValueError(f'"targets": unknown target {_shown(target)}')
        for index, pipeline in enumerate(pipelines):
            if not pipeline.endswith((".yml", ".yaml")):
                raise ValueError(f'"pipelines"[{index}]: not a .yml or .yaml file')
        return cls(
            sources=_paths(data, "sources"),
            out=Path(out),
            targets=targets,
            pipelines=pipelines,
            allow_unsupported=allow_unsupported,
            deploy=deploy,
            versions=dict(versions),
            limits=_limits(data),
            exclude=exclude,
            strict=strict,
        )


def _limits(data: Mapping[str, Any]) -> Limits:
    """The recorded limits; the defaults when none are."""
    value = data.get("limits")
    if value is None:
        return DEFAULT_LIMITS
    if not isinstance(value, dict) or not set(value) <= set(LIMIT_NAMES):
        raise ValueError(f'"limits": not an object of {", ".join(LIMIT_NAMES)}')
    try:
        return Limits(**value)
    except ValueError as error:
        raise ValueError(f'"limits": {error}') from error


def _strings(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f'"{key}": not a list of strings')
    return tuple(value)


def _paths(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    paths = _strings(data, key)
    for index, path in enumerate(paths):
        if not path or "\0" in path:
            raise ValueError(f'"{key}"[{index}]: not a path (empty, or a NUL character)')
    return paths


def _shown(value: str) -> str:
    """A value of the manifest in a message: quoted, and cut short."""
    return repr(value if len(value) <= 40 else value[:40] + "...")
