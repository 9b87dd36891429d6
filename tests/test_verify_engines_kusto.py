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


# --- Kusto's missing values and IP ranges, where duckdb-kql differs ------------------
# Rows written from MicrosoftDocs/dataexplorer-docs: null-values.md (a string column holds
# "" for a missing value), ipv4-is-in-range-function.md and ipv6-is-in-range-function.md
# (true, false, or null when a string is not an address of the function's family).

IP_ROWS: list[dict[str, object]] = [
    {"RemoteIP": "10.1.2.3", "RemotePort": 443, "ReportId": 0},
    {"RemoteIP": "fe80::1", "ReportId": 1},  # no RemotePort: null in an int column
    {"RemotePort": 80, "ReportId": 2},  # no RemoteIP: "" in a string column
    {"RemoteIP": "192.168.0.1", "RemotePort": 80, "ReportId": 3},
]


def _ids(where: str) -> list[object]:
    require_engine(duckdb_kql_unavailable())
    columns = xdr_table_columns(TABLE)
    found = run_kql(f"{TABLE}\n| where {where}", TABLE, columns, IP_ROWS)
    return sorted(row["ReportId"] for row in found)  # type: ignore[type-var]


@pytest.mark.engine
def test_a_missing_string_is_empty_not_null() -> None:
    assert _ids("isempty(RemoteIP)") == [2]
    assert _ids("isnull(RemoteIP)") == []
    assert _ids('RemoteIP == ""') == [2]
    assert _ids("isnull(RemotePort)") == [1]


@pytest.mark.engine
def test_ipv4_is_in_range() -> None:
    assert _ids('ipv4_is_in_range(RemoteIP, "10.0.0.0/8")') == [0]
    assert _ids('ipv4_is_in_range(RemoteIP, "192.168.0.1")') == [3]
    # null for the IPv6 address and the empty string: not() keeps neither, coalesce does.
    assert _ids('not(ipv4_is_in_range(RemoteIP, "10.0.0.0/8"))') == [3]
    assert _ids('not(coalesce(ipv4_is_in_range(RemoteIP, "10.0.0.0/8"), false))') == [1, 2, 3]


@pytest.mark.engine
def test_ipv6_is_in_range() -> None:
    assert _ids('ipv6_is_in_range(RemoteIP, "fe80::/10")') == [1]
    assert _ids('ipv6_is_in_range(RemoteIP, "fe80::1")') == [1]
    assert _ids('ipv6_is_in_range(RemoteIP, "::1/128")') == []
    assert _ids('not(coalesce(ipv6_is_in_range(RemoteIP, "fe80::/10"), false))') == [0, 2, 3]


@pytest.mark.engine
def test_the_range_functions_are_defined_only_while_a_query_runs() -> None:
    from duckdb_kql.translate import functions

    _ids('ipv4_is_in_range(RemoteIP, "10.0.0.0/8")')
    assert "ipv4_is_in_range" not in functions.SCALAR_FUNCTIONS
    assert "ipv6_is_in_range" not in functions.SCALAR_FUNCTIONS


# --- string operators, as Kusto's documentation defines them ---------------------------------
# https://learn.microsoft.com/en-us/kusto/query/datatypes-string-operators: =~, in~, contains,
# startswith, endswith ignore case, ==, in and the _cs forms keep it; matches regex is an RE2
# search (https://learn.microsoft.com/en-us/kusto/query/matches-regex-operator).

STRING_VALUES = ("Foo Bar", "foo bar", "xFoo", "Foo\nBar")


@pytest.mark.engine
@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ('a =~ "foo bar"', {"Foo Bar", "foo bar"}),
        ('a == "Foo Bar"', {"Foo Bar"}),
        ('a in ("Foo Bar", "xfoo")', {"Foo Bar"}),
        ('a in~ ("FOO BAR", "xfoo")', {"Foo Bar", "foo bar", "xFoo"}),
        ('a contains "FOO"', set(STRING_VALUES)),
        ('a contains_cs "Foo"', {"Foo Bar", "xFoo", "Foo\nBar"}),
        ('a startswith "FOO"', {"Foo Bar", "foo bar", "Foo\nBar"}),
        ('a startswith_cs "foo"', {"foo bar"}),
        ('a endswith_cs "Bar"', {"Foo Bar", "Foo\nBar"}),
        ('a contains "o_B"', set()),  # no wildcards in contains
        ('a matches regex "oo.B"', {"Foo Bar"}),  # a search; '.' is no line break
        ('a matches regex "(?s)^Foo.Bar$"', {"Foo Bar", "Foo\nBar"}),
        ('a matches regex "(?i)^FOO"', {"Foo Bar", "foo bar", "Foo\nBar"}),
    ],
)
def test_string_operators_as_documented(condition: str, expected: set[str]) -> None:
    require_engine(duckdb_kql_unavailable())
    rows: list[dict[str, object]] = [{"a": value, "i": i} for i, value in enumerate(STRING_VALUES)]
    found = run_kql(f"T | where {condition}", "T", {"a": "string", "i": "int"}, rows)
    assert {STRING_VALUES[int(str(row["i"]))] for row in found} == expected
