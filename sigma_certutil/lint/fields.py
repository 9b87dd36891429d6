"""The field_name check: each field a rule's detection names is one its log source's events
have. A log source is looked up in each table of FIELD_TABLES in turn; one no table knows is
not checked.

A table is a function from a rule's log source to the events it selects and their fields:
``sysmon_fields`` reads Sysmon's own vocabulary (sigma_certutil/data/sysmon_events.yml, via
sigma_certutil/sysmon.py); a table of other Windows channels is one more function here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sigma.rule import SigmaDetection, SigmaDetectionItem, SigmaLogSource, SigmaRule

from sigma_certutil.lint.findings import Finding
from sigma_certutil.strict_yaml import KeyPath
from sigma_certutil.sysmon import category_events

# Fields pySigma's Sysmon log-source step adds (a rule may name them too).
_SYSMON_ADDED = frozenset({"EventID"})


@dataclass(frozen=True)
class EventFields:
    """The events a log source selects, as the message names them, and their fields."""

    events: str
    fields: frozenset[str]


def sysmon_fields(logsource: SigmaLogSource) -> EventFields | None:
    """Sysmon's events for a Windows category (pysigma-pipeline-sysmon's table); None for a
    log source Sysmon does not record (a ``service``, another product, an unknown category)."""
    if logsource.product != "windows" or logsource.service not in (None, "sysmon"):
        return None
    events = category_events(logsource.category)
    if not events:
        return None
    return EventFields(
        "Sysmon " + ", ".join(f"Event ID {e.id} ({e.title})" for e in events),
        frozenset().union(*(e.fields for e in events)) | _SYSMON_ADDED,
    )


FieldTable = Callable[[SigmaLogSource], EventFields | None]
FIELD_TABLES: tuple[FieldTable, ...] = (sysmon_fields,)


def field_findings(
    source: str,
    rule: SigmaRule,
    lines: dict[KeyPath, int],
    tables: tuple[FieldTable, ...] = FIELD_TABLES,
) -> Iterator[Finding]:
    known = next((found for table in tables if (found := table(rule.logsource))), None)
    if known is None:
        return
    reported: set[str] = set()
    for name, detection in rule.detection.detections.items():
        for field in _fields(detection):
            if field in known.fields or field in reported:
                continue
            reported.add(field)
            line = _field_line(lines, name, field)
            message = f"'{field}' is not a field of {known.events}"
            yield Finding(source, line, "field_name", message)


def _fields(detection: SigmaDetection) -> Iterator[str]:
    for item in detection.detection_items:
        if isinstance(item, SigmaDetection):
            yield from _fields(item)
        elif isinstance(item, SigmaDetectionItem) and item.field is not None:
            yield item.field


def _field_line(lines: dict[KeyPath, int], detection: str, field: str) -> int:
    """The line of the first key under the detection that names ``field`` (key paths hold
    keys as text: a detection named ``1`` is "1")."""
    where = ("detection", str(detection))
    for path, line in lines.items():
        if path[:2] != where or len(path) < 3:
            continue
        last = path[-1]
        if isinstance(last, str) and last.split("|")[0] == field:
            return line
    return lines.get(where, lines.get(("detection",), 1))
