"""Kusto engines for the tests: Microsoft's analyzer, and duckdb_kql for running queries.

* ``analyze_kql`` type-checks KQL with Kusto.Language (the analyzer behind Kusto Explorer
  and the Defender portal), through ``kusto_analyze.js`` in one ``node`` process.
* ``run_kql`` runs KQL over rows with duckdb_kql, in a table typed like the real one.
* ``xdr_table_columns`` gives a real Defender XDR table's column types, as pySigma ships them.

Neither engine is a Python dependency of the project: call ``require_engine(..._unavailable())``
first (conftest.require_engine), which skips the test (or fails it under CI=true).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

ENGINES_DIR = Path(__file__).resolve().parent
ANALYZER_SCRIPT = ENGINES_DIR / "kusto_analyze.js"
ANALYZER_PACKAGE = ENGINES_DIR / "node_modules" / "@kusto" / "language-service-next"

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


def kusto_analyzer_unavailable() -> str | None:
    """Why ``analyze_kql`` cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return "node is not on PATH (needed for the Kusto.Language analyzer)"
    if not (ANALYZER_PACKAGE / "package.json").is_file():
        return "@kusto/language-service-next is not installed: run npm ci --prefix tests/engines"
    return None


def analyze_kql(
    queries: list[str], tables: dict[str, dict[str, str]]
) -> list[list[dict[str, object]]]:
    """Kusto.Language diagnostics for each query, against a database of ``tables``.

    ``tables`` maps table name -> column name -> Kusto type. Each diagnostic is a dict with
    code (e.g. "KS107"), severity, message, start and length (offsets into the query).
    """
    payload = json.dumps({"tables": tables, "queries": queries})
    done = subprocess.run(
        ["node", str(ANALYZER_SCRIPT)],
        input=payload,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"kusto_analyze.js exited {done.returncode}: {done.stderr.strip()}")
    result: list[list[dict[str, object]]] = json.loads(done.stdout)
    if len(result) != len(queries):
        raise RuntimeError(f"kusto_analyze.js answered {len(result)} of {len(queries)} queries")
    return result


def duckdb_kql_unavailable() -> str | None:
    """Why ``run_kql`` cannot run here, or None when it can."""
    try:
        import duckdb  # noqa: F401
        import duckdb_kql  # noqa: F401
    except ImportError as exc:
        return f"{exc}: run pip install 'duckdb-kql[duckdb]'"
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
