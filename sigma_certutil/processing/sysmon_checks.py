"""Steps every target applies to a rule before any field is renamed: the strict field check
(the fields of the rule's Windows events: Sysmon's, or those of the channel its log source
reads) and Sysmon's boolean values."""

from __future__ import annotations

from dataclasses import dataclass, field

from sigma.exceptions import SigmaTransformationError
from sigma.processing.pipeline import ProcessingItem
from sigma.processing.transformations.base import (
    DetectionItemTransformation,
    ValueTransformation,
)
from sigma.rule import SigmaDetection, SigmaDetectionItem, SigmaRule
from sigma.types import (
    SigmaBool,
    SigmaString,
)

from sigma_certutil.windows import WindowsEvent, log_source, rule_events, system_fields

# Fields pySigma's Sysmon step adds itself.
_ADDED_FIELDS = frozenset({"EventID"})


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


def events_named(events: tuple[WindowsEvent, ...]) -> str:
    """The events as a message names them: "Sysmon Event ID 3 (Network connection)",
    "Security Event ID 4624 (An account was successfully logged on), Event ID 4625 (...)"."""
    by_channel: dict[str, list[WindowsEvent]] = {}
    for event in events:
        by_channel.setdefault(event.channel, []).append(event)
    parts = []
    for channel, listed in by_channel.items():
        label = "Sysmon" if listed[0].provider == "Microsoft-Windows-Sysmon" else channel
        if len(listed) > 6:
            parts.append(f"any {label} event of the catalog ({len(listed)} events)")
        else:
            parts.append(f"{label} " + ", ".join(f"Event ID {e.id} ({e.title})" for e in listed))
    return "; ".join(parts)


@dataclass
class SysmonFieldCheck(DetectionItemTransformation):
    """Refuses a field that the rule's Windows events do not have.

    The events are those the rule's log source reads (sigma_certutil/windows.py), narrowed to
    the ids its EventID names. Such a condition can never match in any target; refusing it
    names the mistake instead of emitting a query that silently finds nothing. Rules whose
    log source is not a Windows event log are left to the log-source step.
    """

    _allowed: frozenset[str] | None = field(init=False, default=None)
    _events: str = field(init=False, default="")

    def apply(self, rule: SigmaRule) -> None:  # type: ignore[override]
        source = log_source(rule.logsource)
        if source is None:
            return
        events = rule_events(rule, source)
        self._allowed = frozenset().union(*(e.fields for e in events)) | _ADDED_FIELDS
        self._allowed |= system_fields()
        self._events = events_named(events)
        if events:
            super().apply(rule)

    def apply_detection_item(
        self, detection_item: SigmaDetectionItem
    ) -> SigmaDetection | SigmaDetectionItem | None:
        name = detection_item.field
        if name is not None and self._allowed is not None and name not in self._allowed:
            raise SigmaTransformationError(
                f"field '{name}' is not a field of {self._events}", source=None
            )
        return None


def sysmon_rule_items() -> list[ProcessingItem]:
    """Checks and value types every target needs, before any field is renamed."""
    return [
        ProcessingItem(identifier="sysmon_field_check", transformation=SysmonFieldCheck()),
        ProcessingItem(
            identifier="sysmon_boolean_as_string", transformation=SysmonBooleanAsString()
        ),
    ]
