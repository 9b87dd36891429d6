"""Every EQL and Splunk query of SigmaHQ's rules on the Windows channels beside Sysmon's
names only fields the ingest writes for the events the rule can match (EQL: with their
types; Splunk: the base search's fields, as the add-on extracts them).

The fields come from this package's ECS shape (verify/shapes/ecs_windows.py, written from
Winlogbeat's pipelines), not from the mapping under test: for each event of the rule's log
source (the catalog's fields of each event id the rule names), an event with every field
set is shaped twice, once with values the pipelines move ("1") and once with Windows' "none"
("-", which Security's pipeline leaves under winlog.event_data), as Winlogbeat and as the
Elastic Agent's integrations write it (the query reads both), and the EQL query must
type-check against the union of what they hold, plus the System part Winlogbeat writes for
every event (winlog.computer_name, record_id, task, opcode, version, keywords: Winlogbeat's
exported-fields-winlog). The findings the suite knows are listed with their reason; any
other, or a listed one that went away, fails.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import shared_path
from sigma.rule import SigmaRule

from sigma_certutil import convert, load_rule
from sigma_certutil.errors import CertutilError
from sigma_certutil.verify.engines.eql import ecs_schema, parse_eql
from sigma_certutil.verify.engines.lucene import flatten
from sigma_certutil.verify.events import WindowsEvent
from sigma_certutil.verify.shapes.ecs import ecs_fields, to_ecs
from sigma_certutil.verify.shapes.ecs_agent import to_ecs_agent
from sigma_certutil.windows import WindowsEvent as CatalogEvent
from sigma_certutil.windows import WindowsLogSource, log_source, rule_events

pytestmark = [pytest.mark.engine, pytest.mark.shared]

SYSTEM = (
    "winlog.computer_name",
    "winlog.record_id",
    "winlog.task",
    "winlog.opcode",
    "winlog.version",
    "winlog.keywords",
)
# 4103's ContextInfo lines and the classic channel's key=value text, as the golden files
# show them (x-pack/winlogbeat/module/powershell/test/testdata/ingest/4103.golden.json,
# 400.golden.json, 600.golden.json, 800.golden.json).
CONTEXT_KEYS = (
    "Severity", "Host Name", "Host Version", "Host ID", "Host Application", "Engine Version",
    "Runspace ID", "Pipeline ID", "Command Name", "Command Type", "Script Name",
    "Command Path", "Sequence Number", "Shell ID",
)  # fmt: skip
CLASSIC_KEYS = (
    "NewEngineState", "PreviousEngineState", "SequenceNumber", "HostName", "HostVersion",
    "HostId", "HostApplication", "EngineVersion", "RunspaceId", "PipelineId", "CommandName",
    "CommandType", "ScriptName", "CommandPath", "CommandLine", "ProviderName",
    "NewProviderState", "DetailTotal", "DetailSequence", "UserId",
)  # fmt: skip
KINDS = ("Field not recognized", "Expected string not number")
# (log source, what the EQL engine says) -> how many rules, and why: none known.
KNOWN: dict[tuple[str, str], tuple[int, str]] = {}


def _raw(event: CatalogEvent, value: str) -> WindowsEvent:
    data: dict[str, Any] = {event.xml_name(name): value for name in event.fields}
    if "ContextInfo" in data:
        lines = [f"        {key} = {value}" for key in CONTEXT_KEYS]
        lines += ["        User = A\\b", "        Connected User = A\\b"]
        data["ContextInfo"] = "\n".join(lines)
    if "Payload" in data:
        data["Payload"] = 'CommandInvocation(x): "y"\nParameterBinding(x): name="a"; value="b"'
    if event.unnamed_data and event.params:  # unnamed <Data> elements, in order
        data["Data"] = [value] * event.params
    if event.channel == "Windows PowerShell":
        data.pop("Data", None)
        text = "\t" + "\n\t".join(f"{key}={value}" for key in CLASSIC_KEYS)
        data.update(param1=value, param2=text, param3=text)
    user_data = "Element" if event.user_data and event.user_data >= event.fields else ""
    return WindowsEvent("all", data, event.id, channel=event.channel, provider=event.provider,
                        user_data=user_data)  # fmt: skip


def _stored_fields(events: tuple[CatalogEvent, ...]) -> dict[str, str]:
    types = ecs_fields()
    found = dict.fromkeys(SYSTEM, "keyword")
    for event in events:
        for value in ("1", "-"):
            for shape in (to_ecs, to_ecs_agent):  # winlogbeat-* and the Agent's data streams
                for name in flatten(shape(_raw(event, value))):
                    found[name] = types.get(name, "keyword")
    return found


def _channel_queries(target: str) -> Iterator[tuple[Path, SigmaRule, WindowsLogSource, str]]:
    """Each SigmaHQ rules/windows rule on a channel other than Sysmon's that the target
    converts, with its log source and query."""
    rules = shared_path("data", "sigmahq", "rules", "windows")
    for path in sorted(rules.rglob("*.yml")):
        rule = load_rule(path)
        source = log_source(rule.logsource)
        if source is None or source.is_sysmon:
            continue
        try:
            query = convert(rule, target)
        except CertutilError:
            continue
        yield path, rule, source, query


def test_every_eql_query_names_fields_the_ingest_writes() -> None:
    findings: Counter[tuple[str, str]] = Counter()
    examples: dict[tuple[str, str], str] = {}
    checked = 0
    for path, rule, source, query in _channel_queries("eql"):
        checked += 1
        schema = ecs_schema(_stored_fields(rule_events(rule, source)))
        try:
            parse_eql(query, schema)
        except Exception as error:  # the eql package's errors
            text = " ".join(str(error).split())
            kind = next((k for k in KINDS if k in text), type(error).__name__)
            findings[(source.name, kind)] += 1
            examples.setdefault((source.name, kind), f"{path.name}: {text[:300]}")
    assert checked > 400, checked
    expected = {key: count for key, (count, _) in KNOWN.items()}
    assert dict(findings) == expected, {key: examples.get(key) for key in findings}


# The System part's elements, which the add-on's XML extraction names as the elements are
# named (splunk/security_content data_sources/windows_event_log_system_7045.yml lists
# Channel, Computer, EventRecordID, Keywords, Level, Opcode, Task and Version among the
# add-on's fields; verify/shapes/splunk.py writes none of them, but Provider Name as Name).
SPLUNK_SYSTEM = {"Keywords", "Computer", "EventRecordID", "Task", "Opcode", "Version", "Level"}
_UNNAMED = "unnamed <Data>: the shape writes Data (joined); the query names param<N>"
# field -> (how many rules, why): the base searches' fields the add-on's XML extraction of
# the events does not hold as verify/shapes/splunk.py writes it.
SPLUNK_KNOWN: dict[str, tuple[int, str]] = {
    "param1": (5, _UNNAMED),
    "param2": (2, _UNNAMED),
    "param3": (1, _UNNAMED),
}


def test_every_splunk_query_names_fields_the_add_on_extracts() -> None:
    from engines.spl_model import spl_fields

    from sigma_certutil.verify.shapes.splunk import to_splunk

    findings: Counter[str] = Counter()
    examples: dict[str, str] = {}
    checked = 0
    for path, rule, source, query in _channel_queries("splunk"):
        checked += 1
        fields = {"source", "sourcetype", "EventCode", *SPLUNK_SYSTEM}
        for event in rule_events(rule, source):
            for value in ("1", "-"):
                fields.update(to_splunk(_raw(event, value)))
        # The base search: fields that | rex and | eval make are the query's own.
        base = query.split("\n|", 1)[0]
        for missing in sorted(spl_fields(base) - fields):
            findings[missing] += 1
            examples.setdefault(missing, path.name)
    assert checked > 400, checked
    expected = {key: count for key, (count, _) in SPLUNK_KNOWN.items()}
    assert dict(findings) == expected, {key: examples[key] for key in findings}
