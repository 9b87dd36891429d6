"""Elastic's EQL engine (PyPI ``eql``): parse in Elasticsearch syntax against an ECS schema,
then run the query over ECS documents.

The Python engine compares every string case-insensitively; the queries are parsed and run
with Elasticsearch's case rules instead (``elastic_case``: ``==``, ``!=``, ``in``, ``like`` and
``regex`` keep case, ``:``, ``in~``, ``like~`` and ``regex~`` do not), and its ``not`` is
Elasticsearch's (elasticsearch_not_engine).
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
    """Parse and type-check; raises eql.EqlError subclasses on a bad query. The case-sensitive
    comparisons are marked for the engine (elastic_case)."""
    import eql

    from sigma_certutil.verify.engines.elastic_case import parse_case_aware

    with schema, eql.parser.elasticsearch_syntax, eql.parser.ignore_missing_functions:
        return parse_case_aware(_safe_query(query))


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


def elasticsearch_not_engine() -> eql.PythonEngine:
    """The eql engine with ``not`` as Elasticsearch evaluates it.

    The Python engine makes a comparison with a missing field null and ``not null`` null
    again, so ``not process.name : "x"`` skips an event without process.name. In
    Elasticsearch a comparison is true or false ("Returns true if ... Otherwise returns
    false") and ``not`` "Returns true if the condition to the right is false"
    (https://www.elastic.co/guide/en/elasticsearch/reference/current/eql-syntax.html,
    comparison and logical operators), so such an event matches. Here ``not`` reads null as
    false; and/or already agree once the result reads null as no match. The parser writes
    ``not a == b`` as ``a != b``, which for the same reason is true when a field is missing
    ("Returns true if the values ... are not equal").
    """
    import eql

    from sigma_certutil.verify.engines.elastic_case import CaseAwareEngine

    class ElasticsearchNot(CaseAwareEngine):
        def _convert_not(self, node: Any) -> Any:
            get_value = self.convert(node.term)
            return lambda scope: not get_value(scope)

        def _convert_comparison(self, node: Any) -> Any:
            compare = super()._convert_comparison(node)
            nulls = (node.left, node.right)
            if node.comparator != "!=" or any(isinstance(n, eql.ast.Null) for n in nulls):
                return compare
            return lambda scope: compare(scope) is not False

    return ElasticsearchNot()


def run_eql(query: str, schema: eql.Schema, docs: list[dict[str, Any]]) -> set[int]:
    """Indices of the ECS documents the query matches."""
    ast = parse_eql(query, schema)
    wanted = query.split(" ", 1)[0]
    import eql

    engine = elasticsearch_not_engine()
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
