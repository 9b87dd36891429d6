"""sigma_certutil/conversion/splunk_strings.py: values Splunk's search cannot write, field
references, and the order of a search around deferred regular expressions."""

from __future__ import annotations

from pathlib import Path

from helpers import cli

_RULE = """\
title: t
id: 0b7f8c61-2f4b-4bd6-9a3d-3c2f8f1d9e10
status: test
logsource:
    product: windows
    category: process_creation
detection:
    a:
        - Image|endswith: '\\\\attrib.exe'
        - OriginalFileName: 'ATTRIB.EXE'
    b:
        CommandLine|cased: ['X', 'Y']
    c:
        ParentImage: 'p?.exe'
    condition: a and not (b or c)
level: low
"""


def test_regexes_under_an_or_keep_the_search_in_splunks_precedence(tmp_path: Path) -> None:
    rule = tmp_path / "r.yml"
    rule.write_text(_RULE, encoding="utf-8")
    result = cli("convert", str(rule), "-t", "splunk")
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == (
        'source="XmlWinEventLog:Microsoft-Windows-Sysmon/Operational" EventCode=1\n'
        '| rex field=CommandLine "(?<CommandLineMatch>(?s)^(?:X|Y)$(?!\\\\n))"\n'
        '| eval CommandLineCondition=if(isnotnull(CommandLineMatch), "true", "false")\n'
        '| rex field=ParentImage "(?<ParentImageMatch>(?is)^p.\\\\.exe$(?!\\\\n))"\n'
        '| eval ParentImageCondition=if(isnotnull(ParentImageMatch), "true", "false")\n'
        '| search Image="*\\\\attrib.exe" OR OriginalFileName="ATTRIB.EXE" '
        'NOT (CommandLineCondition="true" OR ParentImageCondition="true")\n'
    )
