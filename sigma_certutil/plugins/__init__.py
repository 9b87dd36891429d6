"""This package's targets and pipelines as pySigma plugins, for sigma-cli and any program
that discovers plugins as pySigma 1.5 does (sigma/plugins.py: InstalledSigmaPlugins scans
the ``sigma.backends`` and ``sigma.pipelines`` namespace packages, takes every Backend class
of a backend module, by its ``identifier``, and a pipeline module's ``pipelines`` mapping of
names to functions that return a ProcessingPipeline).

The wheel installs ``backends_namespace.py`` as ``sigma/backends/certutil/__init__.py`` and
``pipelines_namespace.py`` as ``sigma/pipelines/certutil/__init__.py`` (pyproject.toml,
``force-include``); both only call the functions here, so an editable install runs the
code of the working tree.

- Backends ``certutil_<target>``: the target's own backend class (with its corrections)
  and its whole stack of steps, so ``sigma convert -t certutil_kusto rule.yml`` needs no
  ``-p`` and gives what ``sigma-certutil convert -t kusto`` gives; a ``-p`` pipeline joins
  the steps by its priority, as ``-p`` does here.
- Pipelines ``certutil_<target>`` (the target's stack, for a stock backend) and
  ``certutil_<step>`` (each step of processing/registry.py on its own).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sigma.processing.pipeline import ProcessingPipeline

PREFIX = "certutil_"


def plugin_backends() -> dict[str, type]:
    """One Backend subclass per target, by the name the module gives it."""
    from sigma_certutil.targets import TARGETS

    return {_class_name(target_id): _backend(target_id) for target_id in TARGETS}


def _title(language: str, store: str) -> str:
    """What sigma-cli lists as the target's query language."""
    return f"sigma-certutil: {language}" + ("" if store in language else f" ({store})")


def _class_name(target_id: str) -> str:
    return f"Certutil{target_id.capitalize()}PluginBackend"


def _backend(target_id: str) -> type:
    from sigma_certutil.processing.registry import target_pipeline
    from sigma_certutil.targets import TARGETS

    target = TARGETS[target_id]
    base: Any = target.backend.load()

    def __init__(
        self: Any,
        processing_pipeline: ProcessingPipeline | None = None,
        collect_errors: bool = False,
        **options: Any,
    ) -> None:
        extra = [processing_pipeline] if processing_pipeline else []
        base.__init__(
            self,
            processing_pipeline=target_pipeline(TARGETS[target_id], extra),
            collect_errors=collect_errors,
            **options,
        )

    return type(
        _class_name(target_id),
        (base,),
        {
            "__init__": __init__,
            "__module__": "sigma.backends.certutil",
            "__doc__": f"sigma-certutil's {target_id}: {target.language}, {target.store.name}",
            "identifier": PREFIX + target_id,
            "name": _title(target.language, target.store.name),
            "requires_pipeline": False,
        },
    )


def plugin_pipelines() -> dict[str, Callable[[], ProcessingPipeline]]:
    """Each target's stack and each step, by name (functions, as pySigma discovers them)."""
    from sigma_certutil.processing.registry import STEPS
    from sigma_certutil.targets import TARGETS

    found: dict[str, Callable[[], ProcessingPipeline]] = {}
    for target_id in TARGETS:
        found[PREFIX + target_id] = _stack(target_id)
    for name in STEPS:
        found.setdefault(PREFIX + name, _step(name))
    return found


def _stack(target_id: str) -> Callable[[], ProcessingPipeline]:
    def pipeline() -> ProcessingPipeline:
        from sigma_certutil.processing.registry import target_pipeline
        from sigma_certutil.targets import TARGETS

        combined = target_pipeline(TARGETS[target_id])
        combined.name = f"sigma-certutil: every step of the {target_id} target"
        return combined

    return pipeline


def _step(name: str) -> Callable[[], ProcessingPipeline]:
    def pipeline() -> ProcessingPipeline:
        from sigma_certutil.processing.registry import STEPS

        built = STEPS[name].build()
        built.name = built.name or STEPS[name].title or name
        return built

    return pipeline
