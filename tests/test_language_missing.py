"""The language matrix, missing-value and typed-value rows: ``|exists``, ``null``, ``''``,
``not`` over fields an event may lack, ``|cidr`` (IPv4 and IPv6), ``|gt``/``|gte``/``|lt``/
``|lte``, numbers written as text and text fields compared with numbers, booleans.

One rule per cell row (tests/fixtures/language/missing/rules, pinned as golden files with
the other golden rules) and hand-written events (events.yml beside them). For every rule the
SQLite reference on the raw fields must give the hand-written Sigma verdicts, and each
target's query, run on the events as its store keeps them, the verdicts for that store:
Apache Lucene for lucene, Elastic's eql for eql, duckdb-kql for kusto and the model of
Splunk's search for splunk. ES|QL has no engine here: its queries are parsed with
Elasticsearch's grammar by test_engine_esql.py, and the null logic its NOT needs is checked
on the query text below.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from engines.spl_model import spl_search
from helpers import LANGUAGE_MISSING, require_engine

from sigma_certutil import TARGETS, ConversionError, convert, load_rule
from sigma_certutil.verify.events import SysmonEvent
from sigma_certutil.verify.reference import reference_matches, reference_unavailable

RULES = sorted((LANGUAGE_MISSING / "rules").glob("*.yml"))
BLOCKS: dict[str, Any] = {
    name: block
    for name, block in yaml.safe_load(
        (LANGUAGE_MISSING / "events.yml").read_text(encoding="utf-8")
    ).items()
    if not name.startswith("x-")
}
EXECUTED = ("splunk", "lucene", "eql", "kusto")


def _events(name: str) -> list[SysmonEvent]:
    block = BLOCKS[name]
    return [
        SysmonEvent(item["name"], dict(item["event"]), int(block["event_id"]))
        for item in block["events"]
    ]


def _expected(name: str, store_id: str | None = None) -> set[int]:
    block = BLOCKS[name]
    verdicts = block.get("stores", {}).get(store_id, block["match"])
    assert len(verdicts) == len(block["events"]), f"{name}: one verdict per event"
    return {index for index, verdict in enumerate(verdicts) if verdict}


def test_every_rule_has_events_and_every_block_a_rule() -> None:
    assert {rule.stem for rule in RULES} == set(BLOCKS)
    assert len(RULES) >= 15


@pytest.mark.engine
@pytest.mark.parametrize("rule", RULES, ids=lambda path: path.stem)
def test_the_reference_gives_the_sigma_verdicts(rule: Path) -> None:
    """The hand-written verdicts and the reference (the rule itself on the raw fields)
    agree: neither is derived from the other, nor from the targets."""
    unavailable = reference_unavailable()
    require_engine(None if unavailable is None else str(unavailable))
    found = reference_matches(load_rule(rule), _events(rule.stem))
    assert found == _expected(rule.stem)


def _run(target_id: str, query: str, events: list[SysmonEvent]) -> set[int]:
    target = TARGETS[target_id]
    if target.engine is None:  # splunk: the model of the base search
        shape = target.store.shape()
        return spl_search(query, [shape(event) for event in events])
    from importlib import import_module

    engine = import_module(target.engine.module)
    require_engine(engine.unavailable())
    found: set[int] = engine.run(query, events, target.store)
    return found


CELLS = [(rule, target) for rule in RULES for target in EXECUTED]


@pytest.mark.engine
@pytest.mark.parametrize(
    ("rule", "target_id"), CELLS, ids=[f"{rule.stem}-{target}" for rule, target in CELLS]
)
def test_each_target_gives_its_store_verdicts(rule: Path, target_id: str) -> None:
    refused = BLOCKS[rule.stem].get("refused", {})
    try:
        query = convert(load_rule(rule), target_id)
    except ConversionError as error:
        assert target_id in refused, f"refused unexpectedly: {error.reason}"
        assert refused[target_id] in error.reason
        return
    assert target_id not in refused, f"converted, though the matrix says it is refused: {query}"
    expected = _expected(rule.stem, TARGETS[target_id].store.id)
    assert _run(target_id, query, _events(rule.stem)) == expected, query


# ES|QL: no engine runs its queries here. What its null logic needs is visible in the text:
# every Sigma `not` over a comparison is `not COALESCE(<comparison>, false)`, which keeps
# the rows where the field is null (https://www.elastic.co/docs/reference/query-languages/
# esql/esql-null-values: "NOT NULL is still NULL", and WHERE keeps only true).

ESQL_NOTS = {
    "lang_missing_not_over_missing": 'not COALESCE(process.parent.executable rlike ".*',
    "lang_missing_only_not": 'not COALESCE(process.parent.executable rlike ".*',
    "lang_missing_not_cidr": 'not COALESCE(cidr_match(destination.ip, "10.0.0.0/8"), false)',
    "lang_missing_not_number": "not COALESCE(destination.port==443, false)",
    "lang_missing_not_null": "not process.pe.original_file_name is null",
    "lang_missing_not_empty": "not process.pe.original_file_name is null",
}


@pytest.mark.parametrize("name", sorted(ESQL_NOTS))
def test_esql_not_keeps_rows_without_the_field(name: str) -> None:
    query = convert(load_rule(LANGUAGE_MISSING / "rules" / f"{name}.yml"), "esql")
    assert ESQL_NOTS[name] in query
    assert query.count(" not ") == 1


def test_esql_values_are_typed_as_ecs_types_them() -> None:
    def esql(name: str) -> str:
        return convert(load_rule(LANGUAGE_MISSING / "rules" / f"{name}.yml"), "esql")

    assert "destination.port==443" in esql("lang_missing_number_as_text")
    assert 'winlog.event_data.TerminalSessionId=="1"' in esql("lang_missing_text_as_number")
    assert "process.pe.original_file_name is null" in esql("lang_missing_empty")
    assert "destination.port>=1024 and destination.port<49152" in esql("lang_missing_gte_lt")
