"""The Sigma reference: the rule itself on the raw Windows event fields, with pySigma's SQLite
backend and Python's sqlite3. No target mapping is involved, so it says what the rule means.

The rule's log source becomes conditions on the event's own parts, as Sigma's taxonomy
defines them (SigmaHQ/sigma-specification, the taxonomy appendix's Windows table): a Sysmon
category its EventID (pySigma's Sysmon pipeline) and the Sysmon channel, a ``service`` its
channel (pySigma's ``windows_logsource_mapping``, the same table), a ``ps_*`` category its
channel and EventID. A Windows log source the taxonomy gives no channel is refused: without
it the reference would match events of every channel.

The table has a column for EventID, Channel and Provider_Name (the event's System part, as
Sigma rules name them) and for every field the rule names: a field an event lacks is NULL
there, which matches nothing (as in every engine). A rule's field matches an EventData name
with spaces written without them or with underscores. ``Data``, the field Sigma's classic
PowerShell rules search, is the event's unnamed data (param1, param2, ...) joined by line
breaks when the event has no field of that name.
"""

from __future__ import annotations

import copy
import functools
import re
import sqlite3
from collections.abc import Sequence
from typing import Any, ClassVar

from sigma.conditions import ConditionFieldEqualsValueExpression, ConditionNOT
from sigma.conversion.base import Backend
from sigma.conversion.deferred import DeferredQueryExpression
from sigma.conversion.state import ConversionState
from sigma.exceptions import SigmaError
from sigma.pipelines.common import windows_logsource_mapping
from sigma.pipelines.sysmon.sysmon import sysmon_pipeline
from sigma.processing.conditions import LogsourceCondition
from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
from sigma.processing.transformations import AddConditionTransformation
from sigma.rule import SigmaDetection, SigmaRule
from sigma.types import SigmaFieldReference, SigmaString, SpecialChars

from sigma_certutil.conversion.single import refusal
from sigma_certutil.errors import MissingDependencyError
from sigma_certutil.verify.events import WindowsEvent

INSTALL = "pip install 'sigma-certutil[verify]'"
TARGET = "sigma reference"


def reference_unavailable() -> MissingDependencyError | None:
    """The error to raise when the reference cannot run here (pySigma's SQLite backend is an
    optional dependency, sigma-certutil[verify]), or None when it can."""
    try:
        import sigma.backends.sqlite.sqlite  # noqa: F401
    except ImportError as error:
        missing = "pySigma's SQLite backend (sigma.backends.sqlite)"
        if error.name and not error.name.startswith("sigma.backends.sqlite"):
            missing = f"{error.name} (for pySigma's SQLite backend)"
        return MissingDependencyError(missing, "verify's Sigma reference", INSTALL)
    return None


def _regexp(pattern: str, value: Any) -> bool:
    return value is not None and re.search(pattern, str(value)) is not None


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _fold(name: str) -> str:
    """SQLite compares identifiers ignoring the case of ASCII letters only."""
    return "".join(c.lower() if c.isascii() else c for c in name)


def rule_fields(processed: SigmaRule) -> list[str]:
    """The fields a processed rule names: its detection items' fields and field references
    (the Sysmon pipeline adds its EventID condition as a detection), in order, once each."""
    names: dict[str, None] = {}

    def walk(detection: SigmaDetection) -> None:
        for item in detection.detection_items:
            if isinstance(item, SigmaDetection):
                walk(item)
                continue
            if item.field is not None:
                names[item.field] = None
            for value in item.value:
                if isinstance(value, SigmaFieldReference):
                    names[value.field] = None

    for detection in processed.detection.detections.values():
        walk(detection)
    return list(names)


