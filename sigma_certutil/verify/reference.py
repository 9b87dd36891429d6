"""The Sigma reference: the rule itself on the raw Sysmon fields, with pySigma's SQLite
backend and Python's sqlite3. No target mapping is involved, so it says what the rule means.

The table has a column for EventID and for every field the rule names after the Sysmon
pipeline: a field an event lacks is NULL there, which matches nothing (as in every engine).
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
from sigma.pipelines.sysmon.sysmon import sysmon_pipeline
from sigma.rule import SigmaDetection, SigmaRule
from sigma.types import SigmaFieldReference, SigmaString, SpecialChars

from sigma_certutil.conversion.single import refusal
from sigma_certutil.errors import MissingDependencyError
from sigma_certutil.verify.events import SysmonEvent

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


def reference_query(rule: SigmaRule) -> tuple[str, list[str]]:
    """The rule's SQLite query and the fields it names; ConversionError when the SQLite
    backend cannot express the rule."""
    # Processing rewrites the rule it is applied to: convert a copy.
    processed = copy.deepcopy(rule)
    try:
        queries = _backend()(sysmon_pipeline()).convert_rule(processed)
    except (SigmaError, NotImplementedError) as error:
        raise refusal(rule, TARGET, error) from error
    if len(queries) != 1:
        raise refusal(rule, TARGET, ValueError(f"{len(queries)} queries, expected one"))
    return str(queries[0]), rule_fields(processed)


def reference_matches(rule: SigmaRule, events: Sequence[SysmonEvent]) -> set[int]:
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
                [index, event.event_id, *(_sql_value(event.event.get(n)) for n in others)]
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
