"""Elastic's EQL engine (PyPI ``eql``): parse in Elasticsearch syntax against an ECS schema,
then run the query over ECS documents.

The engine compares every string case-insensitively; Elasticsearch's ``==`` is exact, so a
match here proves types, fields and values, while case rests on ``:`` and ``like~``.
"""

from __future__ import annotations

from typing import Any

import eql

_EQL_TYPES = {"keyword": "string", "ip": "string", "long": "number"}


def ecs_schema(field_types: dict[str, str], category: str = "network") -> eql.Schema:
    """An EQL schema with one event category whose fields are the given ECS fields."""
    tree: dict[str, Any] = {}
    for dotted, es_type in field_types.items():
        *parents, leaf = dotted.split(".")
        node = tree
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = _EQL_TYPES[es_type]
    return eql.Schema({category: tree})


def parse_eql(query: str, schema: eql.Schema) -> Any:
    """Parse and type-check; raises eql.EqlError subclasses on a bad query."""
    with schema, eql.parser.elasticsearch_syntax, eql.parser.ignore_missing_functions:
        return eql.parse_query(query)


def run_eql(query: str, schema: eql.Schema, docs: list[dict[str, Any]], category: str) -> set[int]:
    """Indices of the documents the query matches; each doc is tagged with its category."""
    ast = parse_eql(query, schema)
    engine = eql.PythonEngine()
    engine.add_query(ast)
    hits: list[int] = []
    engine.add_output_hook(lambda output: hits.extend(e.data["_index"] for e in output.events))
    engine.stream_events(
        [
            eql.Event.from_data({**doc, "event_type": category, "_index": i})
            for i, doc in enumerate(docs)
        ]
    )
    return set(hits)
