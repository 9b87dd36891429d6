"""KQL output analysed by Microsoft's Kusto.Language against the real Defender XDR schema
(zero diagnostics), and run with duckdb-kql on DeviceNetworkEvents rows typed as the real
table."""

from __future__ import annotations

import pytest
from engines.cases import Case, load_cases
from engines.kusto import (
    analyze_kql,
    duckdb_kql_unavailable,
    kusto_analyzer_unavailable,
    run_kql,
    xdr_table_columns,
)
from helpers import TESTS, golden_rules, real_eid3_cases, require_engine
from sigma.pipelines.microsoftxdr.tables import MICROSOFT_XDR_TABLES

from sigma_certutil import ConversionError, convert, load_bundled_rule, load_rule, parse_rule
from sigma_certutil.verify.shapes.xdr import to_xdr_network_row

pytestmark = pytest.mark.engine

TABLE = "DeviceNetworkEvents"
CASES = load_cases(TESTS / "fixtures" / "certutil_events.yml")


def _matched_names(query: str, cases: list[Case]) -> set[str]:
    rows = [{**to_xdr_network_row(case), "ReportId": i} for i, case in enumerate(cases)]
    hits = run_kql(query, TABLE, xdr_table_columns(TABLE), rows)
    return {cases[int(str(hit["ReportId"]))].name for hit in hits}


def test_every_golden_query_has_zero_diagnostics() -> None:
    """Against every Defender XDR table schema; rules the target refuses are pinned as
    .error golden files instead."""
    require_engine(kusto_analyzer_unavailable())
    queries = []
    for rule in golden_rules():
        try:
            queries.append(convert(load_rule(rule), "kusto"))
        except ConversionError:
            continue
    assert len(queries) >= 10
    tables = {table: xdr_table_columns(table) for table in MICROSOFT_XDR_TABLES}
    results = analyze_kql(queries, tables)
    for query, diagnostics in zip(queries, results, strict=True):
        assert diagnostics == [], f"{query}\n{diagnostics}"


def test_analyzer_rejects_the_stock_string_ports() -> None:
    """The defect the Kusto backend fix answers, on the same analyzer."""
    require_engine(kusto_analyzer_unavailable())
    stock = convert(load_bundled_rule(), "kusto").replace(
        "RemotePort in (80, 135, 443, 445)", 'RemotePort in~ ("80", "135", "443", "445")'
    )
    [diagnostics] = analyze_kql([stock], {TABLE: xdr_table_columns(TABLE)})
    assert "KS107" in {d["code"] for d in diagnostics}


def test_flagship_matches_exactly_the_positive_cases() -> None:
    require_engine(duckdb_kql_unavailable())
    matched = _matched_names(convert(load_bundled_rule(), "kusto"), CASES)
    assert matched == {case.name for case in CASES if case.match}


@pytest.mark.shared
def test_flagship_on_real_sysmon_events() -> None:
    require_engine(duckdb_kql_unavailable())
    cases = real_eid3_cases()
    assert _matched_names(convert(load_bundled_rule(), "kusto"), cases) == {"certutil_0dba975d"}


def test_inbound_rule_reads_the_local_port() -> None:
    """Initiated false: Sysmon's DestinationPort is the device's own port, XDR's LocalPort."""
    require_engine(duckdb_kql_unavailable())
    rule = load_rule(TESTS / "rules" / "net_connection_inbound_smb_to_user_binary.yml")
    event = {"Image": r"C:\Users\bob\AppData\evil.exe", "SourceIp": "10.0.0.9", "SourcePort": 50123,
             "DestinationIp": "10.0.2.15", "DestinationPort": 445, "Protocol": "tcp"}  # fmt: skip
    cases = [
        Case("inbound smb", True, event, xdr_action="InboundConnectionAccepted"),
        Case("outbound smb", False, event, xdr_action="ConnectionSuccess"),
    ]
    assert _matched_names(convert(rule, "kusto"), cases) == {"inbound smb"}


def test_escaped_backslash_before_a_literal_star_stays_valid_kql() -> None:
    """Sigma ':\\\\\\*.' is ':', a backslash, a literal '*' and '.': one valid KQL string."""
    require_engine(kusto_analyzer_unavailable())
    require_engine(duckdb_kql_unavailable())
    rule = parse_rule(
        "title: x\nlogsource: {category: process_creation, product: windows}\n"
        "detection:\n  sel:\n    CommandLine|contains: ':\\\\\\*.'\n  condition: sel\n"
    )
    query = convert(rule, "kusto")
    assert 'ProcessCommandLine contains ":\\\\*."' in query
    table = "DeviceProcessEvents"
    [diagnostics] = analyze_kql([query], {table: xdr_table_columns(table)})
    assert diagnostics == []
    rows = [
        {"ProcessCommandLine": r"rar a -r C:\*.docx", "ReportId": 0},
        {"ProcessCommandLine": r"rar a -r C:\x.docx", "ReportId": 1},
    ]
    hits = run_kql(query, table, xdr_table_columns(table), rows)
    assert [int(str(hit["ReportId"])) for hit in hits] == [0]
