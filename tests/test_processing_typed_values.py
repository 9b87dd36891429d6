"""processing/typed_values.py: values as each store types the field they are compared with."""

from __future__ import annotations

import pytest

from sigma_certutil import ConversionError, convert, parse_rule

RULE = """title: typed values
id: 7d1e2a40-5c3b-4f7e-9a10-000000000001
status: test
logsource:
    category: {category}
    product: windows
detection:
    selection:
        {item}
    condition: selection
level: low
"""


def _convert(category: str, item: str, target: str) -> str:
    return convert(parse_rule(RULE.format(category=category, item=item), "t.yml"), target)


def _refusal(category: str, item: str, target: str) -> str:
    with pytest.raises(ConversionError) as error:
        _convert(category, item, target)
    return error.value.reason


def test_text_on_a_number_field_becomes_a_number() -> None:
    assert _convert("network_connection", "DestinationPort: '443'", "eql").endswith(
        "destination.port == 443)"
    )
    assert _convert("network_connection", "DestinationPort: '443'", "kusto").endswith(
        "RemotePort == 443"
    )
    # Splunk compares either way and keeps the rule's value.
    assert 'DestinationPort="443"' in _convert(
        "network_connection", "DestinationPort: '443'", "splunk"
    )


def test_a_number_on_a_text_field_becomes_text() -> None:
    assert 'winlog.event_data.TerminalSessionId:"1"' in _convert(
        "process_creation", "TerminalSessionId: 1", "eql"
    )


def test_an_address_on_an_ip_field_is_its_one_address_range() -> None:
    query = _convert("network_connection", "DestinationIp: '::1'", "eql")
    assert query.endswith('cidrMatch(destination.ip, "::1/128"))')
    assert 'RemoteIP =~ "::1"' in _convert("network_connection", "DestinationIp: '::1'", "kusto")


def test_empty_and_dash_are_a_missing_field_in_ecs() -> None:
    query = _convert("process_creation", "ParentCommandLine: ['', '-']", "lucene")
    assert query.endswith("(NOT _exists_:process.parent.command_line))")
    assert _convert("process_creation", "ParentCommandLine: '-'", "kusto").endswith(
        "isempty(InitiatingProcessCommandLine)"
    )
    # A '-' inside a pattern is a character, not Sysmon's "none".
    assert "*-*" in _convert("process_creation", "ParentCommandLine|contains: '-'", "eql")


@pytest.mark.parametrize(
    ("category", "item", "target", "message"),
    [
        (
            "network_connection",
            "DestinationPort|startswith: '44'",
            "eql",
            "the pattern '44*' on destination.port, a number field in Elastic Common Schema: "
            "the target matches no wildcard against a number",
        ),
        (
            "network_connection",
            "DestinationPort: 'https'",
            "kusto",
            "'https' on RemotePort, a number field in Defender XDR: the text is not a number",
        ),
        (
            "network_connection",
            "DestinationPort|re: '^44'",
            "lucene",
            "|re '^44' on destination.port, a number field in Elastic Common Schema: the "
            "target matches no regular expression against a number",
        ),
        (
            "network_connection",
            "SourcePort|cidr: '10.0.0.0/8'",
            "kusto",
            "|cidr 10.0.0.0/8 on LocalPort, a number field in Defender XDR: an IP range "
            "cannot hold a number",
        ),
        (
            "process_creation",
            "TerminalSessionId|gt: 1",
            "esql",
            "|gt 1 on winlog.event_data.TerminalSessionId, a text field in Elastic Common "
            "Schema: the target would order the text, not the numbers",
        ),
        (
            "process_creation",
            "CommandLine|cidr: '10.0.0.0/8'",
            "eql",
            "|cidr 10.0.0.0/8 on process.command_line, a keyword field in Elastic Common "
            "Schema: an IP range is matched only on an ip field",
        ),
        (
            "network_connection",
            "DestinationIp|startswith: '10.'",
            "eql",
            "the pattern '10.*' on destination.ip, an ip field in Elastic Common Schema: the "
            "target matches no wildcard against an ip field",
        ),
        (
            "network_connection",
            "DestinationIp: 'localhost'",
            "esql",
            "'localhost' on destination.ip, an ip field in Elastic Common Schema: the text is "
            "not an address",
        ),
    ],
)
def test_a_value_its_field_cannot_hold_is_refused(
    category: str, item: str, target: str, message: str
) -> None:
    assert _refusal(category, item, target) == message
