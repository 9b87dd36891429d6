"""The engines that run each target's queries (the target row names its engine): one module
per engine, each with ``unavailable()`` and ``run(query, events, store)``, over events shaped
as the target's store keeps them."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import import_module
from types import ModuleType

from sigma_certutil.targets import Target, get_target
from sigma_certutil.verify.events import SysmonEvent


def _engine(target: Target) -> ModuleType | None:
    return import_module(target.engine.module) if target.engine is not None else None


def unavailable(target_id: str) -> str | None:
    """None when the target's engine can run here; otherwise why not (the target has no engine
    at all, see ``executable``, or its engine is not installed)."""
    target = get_target(target_id)
    engine = _engine(target)
    if engine is None:
        return target.not_executed or f"no engine for target {target.id}"
    reason: str | None = engine.unavailable()
    return reason


def executable(target_id: str) -> bool:
    """The target has an engine (installed here or not)."""
    return get_target(target_id).engine is not None


def run_target(target_id: str, query: str, events: Sequence[SysmonEvent]) -> set[int]:
    """Indices of the events the target's query matches on its engine."""
    target = get_target(target_id)
    engine = _engine(target)
    if engine is None:
        raise ValueError(f"no engine for target {target.id}: {target.not_executed}")
    hits: set[int] = engine.run(query, events, target.store)
    return hits
