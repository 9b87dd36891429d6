"""The Sigma reference: the rule itself on the raw Sysmon fields, with pySigma's SQLite
backend and Python's sqlite3. No target mapping is involved, so it says what the rule means."""

from __future__ import annotations

import copy
import re
import sqlite3
from typing import Any

from sigma.pipelines.sysmon.sysmon import sysmon_pipeline
from sigma.rule import SigmaRule

from sigma_certutil.verify.events import SysmonEvent


def _regexp(pattern: str, value: Any) -> bool:
    return value is not None and re.search(pattern, str(value)) is not None


def reference_matches(rule: SigmaRule, events: list[SysmonEvent]) -> set[int]:
    """Indices of the events the rule matches. Text columns compare without case
    (COLLATE NOCASE), as Sigma does; ``|re`` stays a case-sensitive search."""
    # An optional dependency (sigma-certutil[verify]): imported on use.
    from sigma.backends.sqlite.sqlite import sqliteBackend

    # Processing rewrites the rule it is applied to: convert a copy.
    [query] = sqliteBackend(sysmon_pipeline()).convert_rule(copy.deepcopy(rule))
    columns = sorted({"EventID", *(name for event in events for name in event.event)})
    connection = sqlite3.connect(":memory:")
    connection.create_function("REGEXP", 2, _regexp, deterministic=True)
    definitions = ", ".join(
        f'"{name}" {"INTEGER" if name == "EventID" else "COLLATE NOCASE"}' for name in columns
    )
    connection.execute(f"CREATE TABLE events (_row INTEGER, {definitions})")
    for index, event in enumerate(events):
        row = {"EventID": event.event_id, **event.event}
        names = ", ".join(f'"{name}"' for name in row)
        marks = ", ".join("?" for _ in row)
        connection.execute(
            f"INSERT INTO events (_row, {names}) VALUES (?, {marks})",
            [index, *(_sql_value(v) for v in row.values())],
        )
    sql = str(query).replace("<TABLE_NAME>", "events").replace("SELECT *", "SELECT _row", 1)
    return {row[0] for row in connection.execute(sql)}


def _sql_value(value: Any) -> Any:
    return value if isinstance(value, int | float | str) or value is None else str(value)
