"""Run KQL with duckdb-kql over rows typed as the real Defender XDR tables."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sigma_certutil.stores import Store
    from sigma_certutil.verify.events import SysmonEvent

# Kusto scalar type -> DuckDB column type, matching duckdb_kql.types.DUCKDB_TO_KQL.
DUCKDB_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "int": "INTEGER",
    "long": "BIGINT",
    "real": "DOUBLE",
    "double": "DOUBLE",
    "bool": "BOOLEAN",
    "boolean": "BOOLEAN",
    "datetime": "TIMESTAMP",
    "timespan": "INTERVAL",
    "guid": "UUID",
    "dynamic": "JSON",
}


class KqlRunError(RuntimeError):
    """duckdb_kql could not translate or run a query."""

    def __init__(self, query: str, message: str) -> None:
        super().__init__(f"{message}\nquery:\n{query}")
        self.query = query
        self.message = message


def xdr_table_columns(table: str) -> dict[str, str]:
    """Column name -> Kusto type of a Defender XDR advanced hunting table."""
    from sigma.pipelines.microsoftxdr.tables import MICROSOFT_XDR_TABLES

    columns: dict[str, str] = {}
    for raw_name, spec in MICROSOFT_XDR_TABLES[table].items():
        # Names are scraped from Microsoft's docs: some carry markdown ("Type` [*](#mdi-only)").
        name = raw_name.split("`")[0].strip()
        kusto_type = str(spec["data_type"])
        columns[name] = "bool" if kusto_type == "boolean" else kusto_type
    return columns


def duckdb_kql_unavailable() -> str | None:
    """Why ``run_kql`` cannot run here, or None when it can."""
    try:
        import duckdb  # noqa: F401
        import duckdb_kql  # noqa: F401
    except ImportError as exc:
        return f"{exc}: run pip install 'sigma-certutil[verify]'"
    return None


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def run_kql(
    query: str, table: str, columns: dict[str, str], rows: list[dict[str, object]]
) -> list[dict[str, object]]:
    """Run ``query`` with duckdb_kql over ``rows`` in ``table``, typed by ``columns``.

    ``columns`` maps column name -> Kusto type (see ``xdr_table_columns``); a row's missing
    columns are NULL. Values of dynamic columns are Python objects, stored as JSON (and
    come back as JSON text). Returns the result rows as dicts; a translation or execution
    error raises ``KqlRunError``.
    """
    import duckdb
    import duckdb_kql

    names = list(columns)
    for row in rows:
        unknown = set(row) - set(columns)
        if unknown:
            raise ValueError(f"row has columns not in {table}: {sorted(unknown)}")

    con = duckdb_kql.connect()
    try:
        definition = ", ".join(f"{_quote(n)} {DUCKDB_TYPES[columns[n]]}" for n in names)
        con.execute(f"CREATE TABLE {_quote(table)} ({definition})")
        if rows:
            placeholders = ", ".join("?" for _ in names)
            con.executemany(
                f"INSERT INTO {_quote(table)} VALUES ({placeholders})",
                [
                    [
                        json.dumps(row[n])
                        if columns[n] == "dynamic" and row.get(n) is not None
                        else row.get(n)
                        for n in names
                    ]
                    for row in rows
                ],
            )
        try:
            relation = duckdb_kql.query(con, query)
            out_columns = relation.columns
            return [dict(zip(out_columns, values, strict=True)) for values in relation.fetchall()]
        except (duckdb_kql.KqlError, duckdb.Error) as exc:
            raise KqlRunError(query, f"{type(exc).__name__}: {exc}") from exc
    finally:
        con.close()


def unavailable() -> str | None:
    """None when the engine can run here, otherwise why not."""
    try:
        import duckdb  # noqa: F401
        import duckdb_kql  # noqa: F401
    except ImportError as error:
        return f"{error.name} is not installed (pip install 'sigma-certutil[verify]')"
    return None


def run(query: str, events: Sequence[SysmonEvent], store: Store) -> set[int]:
    """Indices of the events the query matches: the rows of the table the query names, as
    the store keeps them (events the table does not record are no rows)."""
    shape = store.shape()
    table = query.split("\n", 1)[0].strip()
    rows: list[dict[str, object]] = []
    for index, event in enumerate(events):
        shaped = shape(event)
        if shaped is not None and shaped[0] == table:
            rows.append({**shaped[1], "ReportId": index})
    if not rows:
        return set()
    found = run_kql(query, table, store.types()(table), rows)
    return {int(str(row["ReportId"])) for row in found}
