"""verify/engines/kusto.py: the Defender XDR table schemas and KQL run by duckdb-kql, on
hand-written rows and queries."""

from __future__ import annotations

import pytest
from helpers import require_engine

from sigma_certutil.verify.engines.kusto import (
    KqlRunError,
    duckdb_kql_unavailable,
    run_kql,
    xdr_table_columns,
)

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


@pytest.mark.engine
def test_endswith_is_case_insensitive_and_anchored() -> None:
    query = 'DeviceNetworkEvents | where InitiatingProcessFolderPath endswith "\\\\certutil.exe"'
    assert _ports(query) == [443, 8080]


@pytest.mark.engine
def test_in_filters_int_column() -> None:
    assert _ports("DeviceNetworkEvents | where RemotePort in (80, 443)") == [443, 80]


@pytest.mark.engine
def test_in_tilde_on_strings_is_case_insensitive() -> None:
    query = 'DeviceNetworkEvents | where ActionType in~ ("connectionsuccess", "ConnectionFailed")'
    assert _ports(query) == [443, 80]
    query = 'DeviceNetworkEvents | where ActionType in ("connectionsuccess", "ConnectionFailed")'
    assert _ports(query) == []


@pytest.mark.engine
def test_good_query_runs() -> None:
    assert _ports(GOOD_QUERY) == [443]


@pytest.mark.engine
def test_string_list_against_int_column() -> None:
    # in~ lowers its operand, and DuckDB has no lower(INTEGER): the query fails, as the
    # analyzer's KS107 says it should.
    with pytest.raises(KqlRunError, match="lower"):
        _ports('DeviceNetworkEvents | where RemotePort in~ ("80", "443")')
    # Plain `in` is looser than Kusto: DuckDB casts the strings to INTEGER and matches.
    assert _ports('DeviceNetworkEvents | where RemotePort in ("80", "443")') == [443, 80]


@pytest.mark.engine
def test_run_kql_reports_unknown_column() -> None:
    with pytest.raises(KqlRunError, match="NoSuchColumn"):
        _ports('DeviceNetworkEvents | where NoSuchColumn == "x"')
