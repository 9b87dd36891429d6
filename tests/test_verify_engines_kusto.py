"""Checks of the Kusto test engines themselves, on hand-written queries."""

from __future__ import annotations

import pytest
from engines.kusto import (
    KqlRunError,
    analyze_kql,
    duckdb_kql_unavailable,
    kusto_analyzer_unavailable,
    run_kql,
    xdr_table_columns,
)
from helpers import require_engine

TABLE = "DeviceNetworkEvents"
GOOD_QUERY = (
    'DeviceNetworkEvents\n| where InitiatingProcessFolderPath endswith "\\\\certutil.exe"'
    " and RemotePort in (80, 443)"
)


def test_xdr_schema_has_real_types() -> None:
    columns = xdr_table_columns(TABLE)
    assert columns["RemotePort"] == "int"
    assert columns["ActionType"] == "string"
    assert columns["Timestamp"] == "datetime"
    # Markdown scraped into pySigma's names is cleaned off.
    assert xdr_table_columns("IdentityInfo")["Type"] == "string"


# --- Kusto.Language analyzer -------------------------------------------------------


def _codes(queries: list[str]) -> list[list[object]]:
    require_engine(kusto_analyzer_unavailable())
    results = analyze_kql(queries, {TABLE: xdr_table_columns(TABLE)})
    return [[d["code"] for d in diagnostics] for diagnostics in results]


def test_analyzer_diagnostics() -> None:
    codes = _codes(
        [
            'DeviceNetworkEvents | where RemotePort in~ ("80", "443")',
            'DeviceNetworkEvents | where NoSuchColumn == "x"',
            "NoSuchTable | take 1",
            GOOD_QUERY,
        ]
    )
    assert codes == [["KS107"], ["KS142"], ["KS204"], []]


def test_analyzer_diagnostic_fields() -> None:
    require_engine(kusto_analyzer_unavailable())
    query = 'DeviceNetworkEvents | where RemotePort in~ ("80", "443")'
    [[diagnostic]] = analyze_kql([query], {TABLE: xdr_table_columns(TABLE)})
    assert diagnostic["severity"] == "Error"
    assert diagnostic["message"] == "A value of type string or dynamic expected."
    start, length = diagnostic["start"], diagnostic["length"]
    assert isinstance(start, int) and isinstance(length, int)
    assert query[start : start + length] == "RemotePort"  # the operand of the wrong type


# --- duckdb_kql ----------------------------------------------------------------------

ROWS: list[dict[str, object]] = [
    {
        "InitiatingProcessFolderPath": "C:\\Windows\\System32\\CERTUTIL.EXE",
        "ActionType": "ConnectionSuccess",
        "RemotePort": 443,
    },
    {
        "InitiatingProcessFolderPath": "C:\\x\\xcertutil.exe",
        "ActionType": "connectionfailed",
        "RemotePort": 80,
    },
    {
        "InitiatingProcessFolderPath": "C:\\x\\certutil.exe",
        "ActionType": "InboundConnectionAccepted",
        "RemotePort": 8080,
    },
]


def _ports(query: str) -> list[object]:
    require_engine(duckdb_kql_unavailable())
    return [row["RemotePort"] for row in run_kql(query, TABLE, xdr_table_columns(TABLE), ROWS)]


def test_endswith_is_case_insensitive_and_anchored() -> None:
    query = 'DeviceNetworkEvents | where InitiatingProcessFolderPath endswith "\\\\certutil.exe"'
    assert _ports(query) == [443, 8080]


def test_in_filters_int_column() -> None:
    assert _ports("DeviceNetworkEvents | where RemotePort in (80, 443)") == [443, 80]


def test_in_tilde_on_strings_is_case_insensitive() -> None:
    query = 'DeviceNetworkEvents | where ActionType in~ ("connectionsuccess", "ConnectionFailed")'
    assert _ports(query) == [443, 80]
    query = 'DeviceNetworkEvents | where ActionType in ("connectionsuccess", "ConnectionFailed")'
    assert _ports(query) == []


def test_good_query_runs() -> None:
    assert _ports(GOOD_QUERY) == [443]


def test_string_list_against_int_column() -> None:
    # in~ lowers its operand, and DuckDB has no lower(INTEGER): the query fails, as the
    # analyzer's KS107 says it should.
    with pytest.raises(KqlRunError, match="lower"):
        _ports('DeviceNetworkEvents | where RemotePort in~ ("80", "443")')
    # Plain `in` is looser than Kusto: DuckDB casts the strings to INTEGER and matches.
    assert _ports('DeviceNetworkEvents | where RemotePort in ("80", "443")') == [443, 80]


def test_run_kql_reports_unknown_column() -> None:
    with pytest.raises(KqlRunError, match="NoSuchColumn"):
        _ports('DeviceNetworkEvents | where NoSuchColumn == "x"')