@functools.cache
def _backend() -> type[Backend]:
    """pySigma's SQLite backend, negating as Sigma does when a field is absent."""
    from sigma.backends.sqlite.sqlite import sqliteBackend

    class ReferenceBackend(sqliteBackend):
        """A comparison with an absent field (NULL) is NULL, and NOT NULL is NULL again, which
        would not match; in Sigma, a selection that does not match an event makes ``not
        selection`` match it. So NOT reads NULL as false first (AND and OR already give the
        same as with false, once WHERE reads NULL as false).

        A YAML boolean (``Initiated: true``) is the text Sysmon writes for its boolean fields,
        "true" or "false" (OTRF/OSSEM data_dictionaries/windows/sysmon/events/event-3.md);
        SQLite's true is the number 1, which no text equals.

        |fieldref with startswith, endswith or contains: the stock backend writes
        ``a LIKE b || '%' ESCAPE '\\'``, which reads the other field's value as a pattern (a
        Windows path's backslashes escape the next letter, ``%`` and ``_`` are wildcards);
        compared here as text: the prefix, suffix or part of the same length (``=`` and instr
        on lowercased text, SQLite's core functions substr, length, instr, lower)."""

        bool_values: ClassVar[dict[bool, str]] = {True: "'true'", False: "'false'"}

        field_equals_field_startswith_expression = (
            "substr(lower({field1}), 1, length({field2})) = lower({field2})"
        )
        field_equals_field_endswith_expression = (
            "(length({field1}) >= length({field2})"
            " AND substr(lower({field1}), -length({field2})) = lower({field2}))"
        )
        field_equals_field_contains_expression = "instr(lower({field1}), lower({field2})) > 0"

        def convert_condition_field_eq_val_str_case_sensitive(
            self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
        ) -> str | DeferredQueryExpression:
            """|cased: GLOB, whose only escape for a literal * or ? is a bracket ([*]); the
            stock backend wrote Sigma's \\* as \\*, which GLOB reads as a backslash and a
            wildcard (SQLite, "The GLOB operator", lang_expr.html)."""
            assert isinstance(cond.value, SigmaString)
            glob = []
            for part in cond.value.s:
                if isinstance(part, str):
                    glob.append(re.sub(r"([*?\[])", r"[\1]", part))
                else:
                    glob.append("*" if part == SpecialChars.WILDCARD_MULTI else "?")
            quoted = "".join(glob).replace("'", "''")
            return f"{self.escape_and_quote_field(cond.field)} GLOB '{quoted}'"

        def convert_condition_not(
            self, cond: ConditionNOT, state: ConversionState
        ) -> str | DeferredQueryExpression | None:
            converted = super().convert_condition_not(cond, state)
            prefix = self.not_token + self.token_separator
            if isinstance(converted, str) and converted.startswith(prefix):
                return f"{prefix}COALESCE(({converted[len(prefix) :]}), 0)"
            return converted

    return ReferenceBackend


def _channels(service: str) -> str | list[str]:
    channel = windows_logsource_mapping[service]
    return channel if isinstance(channel, str) else list(channel)


_PS_OPERATIONAL = _channels("powershell")
_PS_CLASSIC = _channels("powershell-classic")
# SigmaHQ/sigma-specification, the taxonomy appendix: the PowerShell categories.
POWERSHELL_CATEGORIES: dict[str, tuple[str | list[str], int]] = {
    "ps_module": (_PS_OPERATIONAL, 4103),
    "ps_script": (_PS_OPERATIONAL, 4104),
    "ps_classic_start": (_PS_CLASSIC, 400),
    "ps_classic_provider_start": (_PS_CLASSIC, 600),
    "ps_classic_script": (_PS_CLASSIC, 800),
}
SYSTEM_FIELDS = ("EventID", "Channel", "Provider_Name")


@functools.cache
def _logsource_pipeline() -> ProcessingPipeline:
    """Sysmon categories to their EventID (pySigma's Sysmon pipeline, which also names the
    service "sysmon"), then each service and PowerShell category to its channel."""
    items = [
        ProcessingItem(
            identifier=f"reference_{category}",
            transformation=AddConditionTransformation({"Channel": channel, "EventID": event_id}),
            rule_conditions=[LogsourceCondition(category=category, product="windows")],
        )
        for category, (channel, event_id) in POWERSHELL_CATEGORIES.items()
    ] + [
        ProcessingItem(
            identifier=f"reference_{service}",
            transformation=AddConditionTransformation({"Channel": _channels(service)}),
            rule_conditions=[LogsourceCondition(service=service, product="windows")],
        )
        for service in windows_logsource_mapping
    ]
    pipeline: ProcessingPipeline = sysmon_pipeline() + ProcessingPipeline(
        name="Sigma taxonomy: Windows log sources to channels", priority=20, items=items
    )
    return pipeline


