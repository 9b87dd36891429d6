"""Where each field of a rule lands in a target, and which pipeline steps put it there."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sigma.rule import SigmaRule

from sigma_certutil.conversion.single import run_conversion
from sigma_certutil.rules import detection_items

if TYPE_CHECKING:
    from sigma.processing.pipeline import ProcessingPipeline


@dataclass(frozen=True)
class FieldRoute:
    """One Sysmon field of the rule: the target field(s) it became (empty when a step dropped
    it) and the identifiers of the processing steps that touched it, in name order."""

    field: str
    target_fields: tuple[str, ...]
    steps: tuple[str, ...]


def rule_fields(rule: SigmaRule) -> list[str]:
    """The fields the rule's detections name, in order of first appearance."""
    return list(dict.fromkeys(i.field for i in detection_items(rule) if i.field is not None))


def field_routes(
    rule: SigmaRule, target: str, pipelines: Sequence[ProcessingPipeline] = ()
) -> list[FieldRoute]:
    """Convert the rule for the target (with the user's ``pipelines``) and report every
    field's route (ConversionError when the rule cannot be converted: the message names the
    field at fault)."""
    conversion = run_conversion(rule, target, pipelines)
    steps_by_field: dict[str, set[str]] = {}
    for item in detection_items(conversion.processed):
        if item.field is not None:
            steps_by_field.setdefault(item.field, set()).update(item.applied_processing_items)
    routes = []
    for name in rule_fields(rule):
        mapped = conversion.pipeline.field_mappings.get(name, {name})
        present = sorted(t for t in mapped if t is not None and t in steps_by_field)
        steps = set().union(*(steps_by_field[t] for t in present)) if present else set()
        routes.append(FieldRoute(name, tuple(present), tuple(sorted(steps))))
    return routes
