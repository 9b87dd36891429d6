"""PowerShell's Data, ContextInfo and Payload as Winlogbeat's powershell module splits them
(elastic/beats x-pack/winlogbeat/module/powershell/ingest/powershell.yml and
powershell_operational.yml: the kv processors and the renames). Expected values by hand."""

from __future__ import annotations

import re

import pytest

from sigma_certutil import convert
from sigma_certutil.errors import ConversionError
from sigma_certutil.fields import field_routes
from sigma_certutil.rules import parse_rule


def _eql(category: str, selection: str) -> str:
    rule = (
        "title: t\nid: 3a1e4d2a-3b5f-4e6a-8d9c-0a1b2c3d4e97\nstatus: test\n"
        f"logsource: {{product: windows, category: {category}}}\n"
        f"detection:\n  selection: {selection}\n  condition: selection\nlevel: low\n"
    )
    query = convert(parse_rule(rule, "r.yml"), "eql")
    return query.split(" and ", 2)[2]  # after the channel and the event code


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        # Key=value starts that key's value: HostApplication is moved to process.command_line.
        ("{Data|contains: 'HostApplication=powershell'}", 'process.command_line:"powershell*"'),
        ("{Data|contains: 'EngineVersion=2.'}", 'powershell.engine.version:"2.*"'),
        ("{Data|contains: 'HostName=ConsoleHost'}", 'process.title:"ConsoleHost*"'),
        ("{Data|contains: 'ProviderName=WSMan'}", 'powershell.provider.name:"WSMan*"'),
    ],
)
def test_classic_data_key_values(selection: str, expected: str) -> None:
    assert expected in _eql("ps_classic_start", selection)


def test_classic_data_text_without_a_key_is_any_value() -> None:
    query = _eql("ps_classic_start", "{Data|contains: 'Net.WebClient'}")
    assert 'process.command_line:"*Net.WebClient*"' in query
    assert 'powershell.command.value:"*Net.WebClient*"' in query
    assert " or " in query


@pytest.mark.parametrize(
    ("selection", "reason"),
    [
        ("{Data|re: 'HostId=[a-z0-9-]{36}\\s+EngineVersion='}", "SigmaRegularExpression"),
        ("{Data|contains: 'SequenceNumber=1'}", "converted or split and removed"),
        ("{Data|contains: 'ModuleContents=function'}", "names ModuleContents, which is no key"),
        ("{Data: 'Available'}", "compares the whole text"),
    ],
)
def test_classic_data_that_cannot_follow_the_split_is_refused(selection: str, reason: str) -> None:
    with pytest.raises(ConversionError, match=reason):
        _eql("ps_classic_start", selection)


def test_context_info_key_and_bare_value() -> None:
    query = _eql("ps_module", "{ContextInfo|contains: 'Host Application = C:\\\\x.exe'}")
    assert 'process.command_line:"C:\\\\x.exe*"' in query
    query = _eql("ps_module", "{ContextInfo|contains: '= powershell'}")
    assert 'process.command_line:"powershell*"' in query
    assert 'powershell.id:"powershell*"' in query


def test_context_info_lands_only_where_its_lines_go() -> None:
    # 4103's ContextInfo has no Command Line line (ingest/4103.golden.json): a bare value is
    # never searched in powershell.command.value, and the key is refused.
    query = _eql("ps_module", "{ContextInfo|contains: 'Net.WebClient'}")
    assert 'process.command_line:"*Net.WebClient*"' in query
    assert "powershell.command.value" not in query
    with pytest.raises(ConversionError, match="names CommandLine, which is no key of its lines"):
        _eql("ps_module", "{ContextInfo|contains: 'Command Line = x'}")


def test_payload_is_any_part_of_the_invocation_details() -> None:
    query = _eql("ps_module", "{Payload|contains: 'Invoke-Mimikatz'}")
    for part in ("type", "related_command", "name", "value"):
        assert f'powershell.command.invocation_details.{part}:"*Invoke-Mimikatz*"' in query


@pytest.mark.parametrize(
    "text",
    [
        'value=\\"(get-location).path',
        # A line is Type(command): value; these lie across its type and command in some
        # line, which the split keeps in two fields of one of many objects.
        "CommandInvocation(cmd.exe)",
        "invocation(Remove-Item",
    ],
)
def test_payload_spanning_its_parts_is_refused(text: str) -> None:
    with pytest.raises(ConversionError, match=f"'\\*{re.escape(text)}\\*' spans its parts"):
        _eql("ps_module", f"{{Payload|contains: '{text}'}}")


@pytest.mark.parametrize(
    "text", ["(Get-PSReadlineOption).HistorySavePath", ".Invoke()", "New-Object(x)"]
)
def test_payload_parentheses_within_a_value_are_searched(text: str) -> None:
    query = _eql("ps_module", f"{{Payload|contains: '{text}'}}")
    assert "powershell.command.invocation_details.value" in query
    assert 'related_command:"' + text not in query


@pytest.mark.parametrize(
    ("text", "command"),
    [
        # Across the command's parentheses: the command itself, its start or its end.
        ("(cmd.exe)", 'related_command:"cmd.exe"'),
        ("(Remove-", 'related_command:"Remove-*"'),
        ("Remove-Item)", 'related_command:"*Remove-Item"'),
    ],
)
def test_payload_across_the_command_parentheses_is_the_command(text: str, command: str) -> None:
    query = _eql("ps_module", f"{{Payload|contains: '{text}'}}")
    assert f"powershell.command.invocation_details.{command}" in query
    assert f'powershell.command.invocation_details.value:"*{text}*"' in query


def test_script_block_text_is_not_split() -> None:
    query = _eql("ps_script", "{ScriptBlockText|contains: 'iex'}")
    assert query == 'powershell.file.script_block_text:"*iex*")'


def test_fields_shows_where_the_split_text_went() -> None:
    rule = parse_rule(
        "title: t\nlogsource: {product: windows, category: ps_module}\n"
        "detection:\n  s: {Payload|contains: x}\n  condition: s\n",
        "r.yml",
    )
    (route,) = field_routes(rule, "eql")
    assert route.field == "Payload"
    assert "powershell.command.invocation_details.value" in route.target_fields
    assert route.steps == ("ecs_powershell_payload",)
