"""conversion/missing_values.py: negation over missing values, |exists and IP ranges."""

from __future__ import annotations

from sigma_certutil import convert, parse_rule

RULE = """title: missing values
id: 7d1e2a40-5c3b-4f7e-9a10-000000000002
status: test
logsource:
    category: {category}
    product: windows
detection:
    selection:
        Image|endswith: '\\\\cmd.exe'
    filter:
        {item}
    condition: selection and not filter
level: low
"""


def _convert(category: str, item: str, target: str) -> str:
    return convert(parse_rule(RULE.format(category=category, item=item), "t.yml"), target)


def test_esql_not_reads_a_null_condition_as_false() -> None:
    query = _convert("process_creation", "ParentImage|endswith: '\\\\explorer.exe'", "esql")
    assert ' and not COALESCE(process.parent.executable rlike ".*' in query
    assert query.endswith(", false)")
    # A null test is never null: left as it is.
    assert query.count("COALESCE") == 1
    assert _convert("process_creation", "ParentImage: null", "esql").endswith(
        "and not process.parent.executable is null"
    )


def test_kusto_not_coalesces_only_what_can_be_null() -> None:
    # A string column is never null in Kusto: no coalesce.
    assert _convert("process_creation", "ParentImage|endswith: 'x'", "kusto").endswith(
        '(not(InitiatingProcessFolderPath endswith "x")))'
    )
    assert _convert("network_connection", "DestinationPort: 443", "kusto").endswith(
        "(not(coalesce(RemotePort == 443, false))))"
    )
    assert _convert("network_connection", "DestinationIp|cidr: 'fe80::/10'", "kusto").endswith(
        '(not(coalesce(ipv6_is_in_range(RemoteIP, "fe80::/10"), false))))'
    )


def test_eql_ordering_under_not_keeps_events_without_the_field() -> None:
    assert _convert("network_connection", "DestinationPort|lt: 1024", "eql").endswith(
        "(not (?destination.port != null and destination.port < 1024))))"
    )


def test_eql_exists() -> None:
    assert _convert("process_creation", "OriginalFileName|exists: true", "eql").endswith(
        "(not ?process.pe.original_file_name != null)))"
    )


def test_splunk_not_null_is_the_field_with_any_value() -> None:
    assert _convert("process_creation", "ParentImage: null", "splunk").endswith(
        'Image="*\\\\cmd.exe" ParentImage=*'
    )
    assert (
        _convert("process_creation", "ParentImage|exists: false", "splunk").endswith(
            "NOT NOT ParentImage=*"
        )
        is False
    )
