"""Elastic's EQL engine (PyPI ``eql``): parse in Elasticsearch syntax against an ECS schema,
then run the query over ECS documents.

The engine compares every string case-insensitively; Elasticsearch's ``==`` is exact, so a
match here proves types, fields and values, while case rests on ``:`` and ``like~``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import eql

    from sigma_certutil.stores import Store
    from sigma_certutil.verify.events import SysmonEvent

# eql is an optional dependency (sigma-certutil[verify]): imported where it runs.

_EQL_TYPES = {"keyword": "string", "ip": "string", "long": "number"}


# The event.category values the Winlogbeat sysmon, security and powershell pipelines write.
CATEGORIES = (
    "process", "network", "file", "registry", "driver", "configuration", "authentication",
    "iam", "session",
)  # fmt: skip


def ecs_schema(field_types: dict[str, str]) -> eql.Schema:
    """An EQL schema whose event categories (the ingest pipelines' event.category values) all
    carry the given ECS fields."""
    import eql

    tree: dict[str, Any] = {}
    for dotted, es_type in field_types.items():
        *parents, leaf = (_safe(part) for part in dotted.split("."))
        node = tree
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = _EQL_TYPES[es_type]
    return eql.Schema(dict.fromkeys(CATEGORIES, tree))


def _safe(part: str) -> str:
    """A field name part the Python eql engine's schema can hold. Elasticsearch's EQL names
    a field with spaces in backquotes (`winlog.event_data.Threat Name`), but this engine's
    schema takes identifiers only; such a part is written u_<hex of its UTF-8> here, in the
    schema, the documents and the query alike, which no ECS or Windows name is."""
    return part if part.isidentifier() and not part.startswith("u_") else "u_" + part.encode().hex()


# A string literal (left as it is) or a backquoted field name.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|`([^`]+)`')


def _safe_query(query: str) -> str:
    """The query with each backquoted field name (outside string literals) ``_safe``."""

    def replace(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return match.group(0)
        return ".".join(_safe(part) for part in match.group(1).split("."))

    return _TOKEN.sub(replace, query)


def _safe_doc(value: Any) -> Any:
    if isinstance(value, dict):
        return {_safe(k): _safe_doc(v) for k, v in value.items()}
    return value


def parse_eql(query: str, schema: eql.Schema) -> Any:
    """Parse and type-check; raises eql.EqlError subclasses on a bad query."""
    import eql

    with schema, eql.parser.elasticsearch_syntax, eql.parser.ignore_missing_functions:
        return eql.parse_query(_safe_query(query))


def _event_type(doc: dict[str, Any], wanted: str) -> str:
    """Elasticsearch matches `registry where` when event.category holds "registry" among
    others; the eql engine compares one event type, so pick the one the query asks for."""
    categories = doc.get("event", {}).get("category", [])
    if isinstance(categories, str):  # the powershell pipelines write one category as text
        categories = [categories]
    if wanted in categories or wanted == "any":
        return wanted
    return str(categories[0]) if categories else "any"


def _one_value_lists_as_scalars(value: Any) -> Any:
    """Elasticsearch compares a field holding [x] as x; the eql engine compares the list, so
    one-element lists are unwrapped (longer lists are left as they are)."""
    if isinstance(value, dict):
        return {k: _one_value_lists_as_scalars(v) for k, v in value.items()}
    if isinstance(value, list) and len(value) == 1:
        return value[0]
    return value


def run_eql(query: str, schema: eql.Schema, docs: list[dict[str, Any]]) -> set[int]:
    """Indices of the ECS documents the query matches."""
    ast = parse_eql(query, schema)
    wanted = query.split(" ", 1)[0]
    import eql

    engine = eql.PythonEngine()
    engine.add_query(ast)
    hits: list[int] = []
    engine.add_output_hook(lambda output: hits.extend(e.data["_index"] for e in output.events))
    engine.stream_events(
        [
            eql.Event.from_data(
                {
                    **_one_value_lists_as_scalars(_safe_doc(doc)),
                    "event_type": _event_type(doc, wanted),
                    "_index": i,
                }
            )
            for i, doc in enumerate(docs)
        ]
    )
    return set(hits)


def unavailable() -> str | None:
    """None when the engine can run here, otherwise why not."""
    try:
        import eql  # noqa: F401
    except ImportError as error:
        return f"{error.name} is not installed (pip install 'sigma-certutil[verify]')"
    return None


def run(query: str, events: Sequence[SysmonEvent], store: Store) -> set[int]:
    """Indices of the events the query matches, stored as the store keeps them."""
    shape = store.shape()
    return run_eql(query, ecs_schema(store.types()()), [shape(event) for event in events])
