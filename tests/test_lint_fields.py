"""lint/fields.py: fields the log source's events lack, from a table a rule is looked up in
(the Windows catalog by default)."""

from __future__ import annotations

from sigma.rule import SigmaRule

from sigma_certutil.lint.fields import EventFields, field_findings, windows_fields
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


def _logsource(logsource: str, detection: str = "{EventID: 4688}") -> SigmaRule:
    return parse_rule(
        f"title: t\nlogsource: {{product: windows, {logsource}}}\n"
        f"detection:\n  selection: {detection}\n  condition: selection\n",
        "r.yml",
    )


def test_sysmon_events_of_a_category() -> None:
    fields = windows_fields(_logsource("category: network_connection", "{Image: x}"))
    assert fields is not None
    assert fields.events == "Sysmon Event ID 3 (Network connection)"
    assert {"DestinationPort", "Initiated", "EventID", "Provider_Name"} <= fields.fields
    assert windows_fields(parse_rule(RULE.replace("windows", "linux"), "r.yml")) is None


def test_a_channel_rule_is_checked_against_the_events_its_event_id_names() -> None:
    # Microsoft's 4688 event ("A new process has been created") has NewProcessName and no
    # OriginalFileName (learn.microsoft.com, windows/security/threat-protection/auditing/
    # event-4688).
    fields = windows_fields(_logsource("service: security"))
    assert fields is not None
    assert "NewProcessName" in fields.fields and "OriginalFileName" not in fields.fields
    text = NESTED.replace(
        "        - SubjectUserName: a\n", "        - SubjectUserName: a\n        - Cmd: x\n"
    )
    [finding] = _findings(text)
    assert finding.startswith("r.yml:8: field_name: 'Cmd' is not a field of any of the ")
    assert finding.endswith(" Security events the rule selects")
    # With its EventID the message names the event.
    one = NESTED.replace(
        "        - SubjectUserName: a\n", "        - EventID: 4688\n          Cmd: x\n"
    )
    event = "Security Event ID 4688 (A new process has been created)"
    assert _findings(one) == [
        f"r.yml:8: field_name: 'Cmd' is not a field of {event}",
        f"r.yml:9: field_name: 'ProcessName' is not a field of {event}",  # 4688: NewProcessName
    ]


def test_a_field_no_event_has_is_named_at_its_line() -> None:
    text = RULE.replace("        CommandLine: a\n", "        CommandLine: a\n        Cmd: b\n")
    assert _findings(text) == [
        "r.yml:9: field_name: 'Cmd' is not a field of Sysmon Event ID 1 (Process creation)"
    ]


def test_another_table_is_one_function() -> None:
    def security(rule: SigmaRule) -> EventFields | None:
        if rule.logsource.service != "security":
            return None
        return EventFields("Security Event ID 4688", frozenset({"SubjectUserName"}))

    assert _findings(NESTED) == []  # SubjectUserName and ProcessName are Security fields
    assert _findings(NESTED, (security,)) == [
        "r.yml:8: field_name: 'ProcessName' is not a field of Security Event ID 4688"
    ]
