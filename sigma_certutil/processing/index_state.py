"""Pipeline state that names where a store keeps the events, for backends that write it."""

from __future__ import annotations

from dataclasses import dataclass

from sigma.processing.pipeline import ProcessingItem
from sigma.processing.transformations.base import PreprocessingTransformation
from sigma.rule import SigmaRule

from sigma_certutil.processing.windows_ecs import rule_indices


@dataclass
class EcsIndexState(PreprocessingTransformation):
    """The index patterns of the rule's channel (sigma_certutil/data/ecs_windows.yml), or
    Sysmon's, as the pipeline state ``index``."""

    def apply(self, rule: SigmaRule) -> None:  # type: ignore[override]
        super().apply(rule)
        if self._pipeline is not None:
            self._pipeline.state["index"] = ", ".join(rule_indices(rule))


def ecs_index_items() -> list[ProcessingItem]:
    """The ECS index patterns, for the esql backend's FROM command (lucene and eql leave the
    index to the caller)."""
    return [ProcessingItem(identifier="ecs_index", transformation=EcsIndexState())]
