"""The field_name check: each field a rule's detection names is one its log source's events
have. A rule is looked up in each table of FIELD_TABLES in turn; one no table knows is not
checked.

A table is a function from a rule to the events it selects and their fields: ``windows_fields``
reads the Windows log-source catalog (sigma_certutil/windows.py: Sysmon and every other
channel of SigmaHQ's rules), narrowed to the event ids the rule's EventID names, as the
conversion's strict field check is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sigma.rule import SigmaDetection, SigmaDetectionItem, SigmaRule

from sigma_certutil.lint.findings import Finding
from sigma_certutil.strict_yaml import KeyPath

# Fields pySigma's Sysmon log-source step adds (a rule may name them too).
_ADDED = frozenset({"EventID"})
# More events than a message lists one by one.
_LISTED = 4


@dataclass(frozen=True)
class EventFields:
    """The events a log source selects, as the message names them, and their fields."""

    events: str
    fields: frozenset[str]


def windows_fields(rule: SigmaRule) -> EventFields | None:
    """The catalog's events for the rule's Windows log source and EventID, with the System
    fields every event has; None for a log source the catalog does not hold."""
    from sigma_certutil.processing.sysmon_checks import events_named
    from sigma_certutil.windows import log_source, rule_events, system_fields

    source = log_source(rule.logsource)
    if source is None:
        return None
    events = rule_events(rule, source)
    if not events:
        return None
    fields = frozenset().union(*(e.fields | e.user_data for e in events))
    if len(events) > _LISTED:
        named = f"any of the {len(events)} {source.channel} events the rule selects"
    else:
        named = events_named(events)
    return EventFields(named, fields | system_fields() | _ADDED)


FieldTable = Callable[[SigmaRule], EventFields | None]
FIELD_TABLES: tuple[FieldTable, ...] = (windows_fields,)


def field_findings(
    source: str,
    rule: SigmaRule,
    lines: dict[KeyPath, int],
    tables: tuple[FieldTable, ...] = FIELD_TABLES,
) -> Iterator[Finding]:
    known = next((found for table in tables if (found := table(rule))), None)
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
