"""Processing steps that pySigma's YAML transformation types cannot express."""

from __future__ import annotations

from dataclasses import dataclass

from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
from sigma.processing.transformations.base import ValueTransformation
from sigma.types import SigmaBool, SigmaString


@dataclass
class SysmonBooleanAsString(ValueTransformation):
    """A YAML boolean (``Initiated: true``) becomes the string Sysmon writes ("true").

    Sysmon renders its boolean fields (Initiated, SourceIsIpv6, DestinationIsIpv6) as the
    strings "true"/"false", and the value mappings downstream (egress, ActionType) match
    strings; without this step an unquoted ``true`` passes through as a boolean and the
    backends write ``network.direction:true`` or ``ActionType =~ true``.
    """

    # pySigma picks the values to transform from this annotation (SigmaBool only), hence the
    # narrower signature than the base class declares.
    def apply_value(self, field: str, val: SigmaBool) -> SigmaString:  # type: ignore[override]
        return SigmaString("true" if val.boolean else "false")


def sysmon_values_pipeline() -> ProcessingPipeline:
    return ProcessingPipeline(
        name="Sysmon value types",
        priority=12,
        items=[
            ProcessingItem(
                identifier="sysmon_boolean_as_string", transformation=SysmonBooleanAsString()
            )
        ],
    )