def reference_query(rule: SigmaRule) -> tuple[str, list[str]]:
    """The rule's SQLite query and the fields it names; ConversionError when the SQLite
    backend cannot express the rule or its Windows log source has no channel."""
    # Processing rewrites the rule it is applied to: convert a copy.
    processed = copy.deepcopy(rule)
    try:
        queries = _backend()(_logsource_pipeline()).convert_rule(processed)
    except (SigmaError, NotImplementedError) as error:
        raise refusal(rule, TARGET, error) from error
    logsource = rule.logsource
    if logsource.product == "windows" and "Channel" not in rule_fields(processed):
        where = logsource.service or logsource.category or "no category or service"
        raise refusal(
            rule,
            TARGET,
            ValueError(f"Sigma's taxonomy names no Windows event channel for log source {where}"),
        )
    if len(queries) != 1:
        raise refusal(rule, TARGET, ValueError(f"{len(queries)} queries, expected one"))
    return str(queries[0]), rule_fields(processed)


def event_field(event: WindowsEvent, name: str) -> Any:
    """The value the reference reads for a field a rule names: the event's System part for
    EventID, Channel and Provider_Name, its EventData otherwise."""
    if name == "EventID":
        return event.event_id
    if name == "Channel":
        return event.channel
    if name == "Provider_Name":
        return event.provider or None
    if name == "Data" and "Data" not in event.event:
        unnamed = [str(v) for k, v in sorted(_params(event.event))]
        return "\n".join(unnamed) if unnamed else None
    if name in event.event:
        return event.event[name]
    # Sigma writes a name with spaces without them or with _ for each ("Process Name" is
    # ProcessName in SigmaHQ's Defender rules, "Feature Name" Feature_Name).
    for key, value in event.event.items():
        if " " in key and name in (key.replace(" ", ""), key.replace(" ", "_")):
            return value
    return None


def reference_matches(rule: SigmaRule, events: Sequence[WindowsEvent]) -> set[int]:
    """Indices of the events the rule matches. Text compares without case (COLLATE NOCASE),
    as Sigma does; ``|re`` stays a case-sensitive search. A number compares with a number
    whether either side is written as text or not (NUMERIC affinity: Sysmon writes "443",
    JSON exports 443; a rule says 443 or '443'), text that is not a number as text."""
    query, fields = reference_query(rule)
    columns: dict[str, str] = {"eventid": "EventID"}  # folded name -> the field read
    for name in fields:
        columns.setdefault(_fold(name), name)
    row_column = "#row"
    while _fold(row_column) in columns:
        row_column += "#"
    others = [name for folded, name in columns.items() if folded != "eventid"]
    connection = sqlite3.connect(":memory:")
    try:
        connection.create_function("REGEXP", 2, _regexp, deterministic=True)
        definitions = ", ".join(
            [f"{_quote(row_column)} INTEGER", '"EventID" INTEGER']
            + [f"{_quote(name)} NUMERIC COLLATE NOCASE" for name in others]
        )
        connection.execute(f"CREATE TABLE events ({definitions})")
        marks = ", ".join("?" for _ in range(len(others) + 2))
        connection.executemany(
            f"INSERT INTO events VALUES ({marks})",
            (
                [index, event.event_id, *(_sql_value(event_field(event, n)) for n in others)]
                for index, event in enumerate(events)
            ),
        )
        sql = query.replace("<TABLE_NAME>", "events").replace(
            "SELECT *", f"SELECT {_quote(row_column)}", 1
        )
        return {row[0] for row in connection.execute(sql)}
    finally:
        connection.close()


def _sql_value(value: Any) -> Any:
    return value if isinstance(value, int | float | str) or value is None else str(value)


def _params(data: dict[str, Any]) -> list[tuple[int, Any]]:
    """(n, value) of the event's paramN fields, its unnamed data."""
    return [(int(k[5:]), v) for k, v in data.items() if k.startswith("param") and k[5:].isdigit()]
