"""lint/fields.py: fields the log source's events lack, from a table a log source is looked
up in."""

from __future__ import annotations

from sigma.rule import SigmaLogSource

from sigma_certutil.lint.fields import EventFields, field_findings, sysmon_fields
from sigma_certutil.rules import parse_rule
from sigma_certutil.strict_yaml import key_lines, load_documents

RULE = """\
title: t
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: x.exe
        CommandLine: a
    condition: selection
"""

NESTED = """\
title: t
logsource:
    product: windows
    service: security
detection:
    selection:
        - SubjectUserName: a
        - ProcessName|endswith: b
    filter:
        SubjectUserName: c
    condition: selection and not filter
"""


def _findings(text: str, tables: tuple = ()) -> list[str]:  # type: ignore[type-arg]
    rule = parse_rule(text, "r.yml")
    lines = key_lines(load_documents(text)[0].node)
    found = field_findings("r.yml", rule, lines, *([tables] if tables else []))
    return [str(finding) for finding in found]


def test_sysmon_events_of_a_category() -> None:
    fields = sysmon_fields(SigmaLogSource(category="network_connection", product="windows"))
    assert fields is not None
    assert fields.events == "Sysmon Event ID 3 (Network connection)"
    assert {"DestinationPort", "Initiated", "EventID"} <= fields.fields
    assert sysmon_fields(SigmaLogSource(product="windows", service="security")) is None
    assert sysmon_fields(SigmaLogSource(category="process_creation", product="linux")) is None


def test_a_field_no_event_has_is_named_at_its_line() -> None:
    text = RULE.replace("        CommandLine: a\n", "        CommandLine: a\n        Cmd: b\n")
    assert _findings(text) == [
        "r.yml:9: field_name: 'Cmd' is not a field of Sysmon Event ID 1 (Process creation)"
    ]


def test_another_table_is_one_function() -> None:
    def security(logsource: SigmaLogSource) -> EventFields | None:
        if logsource.service != "security":
            return None
        return EventFields("Security Event ID 4688", frozenset({"SubjectUserName"}))

    assert _findings(NESTED) == []  # Sysmon's table does not know the service
    assert _findings(NESTED, (sysmon_fields, security)) == [
        "r.yml:8: field_name: 'ProcessName' is not a field of Security Event ID 4688"
    ]
