"""Run KQL with duckdb-kql over rows typed as the real Defender XDR tables, with Kusto's
empty strings and IP range functions where duckdb-kql differs."""

from __future__ import annotations

import contextlib
import ipaddress
import json
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

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


def _in_range(version: int) -> Callable[[str | None, str | None], bool | None]:
    """Kusto's ipv4_is_in_range / ipv6_is_in_range (MicrosoftDocs/dataexplorer-docs
    data-explorer/kusto/query/ipv4-is-in-range-function.md, ipv6-is-in-range-function.md):
    true when the address is in the range (IP-prefix notation, or one address), false when
    it is not, null when either string is not an address of the function's family (an IPv6
    address for ipv4_is_in_range, an empty string)."""

    def in_range(address: str | None, prefix: str | None) -> bool | None:
        try:
            ip = ipaddress.ip_address((address or "").strip())
            network = ipaddress.ip_network((prefix or "").strip(), strict=False)
        except ValueError:
            return None
        if ip.version != version or network.version != version:
            return None
        return ip in network

    return in_range


# duckdb-kql translates neither function ("no DuckDB mapping"): each is registered, while a
# query runs, as a DuckDB function of the connection and a row of duckdb-kql's table.
_IP_RANGE_FUNCTIONS = {"ipv4_is_in_range": 4, "ipv6_is_in_range": 6}


@contextlib.contextmanager
def _ip_range_functions(con: Any) -> Iterator[None]:
    from duckdb.sqltypes import BOOLEAN, VARCHAR
    from duckdb_kql.translate import functions

    added = []
    for name, version in _IP_RANGE_FUNCTIONS.items():
        con.create_function(
            f"kql_{name}", _in_range(version), [VARCHAR, VARCHAR], BOOLEAN, null_handling="special"
        )
        if name not in functions.SCALAR_FUNCTIONS:
            functions.SCALAR_FUNCTIONS[name] = functions.FunctionSpec(
                name, "template", f"kql_{name}(CAST({{0}} AS VARCHAR), {{1}})", (2,)
            )
            added.append(name)
    try:
        yield
    finally:
        for name in added:
            del functions.SCALAR_FUNCTIONS[name]


def _stored(kusto_type: str, value: object) -> object:
    """A row's value as the column holds it. A string column is never null in Kusto: a missing
    value is an empty string (null-values.md: "the string type doesn't support null values";
    "a missing value produces an empty string"); duckdb-kql would store NULL, on which its
    string operators answer as Kusto never does."""
    if value is None:
        return "" if kusto_type == "string" else None
    if kusto_type == "dynamic":
        return json.dumps(value)
    return value


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def run_kql(
    query: str, table: str, columns: dict[str, str], rows: list[dict[str, object]]
) -> list[dict[str, object]]:
    """Run ``query`` with duckdb_kql over ``rows`` in ``table``, typed by ``columns``.

    ``columns`` maps column name -> Kusto type (see ``xdr_table_columns``); a row's missing
    columns are NULL, or the empty string in a string column (_stored), and Kusto's
    ipv4_is_in_range and ipv6_is_in_range are defined (_ip_range_functions). Values of
    dynamic columns are Python objects, stored as JSON (and come back as JSON text). Returns
    the result rows as dicts; a translation or execution error raises ``KqlRunError``.
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
                [[_stored(columns[n], row.get(n)) for n in names] for row in rows],
            )
        try:
            with _ip_range_functions(con):
                relation = duckdb_kql.query(con, query)
                out_columns = relation.columns
                found = relation.fetchall()
            return [dict(zip(out_columns, values, strict=True)) for values in found]
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
