"""Pipeline state that names where a store keeps the events, for backends that write it."""

from __future__ import annotations

from sigma.processing.pipeline import ProcessingItem
from sigma.processing.transformations import SetStateTransformation

from sigma_certutil.stores import ECS


def ecs_index_items() -> list[ProcessingItem]:
    """The ECS index patterns, for the esql backend's FROM command (lucene and eql leave the
    index to the caller)."""
    return [
        ProcessingItem(
            identifier="ecs_index",
            transformation=SetStateTransformation("index", ", ".join(ECS.indices)),
        )
    ]
