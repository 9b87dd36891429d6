"""Each executable target's engine, over events shaped as that target stores them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sigma_certutil.verify.events import SysmonEvent

# Targets with no installable engine: converted, reported, never counted as passing.
NOT_EXECUTABLE = {"splunk": "no Splunk engine can run here", "esql": "no ES|QL engine"}


def unavailable(target: str) -> str | None:
    """None when the target's engine can run; "" when the target has no engine at all; else
    why its engine is missing."""
    if target in NOT_EXECUTABLE:
        return ""
    if target == "eql":
        return _missing("eql", "pip install 'sigma-certutil[verify]'")
    if target == "kusto":
        return _missing("duckdb_kql", "pip install 'sigma-certutil[verify]'")
    if target == "lucene":
        from sigma_certutil.verify.lucene import lucene_unavailable

        return lucene_unavailable()
    return f"no engine for target {target}"


def _missing(module: str, fix: str) -> str | None:
    import importlib.util

    return None if importlib.util.find_spec(module) else f"{module} is not installed ({fix})"


def _index_types(docs: Sequence[dict[str, Any]]) -> dict[str, str]:
    """The ECS field types, and keyword for any other field a document holds (Elasticsearch's
    dynamic mapping of strings)."""
    from sigma_certutil.verify.lucene import flatten
    from sigma_certutil.verify.shapes import ecs_fields

    types = {name: "keyword" if kind == "ip" else kind for name, kind in ecs_fields().items()}
    for doc in docs:
        for name in flatten(doc):
            types.setdefault(name, "keyword")
    return types


def run_target(target: str, query: str, events: Sequence[SysmonEvent]) -> set[int]:
    """Indices of the events the target's query matches on its engine."""
    if target in ("eql", "lucene"):
        from sigma_certutil.verify.shapes import ecs_fields, to_ecs

        docs = [to_ecs(event) for event in events]
        if target == "eql":
            from sigma_certutil.verify.elastic_eql import ecs_schema, run_eql

            return run_eql(query, ecs_schema(ecs_fields()), docs)
        from sigma_certutil.verify.lucene import run_lucene

        [hits] = run_lucene([query], docs, _index_types(docs))
        return hits
    if target == "kusto":
        from sigma_certutil.verify.kusto import run_kql, xdr_table_columns
        from sigma_certutil.verify.xdr_shapes import to_xdr_row

        table = query.split("\n", 1)[0].strip()
        rows: list[dict[str, object]] = []
        for index, event in enumerate(events):
            shaped = to_xdr_row(event)
            if shaped is not None and shaped[0] == table:
                rows.append({**shaped[1], "ReportId": index})
        if not rows:
            return set()
        found = run_kql(query, table, xdr_table_columns(table), rows)
        return {int(str(row["ReportId"])) for row in found}
    raise ValueError(f"no engine for target {target}")
